"""The bridge process: ``gitops-reverser bridge``.

Holds the Lease first; only then it follows the custom resources (informers ->
dispatcher: workflow starts, signals, finalizers) and serves ``publish_status`` on the
status task queue (the only writer of GitTarget status). SIGTERM stops it cleanly and
gives the Lease up; losing the Lease ends the process with exit code 1, so the
Deployment restarts it as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from temporalio.worker import Worker

from activities.kube import Cluster
from bridge.dispatcher import Dispatcher
from bridge.informers import Event, Informers
from bridge.leader import LeaseElector, LeaseSettings
from bridge.publisher import StatusPublisher
from bridge.targets import TargetWriter
from worker.health import HealthServer
from worker.settings import KubernetesSettings, TemporalSettings
from worker.temporal import connect

__all__ = ["BridgeSettings", "run_bridge"]

_log = logging.getLogger(__name__)
_LEASE_LOST = 1
_PUBLISHERS = 32
_ANNOUNCERS = 4
_GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class BridgeSettings:
    temporal: TemporalSettings
    kubernetes: KubernetesSettings
    metrics: tuple[str, int]
    lease_namespace: str
    lease_name: str


def run_bridge(settings: BridgeSettings) -> int:
    return asyncio.run(_run(settings))


async def _run(settings: BridgeSettings) -> int:
    cluster = Cluster.connect(settings.kubernetes.kubeconfig)
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()

    def request_stop() -> None:
        stop.set()
        stopped.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, request_stop)
    elector = LeaseElector(
        cluster.api_client,
        LeaseSettings(settings.lease_namespace, settings.lease_name, _identity()),
    )
    health = HealthServer(settings.metrics, lambda: not stop.is_set()).start()
    try:
        if not await asyncio.to_thread(elector.acquire, stop):
            return 0
        lost = asyncio.Event()

        def on_lost() -> None:
            loop.call_soon_threadsafe(lost.set)

        elector.keep(on_lost)
        try:
            await _act(settings, cluster, stopped, lost)
        finally:
            elector.release()
        return _LEASE_LOST if lost.is_set() else 0
    finally:
        health.close()


async def _act(
    settings: BridgeSettings, cluster: Cluster, stopped: asyncio.Event, lost: asyncio.Event
) -> None:
    """Follow the resources and publish status until asked to stop or the Lease is lost."""
    client = await connect(settings.temporal)
    events: asyncio.Queue[Event] = asyncio.Queue()
    informers = Informers.on_loop(cluster, asyncio.get_running_loop(), events)
    writer = TargetWriter(cluster.api_client)
    patchers = ThreadPoolExecutor(_PUBLISHERS, thread_name_prefix="publish")
    announcers = ThreadPoolExecutor(_ANNOUNCERS, thread_name_prefix="events")
    publisher = StatusPublisher(writer, cluster, patchers, announcers)
    worker = Worker(
        client,
        task_queue=settings.temporal.status_task_queue,
        activities=[publisher.publish_status],
        max_concurrent_activities=_PUBLISHERS,
        # Publications come in bursts (every target at once after a restart): poll wide.
        max_concurrent_activity_task_polls=_PUBLISHERS // 2,
        graceful_shutdown_timeout=_GRACE,
    )
    dispatcher = asyncio.create_task(Dispatcher(client, writer, settings.temporal).run(events))
    informers.start()
    _log.info("bridge is active: following GitTargets, publishing their status")
    try:
        async with worker:
            waits = [asyncio.create_task(stopped.wait()), asyncio.create_task(lost.wait())]
            await asyncio.wait([*waits, dispatcher], return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()
    finally:
        dispatcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dispatcher
        await asyncio.to_thread(informers.stop)
        patchers.shutdown(wait=False, cancel_futures=True)
        announcers.shutdown(wait=True, cancel_futures=False)


def _identity() -> str:
    pod = os.environ.get("POD_NAME") or socket.gethostname()
    return f"{pod}_{os.getpid()}"
