"""The README's demo command brings the stack up and takes all of it down on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.harness.demo import READY_LINE, REPO_ROOT
from tests.harness.process import listening_sockets, process_tree, running
from tests.harness.tools import Tools


def test_demo_prints_its_addresses_and_stops_every_process_on_ctrl_c(
    tools: Tools, tmp_path: Path
) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.demo", "--workdir", str(tmp_path / "demo")],
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
        assert READY_LINE in banner
        assert "Temporal UI       http://127.0.0.1:" in banner
        assert "export KUBECONFIG=" in banner
        tree = process_tree(demo.pid)
        assert {address for address, _ in listening_sockets(tree)} == {"127.0.0.1"}

        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert demo.returncode == 0
    assert rest.strip().endswith("stopped.")
    assert not any(running(pid) for pid in tree)
