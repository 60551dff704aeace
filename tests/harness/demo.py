"""The local stack for the README's demo command: control plane, Temporal with its UI, a git remote.

Run ``python -m tests.harness.demo``; it prints where everything is and stops every
process it started on Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import threading
from pathlib import Path
from types import FrameType

from tests.harness.git import start_git_servers
from tests.harness.kube import ControlPlane, start_control_plane
from tests.harness.temporal import start_temporal
from tests.harness.tools import Tools

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "gitops-reverser demo is up"
DEMO_NAMESPACE = "gitops-demo"  # the namespace the samples (and the ClusterWatchRule) name


def _apply_samples(plane: ControlPlane) -> list[str]:
    samples = REPO_ROOT / "crds" / "samples"
    if not any(samples.glob("*.yaml")):
        return []
    plane.kubectl("create", "namespace", DEMO_NAMESPACE)
    result = plane.kubectl("apply", "-n", DEMO_NAMESPACE, "-f", str(samples), "-o", "name")
    return result.stdout.split()


def _banner(lines: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in lines)
    body = "\n".join(f"  {label.ljust(width)}  {value}" for label, value in lines)
    return f"\n{READY_LINE}\n{body}\n\nPress Ctrl-C to stop everything.\n"


def _wait_for_stop_signal() -> None:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    stop.wait()


def run(workdir: Path) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    tools = Tools.discover()
    stoppers = []
    try:
        print("starting etcd + kube-apiserver ...", flush=True)
        plane = start_control_plane(tools, workdir / "kube", REPO_ROOT / "crds")
        stoppers.append(plane.stop)
        print("starting Temporal dev server with the Web UI ...", flush=True)
        temporal = start_temporal(
            tools, workdir / "temporal", ui=True, db_file=workdir / "temporal.db"
        )
        stoppers.append(temporal.stop)
        print("starting git servers ...", flush=True)
        git = start_git_servers(tools, workdir / "git")
        stoppers.append(git.stop)
        remote = git.new_remote()
        applied = _apply_samples(plane)
        print(
            _banner(
                [
                    ("KUBECONFIG", f"export KUBECONFIG={plane.admin_kubeconfig}"),
                    ("kubectl", str(tools.bin("kubectl"))),
                    ("Temporal UI", temporal.ui_url or "-"),
                    ("Temporal address", temporal.address),
                    ("git (HTTP)", f"{remote.http_url} (user {remote.http_rw.username})"),
                    ("git (SSH)", remote.ssh_url),
                    ("git (bare repo)", str(remote.bare_path)),
                    ("samples applied", f"{', '.join(applied) or 'none'} (in {DEMO_NAMESPACE})"),
                    ("server logs", str(workdir / "*" / "logs")),
                ]
            ),
            flush=True,
        )
        _wait_for_stop_signal()
    finally:
        print("stopping ...", flush=True)
        for stop in reversed(stoppers):
            stop()
        print("stopped.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / ".demo")
    args = parser.parse_args()
    run(args.workdir)


if __name__ == "__main__":
    main()
