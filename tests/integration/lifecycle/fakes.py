"""Scripted gate activities for testing the lifecycle workflow's own logic.

The workflow runs on the real Temporal dev server of the harness; only its
activities are replaced by these scripts, registered under the real activity names,
so each test decides what every gate answers and sees exactly what the workflow did.
Everything the gates do for real is tested against real components elsewhere.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from workflows.api import ProviderKind
from workflows.api.conditions import RETRYABLE_REASONS, GitTargetReason
from workflows.lifecycle.messages import (
    ActivityName,
    BackupReminderInput,
    BackupReminderResult,
    BootstrapInput,
    BootstrapResult,
    EncryptionPlan,
    EnsureKeyInput,
    EnsureKeyResult,
    GateFailureDetail,
    ProviderPlan,
    PublicationOutcome,
    PublicationResult,
    SecretRef,
    SecretWatchInput,
    SecretWatchResult,
    SignalName,
    SnapshotInput,
    SnapshotResult,
    StatusPublication,
    StreamCheckpoint,
    StreamInput,
    StreamReport,
    StreamResult,
    TargetPlan,
    TargetRef,
    ValidateInput,
    ValidateResult,
)
from workflows.plan import WatchPlan

__all__ = ["Failure", "Gates", "StatusSink", "plan_for"]


@dataclass(frozen=True)
class Failure:
    """A gate verdict to raise instead of answering."""

    reason: GitTargetReason
    message: str = "scripted failure"
    secret: SecretRef | None = None

    def raise_(self) -> None:
        raise ApplicationError(
            self.message,
            GateFailureDetail(secret=self.secret).model_dump(mode="json"),
            type=str(self.reason),
            non_retryable=self.reason not in RETRYABLE_REASONS,
        )


def plan_for(target: TargetRef, *, encrypted: bool = False, generation: int = 1) -> TargetPlan:
    return TargetPlan(
        generation=generation,
        uid="uid-1",
        provider=ProviderPlan(kind=ProviderKind.GIT_PROVIDER, name="p", url="file:///nowhere"),
        branch="main",
        path=f"clusters/{target.name}",
        encryption=EncryptionPlan(secret_name="key") if encrypted else None,
        watch=WatchPlan(resources=[]),
        writer_id="file:///nowhere#main",
    )


@dataclass
class Gates:
    """Answers of every gate; a list of failures is raised first, one per call."""

    client: Client
    plan: Callable[[TargetRef], TargetPlan] = plan_for
    failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    streams: list[str] = field(default_factory=list)
    snapshot_causes: list[str] = field(default_factory=list)
    """Why each snapshot was asked for, in order (``SnapshotInput.cause``)."""
    running_streams: set[str] = field(default_factory=set)
    expire_next_stream: bool = False
    generated_key: bool = False
    slow: dict[str, float] = field(default_factory=dict)
    """Seconds a gate takes before it answers."""
    tip: str = "1717"
    """The remote's tip as the scripted remote has it: moved by bootstrap and snapshot."""

    def fail(self, gate: ActivityName, *failures: Failure) -> None:
        self.failures[gate].extend(failures)

    def _enter(self, gate: ActivityName) -> None:
        self.calls[gate] += 1
        if self.failures[gate]:
            self.failures[gate].pop(0).raise_()

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
    async def validate(self, request: ValidateInput) -> ValidateResult:
        self._enter(ActivityName.VALIDATE)
        return ValidateResult(
            plan=self.plan(request.target), branch_exists=True, remote_tip=self.tip, message="ok"
        )

    @activity.defn(name=ActivityName.ENSURE_KEY)
    async def ensure_key(self, request: EnsureKeyInput) -> EnsureKeyResult:
        await asyncio.sleep(self.slow.get(ActivityName.ENSURE_KEY, 0))
        self._enter(ActivityName.ENSURE_KEY)
        return EnsureKeyResult(
            secret_name=request.encryption.secret_name,
            recipient="age1recipient",
            recipients_hash="hash",
            generated=self.generated_key,
        )

    @activity.defn(name=ActivityName.BOOTSTRAP)
    async def bootstrap(self, request: BootstrapInput) -> BootstrapResult:
        self._enter(ActivityName.BOOTSTRAP)
        first = self.calls[ActivityName.BOOTSTRAP] == 1
        if first:
            self.tip = "c0ffee"
        return BootstrapResult(commit="c0ffee" if first else None, changed=first, head=self.tip)

    @activity.defn(name=ActivityName.SNAPSHOT)
    async def snapshot(self, request: SnapshotInput) -> SnapshotResult:
        self.snapshot_causes.append(request.cause.value)
        self._enter(ActivityName.SNAPSHOT)
        self.tip = "5eed"
        return SnapshotResult(
            created=3,
            updated=0,
            deleted=0,
            objects=3,
            commit="5eed",
            changed=True,
            checkpoint=StreamCheckpoint(positions={"core/v1/configmaps": "100"}),
        )

    @activity.defn(name=ActivityName.STREAM)
    async def stream(self, request: StreamInput) -> StreamResult:
        """Report live, then run until cancelled (or expire once when asked)."""
        self._enter(ActivityName.STREAM)
        self.streams.append(request.stream_id)
        assert not self.running_streams, "two streams of one target at once"
        self.running_streams.add(request.stream_id)
        try:
            handle = self.client.get_workflow_handle(activity.info().workflow_id or "")
            await handle.signal(
                SignalName.STREAM_REPORT,
                StreamReport(
                    stream_id=request.stream_id,
                    attempt=activity.info().attempt,
                    live=True,
                    message="watching",
                ),
            )
            if self.expire_next_stream:
                self.expire_next_stream = False
                return StreamResult(expired=("core/v1/configmaps",))
            while True:
                activity.heartbeat()
                await asyncio.sleep(0.2)
        finally:
            self.running_streams.discard(request.stream_id)

    @activity.defn(name=ActivityName.WATCH_SECRET)
    async def watch_secret(self, request: SecretWatchInput) -> SecretWatchResult:
        self._enter(ActivityName.WATCH_SECRET)
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.2)

    @activity.defn(name=ActivityName.REMIND_KEY_BACKUP)
    async def remind_key_backup(self, request: BackupReminderInput) -> BackupReminderResult:
        self._enter(ActivityName.REMIND_KEY_BACKUP)
        return BackupReminderResult(pending=True)


@dataclass
class StatusSink:
    """The bridge's ``publish_status``, recording each publication instead of patching."""

    received: list[StatusPublication] = field(default_factory=list)

    @activity.defn(name=ActivityName.PUBLISH_STATUS)
    async def publish_status(self, publication: StatusPublication) -> PublicationResult:
        self.received.append(publication)
        return PublicationResult(outcome=PublicationOutcome.PATCHED)

    @property
    def latest(self) -> StatusPublication:
        return self.received[-1]
