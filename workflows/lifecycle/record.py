"""The status a lifecycle keeps for its GitTarget, and how each gate outcome changes it.

``StatusRecord`` holds the one ``GitTargetStatus`` of a workflow. Each method records
one event of the lifecycle (a gate passed or failed, a snapshot started, a stream
reported) through ``set_condition``, then derives ``Ready`` and ``phase`` with
``summarise`` and ``phase_of``, so every status it holds obeys the status contract.
It only notes that something changed (``dirty``, ``transition_time``); publishing is the
workflow's business.

Pure and deterministic: callers pass the time; no I/O, no Temporal calls.
"""

from __future__ import annotations

from datetime import datetime

from workflows.api import (
    BootstrapStatus,
    EncryptionStatus,
    EventStreamStatus,
    GitStatus,
    GitTargetStatus,
    LocalObjectReference,
    SnapshotStats,
    SnapshotStatus,
    WorkerRef,
)
from workflows.api.conditions import (
    BootstrapReason,
    ConditionStatus,
    ConditionType,
    EncryptionReason,
    GateReason,
    GitTargetReason,
    Phase,
    SnapshotReason,
    StreamReason,
    StreamStatus,
    ValidatedReason,
)
from workflows.lifecycle.failures import GateFailure
from workflows.lifecycle.messages import (
    BootstrapResult,
    EnsureKeyResult,
    SnapshotResult,
    StreamReport,
    TargetPlan,
    ValidateResult,
)
from workflows.status import block_after, initial_conditions, phase_of, set_condition, summarise

__all__ = ["StatusRecord"]

_NO_ENCRYPTION = "the target has no spec.encryption: selected Secrets are refused, never written"
_GENERATED_KEY = " (generated: back up the key Secret, then remove its backup-warning annotation)"


