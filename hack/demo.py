"""The README's demo: a local cluster mirrored into a local Git remote by gitops-reverser.

Starts etcd + kube-apiserver, a Temporal dev server with its Web UI, git servers,
then the operator's worker and bridge as their own processes; applies the samples of
``crds/samples`` (the GitProvider pointed at the local remote with a real credential)
with a few objects to mirror, waits until every GitTarget is Ready, and prints where
to look: the Temporal UI page of a target's workflow and the commit it made. Edit a
sample ConfigMap and a new commit lands. Ctrl-C (or SIGTERM) stops every process.

Run it with ``hack/demo.sh``. It uses the test harness as a library.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
import urllib.parse
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.harness.git import GitRemote, start_git_servers  # noqa: E402
from tests.harness.kube import ControlPlane, start_control_plane  # noqa: E402
from tests.harness.operator import Queues, start_bridge, start_worker  # noqa: E402
from tests.harness.temporal import start_temporal  # noqa: E402
from tests.harness.tools import Tools  # noqa: E402

READY_LINE = "gitops-reverser demo is up"
DEMO_NAMESPACE = "gitops-demo"  # the namespace the samples (and the ClusterWatchRule) name
SAMPLE_TARGET = "prod-cluster"
_SAMPLES = REPO_ROOT / "crds" / "samples"
_WATCH_ALL = REPO_ROOT / "crds" / "rbac" / "optional" / "watch-all-resources.yaml"


def _demo_objects(remote: GitRemote) -> list[dict[str, object]]:
    """The credential the sample provider names, the Flux GitRepository the Flux sample
    names, and a few objects for the rules to select."""
    credentials = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "git-credentials"},
        "stringData": {"username": remote.http_rw.username, "password": remote.http_rw.password},
    }
    flux = {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "flux-system"},
        "spec": {"url": remote.http_url, "secretRef": {"name": "git-credentials"}},
    }
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app-settings", "labels": {"app": "demo"}},
        "data": {"LOG_LEVEL": "info", "FEATURE_FLAGS": "search,export"},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "app-credentials", "labels": {"app": "demo"}},
        "stringData": {"API_TOKEN": "demo-token-change-me"},
    }
    return [credentials, flux, settings, secret]


def _apply_samples(plane: ControlPlane, remote: GitRemote) -> list[str]:
    plane.kubectl("create", "namespace", DEMO_NAMESPACE)
    plane.kubectl("apply", "-f", str(_WATCH_ALL))  # a demo cluster: the worker may read all
    objects = {"apiVersion": "v1", "kind": "List", "items": _demo_objects(remote)}
    plane.kubectl("apply", "-n", DEMO_NAMESPACE, "-f", "-", stdin=json.dumps(objects))
    applied = []
    for sample in sorted(_SAMPLES.glob("*.yaml")):
        text = sample.read_text()
        if "kind: GitProvider" in text:
            # The local remote, and pushes every 2s so an edit shows up at once.
            text = text.replace("git@github.com:example-org/platform-config.git", remote.http_url)
            text = text.replace("interval: 30s", "interval: 2s")
        result = plane.kubectl("apply", "-n", DEMO_NAMESPACE, "-f", "-", "-o", "name", stdin=text)
        applied.extend(result.stdout.split())
    return applied


def _wait_ready(plane: ControlPlane) -> None:
    plane.kubectl(
        "wait",
        "-n",
        DEMO_NAMESPACE,
        "--for=condition=Ready=true",
        "gittargets",
        "--all",
        "--timeout=180s",
    )


def _commit(plane: ControlPlane, name: str) -> str:
    result = plane.kubectl(
        "get", "-n", DEMO_NAMESPACE, "gittarget", name, "-o", "jsonpath={.status.git.lastCommitSHA}"
    )
    return result.stdout.strip()


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
        print("starting the gitops-reverser worker and bridge ...", flush=True)
        queues = Queues(workflows="gitops-reverser", status="gitops-reverser-status")
        worker = start_worker(
            plane, temporal, queues, workdir / "operator", heartbeat_interval=None
        )
        stoppers.append(worker.stop)
        bridge = start_bridge(plane, temporal, queues, workdir / "operator")
        stoppers.append(bridge.stop)
        print("applying the samples and waiting until every GitTarget is Ready ...", flush=True)
        applied = _apply_samples(plane, remote)
        _wait_ready(plane)
        workflow = urllib.parse.quote(f"gittarget/{DEMO_NAMESPACE}/{SAMPLE_TARGET}", safe="")
        print(
            _banner(
                [
                    ("KUBECONFIG", f"export KUBECONFIG={plane.admin_kubeconfig}"),
                    ("kubectl", str(tools.bin("kubectl"))),
                    ("Temporal UI", temporal.ui_url or "-"),
                    ("workflow", f"{temporal.ui_url}/namespaces/default/workflows/{workflow}"),
                    ("Temporal address", temporal.address),
                    ("git (HTTP)", f"{remote.http_url} (user {remote.http_rw.username})"),
                    ("git (bare repo)", str(remote.bare_path)),
                    ("commit", f"{_commit(plane, SAMPLE_TARGET)} ({SAMPLE_TARGET}, main)"),
                    ("samples applied", f"{', '.join(applied)} (in {DEMO_NAMESPACE})"),
                    (
                        "try",
                        f"kubectl -n {DEMO_NAMESPACE} edit configmap app-settings; "
                        f"git --git-dir {remote.bare_path} log --stat main",
                    ),
                    ("logs", str(workdir / "*" / "logs")),
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
