"""Stream benchmark: event-to-commit latency with batching off and on, sustained throughput.

Runs the same real stack as ``bench_lifecycle.py`` (etcd + kube-apiserver, the Temporal
dev server, git servers, the worker and bridge as processes) and measures:

1. event-to-commit latency: sequential updates of one ConfigMap, each timed from the
   API call to its value being on the remote, with batching off
   (``push: {maxCommits: 1}``) and on (``push: {interval: 1s, maxCommits: 50}``);
2. sustained throughput: a generator updates ``--objects`` ConfigMaps per target,
   ``--rounds`` times each, from 8 threads, as fast as the API server takes it; the
   figure is events written per second, from the first update to the last final
   value on the remote, every final value checked (no loss). First with one worker,
   then the same load on new targets with a second worker started.

Prints markdown tables. Run: ``.venv/bin/python bench/bench_stream.py``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # bench_lifecycle, and the project

from bench_lifecycle import (  # noqa: E402
    Stack,
    _data,
    _machine,
    _percentile,
    _until,
    bench_change_to_commit,
    running_stack,
)
from kubernetes import client  # noqa: E402

from tests.harness.git import GitRemote  # noqa: E402
from tests.harness.operator import start_worker  # noqa: E402

BATCHING_OFF = {"interval": "1s", "maxCommits": 1}
BATCHING_ON = {"interval": "1s", "maxCommits": 50}


@dataclass(frozen=True)
class Throughput:
    events: int
    generated_in: float
    """Seconds the generator took to make every update (the API server's pace)."""
    landed_in: float
    """Seconds from the first update to every final value being on the remote."""

    @property
    def per_second(self) -> float:
        return self.events / self.landed_in


def _targets(stack: Stack, prefix: str, count: int, objects: int) -> list[tuple[str, GitRemote]]:
    """``count`` Ready targets, each with its own remote and ``objects`` ConfigMaps."""
    made = []
    for index in range(count):
        namespace = f"{prefix}-{index}"
        stack.namespace(namespace)
        remote = stack.git.new_remote()
        first, target = stack.target_objects(
            namespace, remote, path=f"clusters/{namespace}", config_maps=objects, push=BATCHING_ON
        )
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(stack.create, first))
        stack.create(target)
        made.append((namespace, remote))
    for namespace, _ in made:
        _until(lambda n=namespace: f"{n}/mirror" in stack.observer.ready_at, 300, namespace)  # type: ignore[misc]
    return made


def bench_throughput(
    stack: Stack, targets: list[tuple[str, GitRemote]], objects: int, rounds: int
) -> Throughput:
    core: Any = client.CoreV1Api(stack.api)
    updates = [
        (namespace, f"cm-{index}", f"round-{round_}")
        for round_ in range(rounds)
        for namespace, _ in targets
        for index in range(objects)
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda u: core.patch_namespaced_config_map(u[1], u[0], {"data": {"index": u[2]}}),
                updates,
            )
        )
    generated = time.monotonic() - started
    final = f"round-{rounds - 1}"

    def all_final() -> bool:
        return all(
            _data(remote, f"clusters/{namespace}/{namespace}/core/configmaps/cm-{index}.yaml").get(
                "index"
            )
            == final
            for namespace, remote in targets
            for index in range(objects)
        )

    _until(all_final, 600, "every final value on the remote")
    return Throughput(len(updates), generated, time.monotonic() - started)


def _event_to_push(stack: Stack) -> tuple[float, float]:
    """The worker's event-to-push histogram so far: (sum of seconds, count)."""
    name = "gitops_reverser_event_to_push_seconds"
    return stack.worker.metric(f"{name}_sum"), stack.worker.metric(f"{name}_count")


def _mean_since(before: tuple[float, float], after: tuple[float, float]) -> float:
    return (after[0] - before[0]) / max(after[1] - before[1], 1)


def _latency_row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"| {label} | {len(ms)} | {_percentile(ms, 0.5):.0f} | {_percentile(ms, 0.95):.0f} | "
        f"{_percentile(ms, 0.99):.0f} | {max(ms):.0f} |"
    )


def _throughput_row(label: str, result: Throughput) -> str:
    return (
        f"| {label} | {result.events} | {result.generated_in:.1f} | {result.landed_in:.1f} | "
        f"{result.per_second:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=100, help="timed sequential changes")
    parser.add_argument("--objects", type=int, default=100, help="ConfigMaps per target")
    parser.add_argument("--rounds", type=int, default=10, help="updates of each ConfigMap")
    parser.add_argument("--targets", type=int, default=2, help="targets under load")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    print(f"machine: {_machine()}\n")
    try:
        with running_stack(workdir) as stack:
            pushed_before = _event_to_push(stack)
            off = bench_change_to_commit(stack, args.changes, "batching-off", BATCHING_OFF)
            in_worker = _mean_since(pushed_before, _event_to_push(stack))
            on = bench_change_to_commit(stack, args.changes, "batching-on", BATCHING_ON)
            one = _targets(stack, "one-worker", args.targets, args.objects)
            single = bench_throughput(stack, one, args.objects, args.rounds)
            second = start_worker(
                stack.plane,
                stack.temporal,
                stack.queues,
                workdir / "operator",
                heartbeat_interval=None,
            )
            try:
                two = _targets(stack, "two-workers", args.targets, args.objects)
                double = bench_throughput(stack, two, args.objects, args.rounds)
                shares = (
                    stack.worker.metric("gitops_reverser_events_written_total"),
                    second.metric("gitops_reverser_events_written_total"),
                )
            finally:
                second.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("| event to commit on the remote (ms) | n | p50 | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    print(_latency_row("batching off (maxCommits 1)", off))
    print(_latency_row("batching on (interval 1s, maxCommits 50)", on))
    print(
        f"\nbatching off, mean {statistics.mean(off) * 1000:.0f} ms, of which "
        f"{in_worker * 1000:.0f} ms in the worker (watch event read to push done); the rest "
        "is the API call, the watch delivering the event and reading the remote"
    )
    print()
    print(
        f"| sustained load, {args.targets} targets | events | generated s | landed s | events/s |"
    )
    print("|---|---:|---:|---:|---:|")
    print(_throughput_row("one worker", single))
    print(_throughput_row("two workers", double))
    print(
        f"\nevents written per worker over the run: first {shares[0]:.0f}, "
        f"second {shares[1]:.0f} (the second ran only the two-worker phase)"
    )


if __name__ == "__main__":
    main()
