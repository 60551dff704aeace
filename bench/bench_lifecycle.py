"""Lifecycle benchmark: apply to Ready, status lag, 500 targets on one worker, change to commit.

Starts the real stack on 127.0.0.1 (etcd + kube-apiserver, the Temporal dev server, git
servers) and the operator's worker and bridge as processes, exactly as the end-to-end
tests do, then measures:

1. apply to Ready: a GitTarget whose WatchRule selects 100 ConfigMaps, from creating
   the GitTarget to ``Ready=True`` stored on it, repeated in fresh namespaces;
2. status lag: for every stored status in which a condition changed, from the
   workflow's transition (the newest ``lastTransitionTime``) to the watch event that
   shows it; plus the bridge's own histogram (transition to patch);
3. many targets on one worker (500 by default): time until all are Ready, the worker's
   RSS and thread count (watches are read by one thread, whatever their number), and the
   status lag during the ramp;
4. one live change to commit: a ConfigMap update until its content is on the remote,
   with ``push: {interval: 1s, maxCommits: 1}``, before the many targets and again
   while all their streams run on the same worker.

Prints markdown tables. Run: ``.venv/bin/python bench/bench_lifecycle.py [--targets N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import pygit2  # noqa: E402
import yaml  # noqa: E402
from kubernetes import client  # noqa: E402

from activities.kube import Cluster  # noqa: E402
from bridge.informers import BRIDGE_KINDS, Kind  # noqa: E402
from tests.harness.git import GitRemote, GitServers, start_git_servers  # noqa: E402
from tests.harness.kube import ControlPlane, start_control_plane  # noqa: E402
from tests.harness.operator import OperatorProcess, Queues, start_bridge, start_worker  # noqa: E402
from tests.harness.temporal import TemporalServer, start_temporal  # noqa: E402
from tests.harness.tools import Tools  # noqa: E402

GROUP, VERSION = "configbutler.ai", "v1alpha1"
_WAIT = "gitops_reverser_status_publication_wait_seconds"
_WATCH_ALL = REPO_ROOT / "crds" / "rbac" / "optional" / "watch-all-resources.yaml"

# The budget of 500 targets on one worker: about 1 MiB per target, and a live change
# lands as fast as on an idle worker (the stream aims: median 150 ms, worst 1 s).
RSS_BUDGET_MIB = 512
CHANGE_MEDIAN_BUDGET = 0.150
CHANGE_MAX_BUDGET = 1.0


@dataclass
class Observer:
    """Every GitTarget status the API server stores, with the time its watch event came."""

    cluster: Cluster
    ready_at: dict[str, float] = field(default_factory=dict)
    lags: list[tuple[str, float]] = field(default_factory=list)
    _last: dict[str, dict[str, str]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        threading.Thread(target=self._follow, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def lags_of(self, prefix: str) -> list[float]:
        with self._lock:
            return [lag for key, lag in self.lags if key.startswith(prefix)]

    def _follow(self) -> None:
        targets = BRIDGE_KINDS[Kind.GIT_TARGET]
        start = self.cluster.list_objects(targets, None).resource_version
        for event in self.cluster.watch_objects(targets, None, start, self._stop):
            self._seen(event.object, time.time())

    def _seen(self, obj: dict[str, Any], arrived: float) -> None:
        metadata = obj.get("metadata") or {}
        key = f"{metadata.get('namespace')}/{metadata.get('name')}"
        conditions = (obj.get("status") or {}).get("conditions") or []
        verdicts = {c["type"]: c["status"] for c in conditions}
        with self._lock:
            changed = verdicts != self._last.get(key)
            self._last[key] = verdicts
            if changed and conditions:
                newest = max(datetime.fromisoformat(c["lastTransitionTime"]) for c in conditions)
                self.lags.append((key, arrived - newest.timestamp()))
            if verdicts.get("Ready") == "True" and key not in self.ready_at:
                self.ready_at[key] = arrived


@dataclass
class Stack:
    plane: ControlPlane
    temporal: TemporalServer
    queues: Queues
    git: GitServers
    worker: OperatorProcess
    bridge: OperatorProcess
    observer: Observer
    api: client.ApiClient

    def target_objects(
        self,
        namespace: str,
        remote: GitRemote,
        *,
        path: str,
        config_maps: int,
        push: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Everything a target needs (created first), and the GitTarget itself."""
        first = [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "git", "namespace": namespace},
                "stringData": {
                    "username": remote.http_rw.username,
                    "password": remote.http_rw.password,
                },
            },
            _ours(
                "GitProvider",
                namespace,
                "repo",
                {
                    "url": remote.http_url,
                    "secretRef": {"name": "git"},
                    "allowedBranches": ["main"],
                    "push": push or {"interval": "1s", "maxCommits": 1},
                },
            ),
            _ours(
                "WatchRule",
                namespace,
                "config",
                {
                    "targetRef": {"name": "mirror"},
                    "rules": [{"apiGroups": [""], "resources": ["configmaps"]}],
                },
            ),
            *(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{i}", "namespace": namespace},
                    "data": {"index": str(i), "payload": "x" * 200},
                }
                for i in range(config_maps)
            ),
        ]
        target = _ours(
            "GitTarget",
            namespace,
            "mirror",
            {
                "providerRef": {"name": "repo"},
                "branch": "main",
                "path": path,
            },
        )
        return first, target

    def create(self, obj: dict[str, Any]) -> None:
        namespace = obj["metadata"]["namespace"]
        if obj["apiVersion"] == "v1":
            core: Any = client.CoreV1Api(self.api)  # plain dicts; the stubs want models
            create = (
                core.create_namespaced_secret
                if obj["kind"] == "Secret"
                else (core.create_namespaced_config_map)
            )
            create(namespace, obj)
            return
        plural = {
            "GitProvider": "gitproviders",
            "WatchRule": "watchrules",
            "GitTarget": "gittargets",
        }
        client.CustomObjectsApi(self.api).create_namespaced_custom_object(
            GROUP, VERSION, namespace, plural[obj["kind"]], obj
        )

    def namespace(self, name: str) -> None:
        core: Any = client.CoreV1Api(self.api)
        core.create_namespace({"metadata": {"name": name}})


