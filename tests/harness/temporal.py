"""A real Temporal dev server on loopback, with the project's search attributes registered."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.process import ManagedProcess, free_port
from tests.harness.tools import Tools
from workflows import search_attributes

__all__ = ["TemporalServer", "start_temporal"]


@dataclass
class TemporalServer:
    address: str
    namespace: str
    ui_url: str | None
    process: ManagedProcess
    temporal_bin: Path

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        """Start the stopped server again on the same ports (and database file, if any)."""
        self.process = ManagedProcess(
            name=self.process.name, argv=self.process.argv, log_path=self.process.log_path
        ).start()
        self.process.wait_ready(lambda: _healthy(self.temporal_bin, self.address), timeout=90)


def _healthy(temporal: Path, address: str) -> bool:
    try:
        result = subprocess.run(
            [str(temporal), "operator", "cluster", "health", "--address", address],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and "SERVING" in result.stdout


def start_temporal(
    tools: Tools,
    workdir: Path,
    *,
    ui: bool = False,
    db_file: Path | None = None,
    dynamic_config: dict[str, str] | None = None,
) -> TemporalServer:
    """Start ``temporal server start-dev`` bound to 127.0.0.1 on free ports.

    ``dynamic_config`` values are YAML/JSON literals (``{"limit.x": "50"}``).
    """
    port, http_port, metrics_port = free_port(), free_port(), free_port()
    argv = [
        str(tools.bin("temporal")),
        "server",
        "start-dev",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--http-port={http_port}",
        f"--metrics-port={metrics_port}",
        "--log-level=warn",
        "--sqlite-pragma=journal_mode=WAL",
        "--sqlite-pragma=synchronous=NORMAL",
    ]
    for key in search_attributes.ALL:
        argv.append(f"--search-attribute={key.name}={key.indexed_value_type.name.title()}")
    ui_url = None
    if ui:
        ui_port = free_port()
        argv.append(f"--ui-port={ui_port}")
        ui_url = f"http://127.0.0.1:{ui_port}"
    else:
        argv.append("--headless")
    if db_file is not None:
        argv.append(f"--db-filename={db_file}")
    argv.extend(f"--dynamic-config-value={k}={v}" for k, v in (dynamic_config or {}).items())
    process = ManagedProcess(
        name="temporal", argv=argv, log_path=workdir / "logs" / "temporal.log"
    ).start()
    address = f"127.0.0.1:{port}"
    process.wait_ready(lambda: _healthy(tools.bin("temporal"), address), timeout=90)
    return TemporalServer(
        address=address,
        namespace="default",
        ui_url=ui_url,
        process=process,
        temporal_bin=tools.bin("temporal"),
    )
