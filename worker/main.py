"""The worker process: ``gitops-reverser worker``.

Runs the GitTarget lifecycle workflows and their activities (the gates and the streams)
on the task queue, serves ``/metrics`` and ``/healthz``, and shuts down gracefully on
SIGTERM: ``worker.shutdown()`` hands cached workflows and running streams over to the
other workers in milliseconds, instead of letting them wait out the sticky-queue and
heartbeat timeouts.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.worker import Worker

from activities.context import WorkerContext
from activities.git import BranchWriters
from activities.kube import Cluster
from activities.lifecycle import LifecycleActivities
from worker.health import HealthServer
from worker.settings import KubernetesSettings, TemporalSettings
from worker.temporal import connect
from workflows.lifecycle.workflow import GitTargetWorkflow

__all__ = ["WorkerSettings", "run_worker"]

_log = logging.getLogger(__name__)
_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class WorkerSettings:
    temporal: TemporalSettings
    kubernetes: KubernetesSettings
    metrics: tuple[str, int]
    cache_dir: Path
    max_activities: int = 1000
    """Streams hold a slot each for as long as they run: size for the number of targets."""
    gate_threads: int = 32
    """Threads for blocking gate work (Kubernetes reads, git transfers)."""
    heartbeat_interval: timedelta = timedelta(seconds=8)
    """The most a stream waits between heartbeats: a cancel reaches it only with one. The
    SDK's own throttle is 0.8 x the 10 s heartbeat timeout, so the default changes nothing."""


def run_worker(settings: WorkerSettings) -> int:
    return asyncio.run(_run(settings))


async def _run(settings: WorkerSettings) -> int:
    client = await connect(settings.temporal)
    executor = ThreadPoolExecutor(settings.gate_threads, thread_name_prefix="gate")
    context = WorkerContext(
        cluster=Cluster.connect(settings.kubernetes.kubeconfig),
        writers=BranchWriters(),
        cache_dir=settings.cache_dir,
        executor=executor,
        client=client,
    )
    activities = LifecycleActivities(context)
    worker = Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=[GitTargetWorkflow],
        activities=activities.all(),
        max_concurrent_activities=settings.max_activities,
        max_heartbeat_throttle_interval=settings.heartbeat_interval,
        graceful_shutdown_timeout=_GRACE,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    health = HealthServer(settings.metrics, lambda: not stopping.is_set()).start()
    _log.info(
        "worker polling task queue %s at %s",
        settings.temporal.task_queue,
        settings.temporal.address,
    )
    try:
        running = asyncio.create_task(worker.run())
        await asyncio.wait(
            [running, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        if not running.done():
            _log.info("shutting down: handing workflows and streams over")
            await worker.shutdown()
        await running
    finally:
        health.close()
        executor.shutdown(wait=False, cancel_futures=True)
    return 0