def _ours(kind: str, namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f}s")
        time.sleep(0.005)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _row(label: str, values: list[float], unit: float = 1.0) -> str:
    if not values:
        return f"| {label} | 0 | - | - | - |"
    scaled = [v * unit for v in values]
    return (
        f"| {label} | {len(values)} | {statistics.median(scaled):.3f} | "
        f"{_percentile(scaled, 0.95):.3f} | {max(scaled):.3f} |"
    )


def _proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _rss_mib(pid: int) -> float:
    return _proc_status(pid, "VmRSS") / 1024


def _machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB"


def bench_apply_to_ready(stack: Stack, runs: int, objects: int) -> list[float]:
    times = []
    for run in range(runs):
        namespace = f"ready-{run}"
        stack.namespace(namespace)
        first, target = stack.target_objects(
            namespace, stack.git.new_remote(), path=f"clusters/{namespace}", config_maps=objects
        )
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(stack.create, first))
        started = time.time()
        stack.create(target)
        key = f"{namespace}/mirror"
        _until(_ready(stack, key), 120, f"{key} Ready")
        times.append(stack.observer.ready_at[key] - started)
    return times


def bench_change_to_commit(
    stack: Stack, changes: int, namespace: str = "latency", push: dict[str, Any] | None = None
) -> list[float]:
    """Sequential updates of one ConfigMap, each timed until its value is on the remote."""
    stack.namespace(namespace)
    remote = stack.git.new_remote()
    first, target = stack.target_objects(
        namespace, remote, path=f"clusters/{namespace}", config_maps=1, push=push
    )
    for obj in [*first, target]:
        stack.create(obj)
    _until(lambda: f"{namespace}/mirror" in stack.observer.ready_at, 120, f"{namespace} Ready")
    core = client.CoreV1Api(stack.api)
    path = f"clusters/{namespace}/{namespace}/core/configmaps/cm-0.yaml"
    latencies = []
    for change in range(changes):
        value = f"change-{change}"
        started = time.monotonic()
        core.patch_namespaced_config_map("cm-0", namespace, {"data": {"index": value}})
        _until(_committed(remote, path, value), 60, value)
        latencies.append(time.monotonic() - started)
    return latencies


def _ready(stack: Stack, key: str) -> Callable[[], bool]:
    return lambda: key in stack.observer.ready_at


def _committed(remote: GitRemote, path: str, value: str) -> Callable[[], bool]:
    return lambda: _data(remote, path).get("index") == value


def _data(remote: GitRemote, path: str) -> dict[str, str]:
    repo = pygit2.Repository(str(remote.bare_path))
    try:
        blob = repo[repo.references["refs/heads/main"].peel(pygit2.Commit).tree[path].id]
    except KeyError:
        return {}
    loaded = yaml.safe_load(bytes(blob.read_raw())) or {}
    return dict(loaded.get("data") or {})


def bench_many_targets(
    stack: Stack, targets: int, remotes: int
) -> tuple[float, float, list[float]]:
    shared = [stack.git.new_remote() for _ in range(remotes)]
    plans = []
    for index in range(targets):
        namespace = f"many-{index}"
        stack.namespace(namespace)
        plans.append(
            stack.target_objects(
                namespace, shared[index % remotes], path=f"clusters/t{index}", config_maps=2
            )
        )
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(stack.create, [obj for first, _ in plans for obj in first]))
    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(stack.create, [target for _, target in plans]))
    keys = [f"many-{index}/mirror" for index in range(targets)]
    _until(
        lambda: all(key in stack.observer.ready_at for key in keys),
        60 + targets * 2,
        f"{targets} targets Ready",
    )
    all_ready = max(stack.observer.ready_at[key] for key in keys) - started
    return all_ready, _rss_mib(stack.worker.pid), stack.observer.lags_of("many-")


