"""The README's demo command: every sample reaches Ready, an edit becomes a commit, and
Ctrl-C takes every process down."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pygit2

from tests.harness.process import listening_sockets, process_tree, running
from tests.harness.tools import Tools

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_NAMESPACE = "gitops-demo"


def _kubectl(tools: Tools, kubeconfig: str, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        [str(tools.bin("kubectl")), "--kubeconfig", kubeconfig, "-n", DEMO_NAMESPACE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _messages(bare: str) -> str:
    repo = pygit2.Repository(bare)
    tip = repo.references["refs/heads/main"].target
    return "\n".join(c.message for c in repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL))


def test_demo_reaches_ready_mirrors_an_edit_and_stops_every_process_on_ctrl_c(
    tools: Tools, tmp_path: Path
) -> None:
    demo = subprocess.Popen(
        [sys.executable, "hack/demo.py", "--workdir", str(tmp_path / "demo")],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert demo.stdout is not None
        output = []
        for line in demo.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        banner = "".join(output)
        assert "gitops-reverser demo is up" in banner, banner
        ui_url = re.search(r"Temporal UI\s+(http://127\.0\.0\.1:\d+)", banner)
        workflow_url = re.search(
            r"workflow\s+(http://\S+gittarget%2Fgitops-demo%2Fprod-cluster)", banner
        )
        kubeconfig = re.search(r"export KUBECONFIG=(\S+)", banner)
        bare = re.search(r"git \(bare repo\)\s+(\S+)", banner)
        commit = re.search(r"commit\s+([0-9a-f]{40}) ", banner)
        assert ui_url and workflow_url and kubeconfig and bare and commit, banner
        with urllib.request.urlopen(ui_url.group(1), timeout=10) as page:  # noqa: S310
            assert page.status == 200

        targets = json.loads(
            _kubectl(tools, kubeconfig.group(1), "get", "gittargets", "-o", "json")
        )
        for target in targets["items"]:
            ready = next(c for c in target["status"]["conditions"] if c["type"] == "Ready")
            assert ready["status"] == "True", target["metadata"]["name"]
        assert commit.group(1) in {
            str(c.id)
            for c in pygit2.Repository(bare.group(1)).walk(
                pygit2.Repository(bare.group(1)).references["refs/heads/main"].target
            )
        }

        _kubectl(
            tools,
            kubeconfig.group(1),
            "patch",
            "configmap",
            "app-settings",
            "--type=merge",
            "-p",
            '{"data":{"LOG_LEVEL":"debug"}}',
        )
        deadline = time.monotonic() + 60
        while "update ConfigMap gitops-demo/app-settings" not in _messages(bare.group(1)):
            assert time.monotonic() < deadline, _messages(bare.group(1))
            time.sleep(0.5)

        tree = process_tree(demo.pid)
        assert {address for address, _ in listening_sockets(tree)} == {"127.0.0.1"}
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=90)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert demo.returncode == 0, rest
    assert rest.strip().endswith("stopped.")
    assert not any(running(pid) for pid in tree)