class StatusRecord:
    """One GitTarget's status as its lifecycle knows it; see the module docstring."""

    def __init__(self, status: GitTargetStatus | None, workflow_id: str, now: datetime) -> None:
        if status is None:
            conditions = initial_conditions(0, now)
            status = GitTargetStatus(
                observed_generation=0,
                phase=phase_of(conditions),
                conditions=conditions,
                worker_ref=WorkerRef(workflow_id=workflow_id),
            )
        self._status = status
        self.generation = status.observed_generation or 0
        self.dirty = True
        """The status changed since the workflow last took it for publishing."""
        self.transition_time = now
        """When a condition's status or reason last changed."""

    @property
    def status(self) -> GitTargetStatus:
        return self._status

    @property
    def phase(self) -> Phase:
        return self._status.phase or Phase.PENDING

    @property
    def ready(self) -> bool:
        return self._condition_status(ConditionType.READY) == ConditionStatus.TRUE

    @property
    def ready_message(self) -> str:
        ready = next((c for c in self._status.conditions if c.type == ConditionType.READY), None)
        return ready.message if ready else ""

    # --- gate outcomes ---

    def validated(self, result: ValidateResult, worker_ref: WorkerRef, now: datetime) -> None:
        self.generation = result.plan.generation
        self._set(ConditionType.VALIDATED, ValidatedReason.ACCESS_VERIFIED, result.message, now)
        self._update(now, worker_ref=worker_ref)
        git = self._status.git
        if git is None or (git.branch_exists, git.last_commit_sha) != (
            result.branch_exists,
            result.remote_tip,
        ):
            self._git(now, branch_exists=result.branch_exists, last_commit_sha=result.remote_tip)

    def encryption_not_required(self, now: datetime) -> None:
        self._set(
            ConditionType.ENCRYPTION_CONFIGURED, EncryptionReason.NOT_REQUIRED, _NO_ENCRYPTION, now
        )
        self._update(now, encryption=None)

    def key_available(self, key: EnsureKeyResult, now: datetime) -> None:
        reason = EncryptionReason.KEY_GENERATED if key.generated else EncryptionReason.KEY_AVAILABLE
        message = f"Secrets are encrypted for {key.recipient}"
        self._set(
            ConditionType.ENCRYPTION_CONFIGURED,
            reason,
            message + (_GENERATED_KEY if key.generated else ""),
            now,
        )
        previous = self._status.encryption
        if previous is not None and (previous.recipient, _secret_name(previous)) == (
            key.recipient,
            key.secret_name,
        ):
            return  # the same key: lastValidatedTime stays, so status does not churn
        self._update(
            now,
            encryption=EncryptionStatus(
                secret_ref=LocalObjectReference(name=key.secret_name),
                recipient=key.recipient,
                recipients_hash=key.recipients_hash,
                last_validated_time=now,
            ),
        )

    def bootstrapped(self, plan: TargetPlan, result: BootstrapResult, now: datetime) -> None:
        self._set(
            ConditionType.BOOTSTRAPPED,
            BootstrapReason.PATH_INITIALIZED,
            f"{plan.path or '/'} exists on {plan.branch}",
            now,
        )
        previous = self._status.bootstrap
        if not result.changed and previous is not None and previous.path == plan.path:
            return
        self._update(
            now,
            bootstrap=BootstrapStatus(
                path=plan.path, commit=result.commit or result.head, last_applied_time=now
            ),
        )

    def snapshot_started(self, plan: TargetPlan, now: datetime) -> None:
        self._set(
            ConditionType.SNAPSHOT_SYNCED,
            SnapshotReason.RUNNING,
            f"writing the objects of {len(plan.watch.resources)} resource types",
            now,
            status=ConditionStatus.UNKNOWN,
        )
        self.stream_blocked("waiting for the snapshot", now)

    def snapshot_completed(self, result: SnapshotResult, now: datetime) -> None:
        refused = (
            f"; {result.refused_secrets} Secrets refused (the target has no spec.encryption)"
            if result.refused_secrets
            else ""
        )
        self._set(
            ConditionType.SNAPSHOT_SYNCED,
            SnapshotReason.COMPLETED,
            f"{result.objects} objects in Git: {result.created} created, {result.updated} "
            f"updated, {result.deleted} deleted{refused}",
            now,
        )
        stats = SnapshotStats(
            created=result.created, updated=result.updated, deleted=result.deleted
        )
        self._update(
            now,
            snapshot=SnapshotStatus(
                last_completed_time=now, last_commit=result.commit, stats=stats
            ),
            last_reconcile_time=now,
        )
        if result.commit:
            self._git(now, last_commit_sha=result.commit)

    def stream_started(self, now: datetime) -> None:
        self._set(
            ConditionType.EVENT_STREAM_LIVE,
            GateReason.NOT_CHECKED,
            "opening the watches",
            now,
            status=ConditionStatus.UNKNOWN,
        )
        self._update(
            now,
            stream=EventStreamStatus(
                status=StreamStatus.REGISTERED, registered_time=now, queued_events=0
            ),
        )

    def stream_reported(self, report: StreamReport, now: datetime) -> None:
        if report.live:
            self._set(ConditionType.EVENT_STREAM_LIVE, StreamReason.REGISTERED, report.message, now)
        else:
            self._set(
                ConditionType.EVENT_STREAM_LIVE,
                report.reason or StreamReason.DISCONNECTED,
                report.message,
                now,
                status=ConditionStatus.FALSE,
            )
        stream = self._status.stream or EventStreamStatus()
        self._update(
            now,
            stream=stream.model_copy(
                update={
                    "status": StreamStatus.LIVE if report.live else StreamStatus.DISCONNECTED,
                    "last_event_time": report.last_event_time or stream.last_event_time,
                    "last_push_time": report.last_push_time or stream.last_push_time,
                    "last_push_status": report.last_push_status or stream.last_push_status,
                    "queued_events": report.queued_events,
                }
            ),
        )
        if report.last_commit:
            self._git(now, last_commit_sha=report.last_commit)

    def stream_blocked(self, message: str, now: datetime) -> None:
        self._set(
            ConditionType.EVENT_STREAM_LIVE,
            GateReason.BLOCKED,
            message,
            now,
            status=ConditionStatus.UNKNOWN,
        )

    def stream_stopped(self, now: datetime) -> None:
        if self._status.stream is not None:
            stopped = self._status.stream.model_copy(update={"status": StreamStatus.STOPPED})
            self._update(now, stream=stopped)

    def failed(self, gate: ConditionType, failure: GateFailure, now: datetime) -> None:
        """``gate`` is False with the failure's reason; the gates after it are Blocked."""
        self._set(gate, failure.reason, failure.message, now, status=ConditionStatus.FALSE)
        conditions = block_after(
            self._status.conditions,
            gate,
            f"waiting for {gate}",
            generation=self.generation,
            now=now,
        )
        self._update(now, conditions=conditions)

    def restamp(self, now: datetime, *kinds: ConditionType) -> None:
        """Mark ``kinds`` as describing the current generation without changing them."""
        for found in list(self._status.conditions):
            if found.type in kinds:
                self._set(found.type, found.reason, found.message, now, status=found.status)

    def with_sequence(self, sequence: int) -> GitTargetStatus:
        """The status as published: stamped with its publication sequence."""
        worker_ref = (self._status.worker_ref or WorkerRef()).model_copy(
            update={"status_sequence": sequence}
        )
        return self._status.model_copy(update={"worker_ref": worker_ref})

    # --- mechanics ---

    def _set(
        self,
        kind: ConditionType,
        reason: GitTargetReason,
        message: str,
        now: datetime,
        *,
        status: ConditionStatus = ConditionStatus.TRUE,
    ) -> None:
        conditions = set_condition(
            self._status.conditions,
            kind,
            status,
            reason,
            message,
            generation=self.generation,
            now=now,
        )
        self._update(now, conditions=conditions)

    def _git(self, now: datetime, **fields: object) -> None:
        git = (self._status.git or GitStatus()).model_copy(update={**fields, "last_checked": now})
        self._update(now, git=git)

    def _update(self, now: datetime, **fields: object) -> None:
        changed = self._status.model_copy(update=fields)
        conditions = summarise(changed.conditions, generation=self.generation, now=now)
        changed = changed.model_copy(
            update={
                "conditions": conditions,
                "phase": phase_of(conditions),
                "observed_generation": self.generation,
            }
        )
        if changed == self._status:
            return
        if _verdicts(changed) != _verdicts(self._status):
            self.transition_time = now
        self._status = changed
        self.dirty = True

    def _condition_status(self, kind: ConditionType) -> ConditionStatus | None:
        found = next((c for c in self._status.conditions if c.type == kind), None)
        return found.status if found else None


def _verdicts(status: GitTargetStatus) -> list[tuple[str, str, str]]:
    return [(c.type, c.status, c.reason) for c in status.conditions]


def _secret_name(encryption: EncryptionStatus) -> str | None:
    return encryption.secret_ref.name if encryption.secret_ref else None