@contextlib.contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """The whole stack, stopped (every process, by pid) however the benchmark ends."""
    tools = Tools.discover()
    stoppers: list[Callable[[], None]] = []
    try:
        plane = start_control_plane(tools, workdir / "kube", REPO_ROOT / "crds")
        stoppers.append(plane.stop)
        temporal = start_temporal(tools, workdir / "temporal")
        stoppers.append(temporal.stop)
        git = start_git_servers(tools, workdir / "git")
        stoppers.append(git.stop)
        plane.kubectl("apply", "-f", str(_WATCH_ALL))
        queues = Queues()
        worker = start_worker(
            plane, temporal, queues, workdir / "operator", heartbeat_interval=None
        )
        stoppers.append(worker.stop)
        bridge = start_bridge(plane, temporal, queues, workdir / "operator")
        stoppers.append(bridge.stop)
        api = plane.admin_client()
        observer = Observer(Cluster(plane.admin_client()))
        observer.start()
        stoppers.append(observer.stop)
        yield Stack(plane, temporal, queues, git, worker, bridge, observer, api)
    finally:
        for stop in reversed(stoppers):
            stop()


def _bridge_histogram(
    bridge: OperatorProcess, name: str = "gitops_reverser_status_lag_seconds"
) -> tuple[float, float]:
    return bridge.metric(f"{name}_count"), bridge.metric(f"{name}_sum")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="apply-to-Ready repetitions")
    parser.add_argument("--objects", type=int, default=100, help="ConfigMaps per target")
    parser.add_argument("--targets", type=int, default=500, help="targets on one worker")
    parser.add_argument("--remotes", type=int, default=10, help="git remotes they share")
    parser.add_argument("--changes", type=int, default=20, help="live changes timed")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-lifecycle-"))
    print(f"machine: {_machine()}\n")
    try:
        with running_stack(workdir) as stack:
            ready = bench_apply_to_ready(stack, args.runs, args.objects)
            first_lags = stack.observer.lags_of("ready-")
            latency = bench_change_to_commit(stack, args.changes)
            count, total = _bridge_histogram(stack.bridge)
            waits, waited = _bridge_histogram(stack.bridge, _WAIT)
            all_ready, rss, many_lags = bench_many_targets(stack, args.targets, args.remotes)
            count_many, total_many = _bridge_histogram(stack.bridge)
            waits_many, waited_many = _bridge_histogram(stack.bridge, _WAIT)
            threads = _proc_status(stack.worker.pid, "Threads")
            loaded = bench_change_to_commit(stack, args.changes, namespace="latency-loaded")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("| measure (seconds) | n | median | p95 | max |")
    print("|---|---:|---:|---:|---:|")
    print(_row(f"apply to Ready, {args.objects} objects", ready))
    print(_row("status lag (transition to stored), single targets", first_lags))
    print(_row("live change to commit on the remote", latency))
    print(_row(f"status lag during the {args.targets}-target ramp", many_lags))
    print(_row(f"live change to commit, {args.targets} more streams on the worker", loaded))
    print()
    print(f"| {args.targets} targets on one worker | value |")
    print("|---|---:|")
    print(f"| all Ready after | {all_ready:.1f} s |")
    print(f"| worker RSS | {rss:.0f} MiB |")
    print(f"| worker threads | {threads} |")
    print(
        f"| bridge lag histogram (transition to patch), mean | "
        f"{total / max(count, 1) * 1000:.0f} ms single, "
        f"{(total_many - total) / max(count_many - count, 1) * 1000:.0f} ms ramp |"
    )
    print(
        f"| of which waiting in Temporal for the bridge, mean | "
        f"{waited / max(waits, 1) * 1000:.0f} ms single, "
        f"{(waited_many - waited) / max(waits_many - waits, 1) * 1000:.0f} ms ramp |"
    )
    print()
    print(_budget(args.targets, rss, loaded))


def _budget(targets: int, rss: float, loaded: list[float]) -> str:
    """The many-target budget, each line marked met or missed (reported, not asserted)."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    if not loaded:
        return "budget not checked: no live change was timed (--changes 0)"
    median = statistics.median(loaded)
    return "\n".join(
        [
            f"| budget, {targets} targets on one worker | aim | measured | |",
            "|---|---:|---:|---|",
            f"| worker RSS | {RSS_BUDGET_MIB} MiB | {rss:.0f} MiB | "
            f"{verdict(rss <= RSS_BUDGET_MIB)} |",
            f"| live change to commit, median | {CHANGE_MEDIAN_BUDGET * 1000:.0f} ms | "
            f"{median * 1000:.0f} ms | {verdict(median <= CHANGE_MEDIAN_BUDGET)} |",
            f"| live change to commit, max | {CHANGE_MAX_BUDGET * 1000:.0f} ms | "
            f"{max(loaded) * 1000:.0f} ms | {verdict(max(loaded) <= CHANGE_MAX_BUDGET)} |",
        ]
    )


if __name__ == "__main__":
    main()
