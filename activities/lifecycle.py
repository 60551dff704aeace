"""The lifecycle's activities as a worker registers them: thin wrappers over the gates.

Each method takes one typed input and returns one typed result, runs its gate's
blocking work on the worker's threads while heartbeating (``run_blocking``), times it
for ``gitops_reverser_gate_duration_seconds``, and lets ``gate_boundary`` turn what it
raises into the ``ApplicationError`` the workflow reads. The decisions live in
``activities.gates``; the stream in ``activities.stream``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import activity

from activities.boundary import gate_boundary, run_blocking
from activities.context import WorkerContext
from activities.gates.bootstrap import bootstrap
from activities.gates.encryption import ensure_key, remind_key_backup
from activities.gates.snapshot import snapshot
from activities.gates.validate import validate
from activities.metrics import GATE_DURATION
from activities.stream.stream import run_stream
from workflows.lifecycle.messages import (
    ActivityName,
    BackupReminderInput,
    BackupReminderResult,
    BootstrapInput,
    BootstrapResult,
    EnsureKeyInput,
    EnsureKeyResult,
    SecretWatchInput,
    SecretWatchResult,
    SnapshotInput,
    SnapshotResult,
    StreamInput,
    StreamResult,
    ValidateInput,
    ValidateResult,
)

__all__ = ["LifecycleActivities"]

ResultT = TypeVar("ResultT")


class LifecycleActivities:
    def __init__(self, context: WorkerContext) -> None:
        self._context = context

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.validate,
            self.ensure_key,
            self.bootstrap,
            self.snapshot,
            self.stream,
            self.watch_secret,
            self.remind_key_backup,
        ]

    @activity.defn(name=ActivityName.VALIDATE)
    @gate_boundary
    async def validate(self, request: ValidateInput) -> ValidateResult:
        return await self._gate(
            ActivityName.VALIDATE,
            lambda: validate(self._context, request.target, request.discovered_after),
        )

    @activity.defn(name=ActivityName.ENSURE_KEY)
    @gate_boundary
    async def ensure_key(self, request: EnsureKeyInput) -> EnsureKeyResult:
        return await self._gate(ActivityName.ENSURE_KEY, lambda: ensure_key(self._context, request))

    @activity.defn(name=ActivityName.BOOTSTRAP)
    @gate_boundary
    async def bootstrap(self, request: BootstrapInput) -> BootstrapResult:
        return await self._gate(ActivityName.BOOTSTRAP, lambda: bootstrap(self._context, request))

    @activity.defn(name=ActivityName.SNAPSHOT)
    @gate_boundary
    async def snapshot(self, request: SnapshotInput) -> SnapshotResult:
        attempt = activity.info().attempt  # fences this attempt's write (activities/git/fence)
        return await self._gate(
            ActivityName.SNAPSHOT, lambda: snapshot(self._context, request, attempt)
        )

    @activity.defn(name=ActivityName.STREAM)
    @gate_boundary
    async def stream(self, request: StreamInput) -> StreamResult:
        return await run_stream(self._context, request)

    @activity.defn(name=ActivityName.WATCH_SECRET)
    @gate_boundary
    async def watch_secret(self, request: SecretWatchInput) -> SecretWatchResult:
        """Return once the Secret's resourceVersion differs from the one the gate saw."""
        secret = request.secret
        while True:
            version = await run_blocking(
                self._context.executor,
                lambda: self._context.cluster.secret_version(secret.namespace, secret.name),
            )
            if version != secret.version:
                return SecretWatchResult(version=version)
            activity.heartbeat()
            await asyncio.sleep(request.poll_seconds)

    @activity.defn(name=ActivityName.REMIND_KEY_BACKUP)
    @gate_boundary
    async def remind_key_backup(self, request: BackupReminderInput) -> BackupReminderResult:
        return await run_blocking(
            self._context.executor, lambda: remind_key_backup(self._context, request)
        )

    async def _gate(self, gate: ActivityName, call: Callable[[], ResultT]) -> ResultT:
        started = time.monotonic()
        outcome = "failed"
        try:
            result = await run_blocking(self._context.executor, call)
            outcome = "passed"
            return result
        finally:
            GATE_DURATION.labels(gate, outcome).observe(time.monotonic() - started)
