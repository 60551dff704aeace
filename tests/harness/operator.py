"""The operator's own processes for end-to-end tests and the demo: worker and bridge.

Each runs as ``python -m worker.cli`` (the ``gitops-reverser`` command) with the
connection settings a Deployment would give it: the Temporal address, task queues,
and the kubeconfig of its own ServiceAccount identity, so RBAC decides its requests.
Metrics listen on 127.0.0.1. ``stop`` sends SIGTERM (graceful); ``kill`` SIGKILL;
``pause`` and ``resume`` SIGSTOP and SIGCONT (a process frozen past its heartbeats).
"""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.kube import OPERATOR_NAMESPACE, ControlPlane, Identity
from tests.harness.process import ManagedProcess, free_port
from tests.harness.temporal import TemporalServer

__all__ = ["OperatorProcess", "Queues", "start_bridge", "start_worker"]

REPO_ROOT = Path(__file__).resolve().parents[2]
BRIDGE_LEASE = "gitops-reverser-bridge"
TEST_HEARTBEAT_INTERVAL = 1.0
"""Tests' streams heartbeat every second, so a cancelled stream (every target a test
deletes at its end) stops within about a second instead of the default 8."""


@dataclass(frozen=True)
class Queues:
    """Task queues of one deployment of the operator (tests use fresh ones to stay apart)."""

    workflows: str = field(default_factory=lambda: f"gitops-reverser-{uuid.uuid4().hex[:8]}")
    status: str = field(default_factory=lambda: f"gitops-reverser-status-{uuid.uuid4().hex[:8]}")


@dataclass
class OperatorProcess:
    process: ManagedProcess
    metrics_port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    def metric(self, sample: str) -> float:
        """The sum of every sample that starts with ``sample``: a name alone sums every label
        set, ``name{label="value"`` only those."""
        total = 0.0
        for line in self.metrics().splitlines():
            if line.startswith(sample) and line[len(sample)] in " {,":
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self) -> None:
        self.resume()  # a frozen process would hold SIGTERM until its grace ran out
        self.process.stop()

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process.alive():
            os.kill(self.pid, signal.SIGCONT)

    def log(self) -> str:
        return self.process.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as a crashed or evicted pod: nothing is handed over."""
        if self.process.alive():
            os.kill(self.pid, signal.SIGKILL)
            assert self.process.popen is not None
            self.process.popen.wait(timeout=10)

    def alive(self) -> bool:
        return self.process.alive()


def _common(
    temporal: TemporalServer, queues: Queues, kubeconfig: Path, connection: Mapping[str, str]
) -> list[str]:
    # A connection given as environment (as the chart gives it) carries its own address.
    address = [] if connection else [f"--temporal-address={temporal.address}"]
    return [
        *address,
        f"--temporal-namespace={temporal.namespace}",
        f"--task-queue={queues.workflows}",
        f"--status-task-queue={queues.status}",
        f"--kubeconfig={kubeconfig}",
    ]


def _start(
    name: str, argv: list[str], workdir: Path, port: int, connection: Mapping[str, str]
) -> OperatorProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **connection}
    process = ManagedProcess(
        name=name,
        argv=[sys.executable, "-m", "worker.cli", *argv],
        log_path=workdir / "logs" / f"{name}-{port}.log",
        env=env,
        cwd=REPO_ROOT,
    ).start()
    process.wait_ready(lambda: _healthy(port), timeout=60)
    return OperatorProcess(process, port)


def start_worker(
    plane: ControlPlane,
    temporal: TemporalServer,
    queues: Queues,
    workdir: Path,
    connection: Mapping[str, str] | None = None,
    heartbeat_interval: float | None = TEST_HEARTBEAT_INTERVAL,
) -> OperatorProcess:
    """``connection``: ``GITOPS_REVERSER_TEMPORAL_*`` variables, address included, instead of
    ``--temporal-address`` (the way the chart configures TLS and API keys).
    ``heartbeat_interval``: ``--heartbeat-interval``; ``None`` keeps the product's default."""
    port = free_port()
    connection = connection or {}
    argv = [
        "worker",
        *_common(temporal, queues, plane.kubeconfig(Identity.WORKER), connection),
        f"--metrics-address=127.0.0.1:{port}",
        f"--cache-dir={workdir / f'worker-cache-{port}'}",
        *([f"--heartbeat-interval={heartbeat_interval}"] if heartbeat_interval else []),
    ]
    return _start("worker", argv, workdir, port, connection)


def start_bridge(
    plane: ControlPlane,
    temporal: TemporalServer,
    queues: Queues,
    workdir: Path,
    connection: Mapping[str, str] | None = None,
) -> OperatorProcess:
    port = free_port()
    connection = connection or {}
    argv = [
        "bridge",
        *_common(temporal, queues, plane.kubeconfig(Identity.BRIDGE), connection),
        f"--metrics-address=127.0.0.1:{port}",
        f"--lease-namespace={OPERATOR_NAMESPACE}",
        # RBAC lets the bridge hold exactly this Lease; a stopped bridge gives it up.
        f"--lease-name={BRIDGE_LEASE}",
    ]
    return _start("bridge", argv, workdir, port, connection)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False
