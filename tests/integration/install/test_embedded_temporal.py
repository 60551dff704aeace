"""The embedded Temporal's rendered command line, run by the real Temporal CLI on loopback:
the server starts, creates the configured namespace and knows the project's search
attributes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.harness.process import ManagedProcess, free_port
from tests.harness.tools import Tools
from tests.integration.install.chart import Chart, documents
from workflows import search_attributes


def _rendered_argv(chart: Chart, namespace: str) -> list[str]:
    manifest = chart.render({"temporal": {"namespace": namespace}})
    statefulset = next(doc for doc in documents(manifest) if doc["kind"] == "StatefulSet")
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return [*container["command"], *container["args"]]


def _on_loopback(argv: list[str], temporal: Path, db_file: Path) -> tuple[list[str], str]:
    """The pod's argv with this machine's binary, loopback addresses, free ports and a
    temporary database file; returns it and the frontend address."""
    port, ui_port = free_port(), free_port()
    replaced = {
        "--ip": "127.0.0.1",
        "--ui-ip": "127.0.0.1",
        "--port": str(port),
        "--ui-port": str(ui_port),
        "--db-filename": str(db_file),
    }
    local = [str(temporal)]
    for arg in argv[1:]:
        flag, sep, _ = arg.partition("=")
        local.append(f"{flag}={replaced[flag]}" if sep and flag in replaced else arg)
    local += [f"--http-port={free_port()}", f"--metrics-port={free_port()}", "--log-level=warn"]
    return local, f"127.0.0.1:{port}"


def _temporal(temporal: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(temporal), *args], capture_output=True, text=True, timeout=20, check=False
    )


def test_the_embedded_server_starts_with_the_namespace_and_search_attributes(
    chart: Chart, tools: Tools, tmp_path: Path
) -> None:
    temporal = tools.bin("temporal")
    argv, address = _on_loopback(_rendered_argv(chart, "gitops"), temporal, tmp_path / "t.db")
    server = ManagedProcess("embedded-temporal", argv, tmp_path / "temporal.log").start()
    try:
        server.wait_ready(
            lambda: (
                "SERVING"
                in _temporal(temporal, "operator", "cluster", "health", "--address", address).stdout
            ),
            timeout=90,
        )
        listed = _temporal(
            temporal, "operator", "search-attribute", "list",
            "--address", address, "--namespace", "gitops", "--output", "json",
        )  # fmt: skip
    finally:
        server.stop()

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["customAttributes"] == {
        key.name: f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}"
        for key in search_attributes.ALL
    }
    assert (tmp_path / "t.db").is_file()
