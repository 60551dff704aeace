"""The README's demo command brings the stack up and takes all of it down on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.harness.demo import DEMO_NAMESPACE, READY_LINE, REPO_ROOT
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
        ui_url = re.search(r"Temporal UI\s+(http://127\.0\.0\.1:\d+)", banner)
        kubeconfig = re.search(r"export KUBECONFIG=(\S+)", banner)
        assert ui_url and kubeconfig, banner
        with urllib.request.urlopen(ui_url.group(1), timeout=10) as page:  # noqa: S310
            assert page.status == 200
        listed = subprocess.run(
            [
                str(tools.bin("kubectl")),
                "--kubeconfig",
                kubeconfig.group(1),
                "get",
                "gittargets",
                "-n",
                DEMO_NAMESPACE,
                "-o",
                "name",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        assert "gittarget.configbutler.ai/prod-cluster" in listed
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
