"""The GitTarget lifecycle: one durable workflow per GitTarget, read as its gates in order.

validate -> ensure-key -> bootstrap -> snapshot -> stream. A full pass runs the first
three; when they resolve a plan that writes differently from the one the stream runs
(or nothing streams yet), the snapshot runs and a stream starts from its list
resourceVersions. A failed gate records why on its condition, blocks the gates after
it, and waits: a backoff when retrying can clear it, otherwise for a change (a signal
from the bridge, the Secret it names, or a slow re-check). Signals: ``spec_changed``
and ``dependency_changed`` (full pass), ``resync`` (snapshot again), ``delete`` (stop
the stream, leave Git as it is, finish); a running stream reports through
``stream_report``. The query ``status`` returns the whole status.

Status travels by push: after each change the workflow calls ``publish_status`` on the
bridge's task queue with the full status and a sequence number, one publication in
flight at a time and always the newest, so the bridge (the only writer of CR status)
applies them in order and they wait in Temporal while it is down.

Deterministic: no I/O, no clock or randomness but the SDK's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityCancellationType, ActivityHandle

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes
    from workflows.api import GitTargetStatus, WorkerRef
    from workflows.api.conditions import ConditionType
    from workflows.lifecycle.failures import STALL_RECHECK, GateFailure, backoff
    from workflows.lifecycle.messages import (
        ActivityName,
        BackupReminderInput,
        BackupReminderResult,
        BootstrapInput,
        BootstrapResult,
        CarriedState,
        DependencyChanged,
        EnsureKeyInput,
        EnsureKeyResult,
        LifecycleInput,
        LifecycleResult,
        PublicationResult,
        RelistCause,
        Requests,
        Resync,
        SecretRef,
        SecretWatchInput,
        SecretWatchResult,
        SignalName,
        SnapshotInput,
        SnapshotResult,
        SpecChanged,
        StatusPublication,
        StreamCheckpoint,
        StreamInput,
        StreamReport,
        StreamResult,
        TargetDeleted,
        TargetPlan,
        ValidateInput,
        ValidateResult,
    )
    from workflows.lifecycle.record import StatusRecord

__all__ = ["GitTargetWorkflow"]

ResultT = TypeVar("ResultT")

_QUICK_RETRIES = RetryPolicy(maximum_interval=timedelta(seconds=4), maximum_attempts=3)
"""Gates retry crashes and timeouts a few times; their verdicts (ApplicationError) are
non-retryable and come straight back, so the condition can say why at once."""
_FOREVER = RetryPolicy(maximum_interval=timedelta(seconds=30))
_STREAM_RETRIES = RetryPolicy(maximum_interval=timedelta(seconds=5))
"""A stream's attempts never stop counting (each crash, heartbeat timeout or remote
outage is one more), so its backoff must stay short: with 30 s a stream moved 22.7 s
after the fifth SIGKILL of its worker, and came back up to 30 s after its remote did.
5 s bounds a move at the heartbeat timeout plus 5 s, and recovery after an outage at
5 s, for one failed fetch (and one Disconnected report) per 5 s while the remote is down."""
_HEARTBEAT = timedelta(seconds=10)
_GATE_TIMEOUT = timedelta(minutes=5)
_SNAPSHOT_TIMEOUT = timedelta(hours=1)
_LONG_RUNNING = timedelta(days=1)
"""A stream or Secret watch is restarted (from its last heartbeat) at least this often."""
_PUBLISH_TIMEOUT = timedelta(seconds=10)
_PUBLISH_RETRIES = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)
_BACKUP_REMINDER = timedelta(minutes=10)


@workflow.defn(name="GitTarget")
class GitTargetWorkflow:
    """One GitTarget's lifecycle; see the module docstring."""

    @workflow.init
    def __init__(self, input: LifecycleInput) -> None:
        # Signal-with-start delivers the signal before run(): all state is set up here.
        carried = input.carried
        self._target = input.target
        self._status_queue = input.status_task_queue
        self._uid = input.uid
        self._record = StatusRecord(
            carried.status if carried else None, input.target.workflow_id, workflow.now()
        )
        self._sequence = carried.sequence if carried else 0
        self._requests = carried.requests.model_copy() if carried else Requests(full_pass=True)
        self._plan: TargetPlan | None = carried.plan if carried else None
        self._checkpoint = carried.checkpoint if carried else None
        self._key_announced = carried.key_announced if carried else False
        self._streams_started = carried.streams_started if carried else 0
        self._recipient: str | None = None
        self._bound = False
        self._snapshot_due = False
        self._relist_cause = RelistCause.INITIAL
        self._failures = 0
        self._wake_at: datetime | None = None
        self._reminder_at: datetime | None = None
        self._stream: ActivityHandle[StreamResult] | None = None
        self._stream_id = ""
        self._stream_attempt = 0
        self._epoch = 0
        self._secret_watch: ActivityHandle[SecretWatchResult] | None = None
        self._shown: tuple[object, ...] = ()

    @workflow.run
    async def run(self, input: LifecycleInput) -> LifecycleResult:
        self._after_status_change()
        publisher = asyncio.create_task(self._publish_changes())
        while not self._requests.delete:
            if self._continue_as_new_due():
                await self._continue_as_new()
            await self._step()
        await self._stop_stream()
        self._stop_secret_watch()
        publisher.cancel()
        return LifecycleResult(deleted=True)

    # --- signals and the query ---

    # A signal's cause is for people reading the history; the lifecycle acts on its kind.

    @workflow.signal(name=SignalName.SPEC_CHANGED)
    def spec_changed(self, change: SpecChanged | None = None) -> None:
        if change is not None and change.uid:
            self._uid = change.uid
        self._requests.full_pass = True

    @workflow.signal(name=SignalName.DEPENDENCY_CHANGED)
    def dependency_changed(self, change: DependencyChanged | None = None) -> None:
        if change is not None and change.rediscover:
            self._requests.discovered_after = workflow.now()
        self._requests.full_pass = True

    @workflow.signal(name=SignalName.RESYNC)
    def resync(self, request: Resync | None = None) -> None:
        self._requests.resync = True

    @workflow.signal(name=SignalName.DELETE)
    def delete(self, request: TargetDeleted | None = None) -> None:
        self._requests.delete = True

    @workflow.signal(name=SignalName.STREAM_REPORT)
    def stream_report(self, report: StreamReport | None = None) -> None:
        if report is None or self._stream is None or report.stream_id != self._stream_id:
            return  # a superseded stream's late word
        if report.attempt < self._stream_attempt:
            return  # an attempt that lost its heartbeat, still running somewhere
        self._stream_attempt = report.attempt
        if report.checkpoint is not None:
            self._checkpoint = report.checkpoint
        self._record.stream_reported(report, workflow.now())
        self._after_status_change()

    @workflow.query(name="status")
    def status(self) -> GitTargetStatus:
        return self._record.status

    # --- the loop ---

    async def _step(self) -> None:
        if self._requests.full_pass:
            await self._full_pass()
        elif self._sync_wanted():
            await self._synchronise()
        elif self._stream is not None and self._stream.done():
            await self._after_stream()
        else:
            await self._idle()
        self._after_status_change()

    def _sync_wanted(self) -> bool:
        wanted = self._requests.resync or self._snapshot_due
        return wanted and self._bound and self._wake_at is None

    async def _full_pass(self) -> None:
        """validate -> ensure-key -> bootstrap, then bind the stream to the resolved plan."""
        self._requests.full_pass = False
        self._wake_at = None
        self._stop_secret_watch()
        validated = await self._validate()
        if validated is None:
            return
        plan = validated.plan
        key = await self._ensure_key(plan)
        if key is None and plan.encryption is not None:
            return
        if await self._bootstrap(plan, key):
            await self._bind(plan, key)

    async def _synchronise(self) -> None:
        """snapshot -> stream: the folder made equal to the cluster, then kept so."""
        plan = self._plan
        assert plan is not None  # bound
        cause = RelistCause.RESYNC if self._requests.resync else self._relist_cause
        self._requests.resync = False
        self._snapshot_due = False
        await self._stop_stream()
        result = await self._snapshot(plan, cause)
        if result is None:
            self._snapshot_due = True  # retried later, for the same cause
            self._relist_cause = cause
            return
        self._failures = 0
        self._checkpoint = result.checkpoint
        self._start_stream(plan, result.checkpoint, after_snapshot=True)

    async def _idle(self) -> None:
        """Wait for a signal, a due retry or reminder, or a watched dependency to change."""
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(self._woken, timeout=self._next_timer())
        now = workflow.now()
        if self._wake_at is not None and now >= self._wake_at:
            self._wake_at = None
            self._requests.full_pass = True  # retry
        if self._secret_watch is not None and self._secret_watch.done():
            self._secret_watch = None
            self._requests.full_pass = True  # a Secret the target needs changed
        if self._reminder_at is not None and now >= self._reminder_at:
            await self._remind_key_backup()

    def _woken(self) -> bool:
        return (
            self._requests.delete
            or self._requests.full_pass
            or self._sync_wanted()
            or (self._stream is not None and self._stream.done())
            or (self._secret_watch is not None and self._secret_watch.done())
            or self._continue_as_new_due()
        )

    def _next_timer(self) -> timedelta | None:
        timers = [t for t in (self._wake_at, self._reminder_at) if t is not None]
        if not timers:
            return None
        return max(min(timers) - workflow.now(), timedelta(milliseconds=1))

    # --- gates ---

    async def _validate(self) -> ValidateResult | None:
        """Validated: provider, branch, no conflicting target, credentials can push."""
        result = await self._gate(
            ConditionType.VALIDATED,
            _gate_activity(
                ActivityName.VALIDATE,
                ValidateInput(
                    target=self._target, discovered_after=self._requests.discovered_after
                ),
                ValidateResult,
                f"validate {self._target}",
            ),
        )
        if result is not None:
            self._requests.discovered_after = None
            self._uid = result.plan.uid
            worker_ref = self._worker_ref(result.plan.writer_id)
            self._record.validated(result, worker_ref, workflow.now())
        return result

    async def _ensure_key(self, plan: TargetPlan) -> EnsureKeyResult | None:
        """EncryptionConfigured: the age key exists (generated when allowed), or none is needed."""
        if plan.encryption is None:
            self._record.encryption_not_required(workflow.now())
            self._reminder_at = None
            return None
        key = await self._gate(
            ConditionType.ENCRYPTION_CONFIGURED,
            _gate_activity(
                ActivityName.ENSURE_KEY,
                EnsureKeyInput(
                    target=self._target,
                    encryption=plan.encryption,
                    announce=not self._key_announced,
                ),
                EnsureKeyResult,
                f"ensure key {plan.encryption.secret_name}",
            ),
        )
        if key is not None:
            self._record.key_available(key, workflow.now())
            self._schedule_backup_reminder(key)
        return key

    async def _bootstrap(self, plan: TargetPlan, key: EnsureKeyResult | None) -> bool:
        """Bootstrapped: the target folder, its .sops.yaml and README exist on the branch."""
        result = await self._gate(
            ConditionType.BOOTSTRAPPED,
            _gate_activity(
                ActivityName.BOOTSTRAP,
                BootstrapInput(
                    target=self._target,
                    plan=plan,
                    recipient=key.recipient if key else None,
                    operation_id=str(workflow.uuid4()),
                ),
                BootstrapResult,
                f"bootstrap {plan.path}",
            ),
        )
        if result is not None:
            self._record.bootstrapped(plan, result, workflow.now())
        return result is not None

    async def _snapshot(self, plan: TargetPlan, cause: RelistCause) -> SnapshotResult | None:
        """SnapshotSynced: every selected object is in the folder, no file of a gone one is."""
        self._record.snapshot_started(plan, workflow.now())
        self._after_status_change()
        self._epoch = self._next_epoch()
        result = await self._gate(
            ConditionType.SNAPSHOT_SYNCED,
            _gate_activity(
                ActivityName.SNAPSHOT,
                SnapshotInput(
                    target=self._target,
                    plan=plan,
                    recipient=self._recipient,
                    operation_id=str(workflow.uuid4()),
                    cause=cause,
                    epoch=self._epoch,
                ),
                SnapshotResult,
                f"snapshot {plan.path}",
                timeout=_SNAPSHOT_TIMEOUT,
            ),
        )
        if result is not None:
            self._record.snapshot_completed(result, workflow.now())
        return result

    def _next_epoch(self) -> int:
        """A fence epoch above every earlier one, even across resets (see activities/git/fence)."""
        return max(int(workflow.now().timestamp() * 1000), self._epoch + 1)

    def _start_stream(
        self, plan: TargetPlan, start: StreamCheckpoint, *, after_snapshot: bool
    ) -> None:
        """EventStreamLive: watches open from ``start``; the stream reports when they are.

        A stream right after its snapshot shares the snapshot's fence epoch: its first
        attempt then needs no commit of its own to take the folder over.
        """
        self._streams_started += 1
        self._stream_id = f"stream-{self._streams_started}"
        self._stream_attempt = 0
        if not after_snapshot:
            self._epoch = self._next_epoch()
        self._stream = workflow.start_activity(
            ActivityName.STREAM,
            StreamInput(
                target=self._target,
                plan=plan,
                recipient=self._recipient,
                start=start,
                stream_id=self._stream_id,
                epoch=self._epoch,
            ),
            result_type=StreamResult,
            activity_id=self._stream_id,
            start_to_close_timeout=_LONG_RUNNING,
            heartbeat_timeout=_HEARTBEAT,
            retry_policy=_STREAM_RETRIES,
            # Never two streams of one target: a cancel waits until the old one stopped.
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            summary=f"stream {len(plan.watch.resources)} resource types",
        )
        self._record.stream_started(workflow.now())

    async def _gate(self, gate: ConditionType, call: Awaitable[ResultT]) -> ResultT | None:
        """The gate's result, or ``None`` after recording its failure and scheduling a retry."""
        try:
            return await call
        except ActivityError as error:
            await self._fail(gate, GateFailure.of(gate, error))
            return None

    async def _fail(self, gate: ConditionType, failure: GateFailure) -> None:
        self._record.failed(gate, failure, workflow.now())
        if gate != ConditionType.SNAPSHOT_SYNCED:
            self._bound = False
        await self._stop_stream()
        if failure.retryable:
            self._failures += 1
            self._wake_at = workflow.now() + backoff(self._failures)
            return
        self._wake_at = workflow.now() + STALL_RECHECK
        if failure.secret is not None:
            self._watch_secret(failure.secret)

    # --- the stream and the other long-running activities ---

    async def _bind(self, plan: TargetPlan, key: EnsureKeyResult | None) -> None:
        """Adopt ``plan``: keep the stream when it writes alike, else snapshot (or resume)."""
        previous, self._plan = self._plan, plan
        self._recipient = key.recipient if key else None
        self._bound = True
        if self._requests.resync or not plan.writes_like(previous):
            self._due(RelistCause.INITIAL if previous is None else RelistCause.PLAN_CHANGED)
        if self._snapshot_due:
            return
        now = workflow.now()
        if self._stream is not None:
            self._record.restamp(
                now, ConditionType.SNAPSHOT_SYNCED, ConditionType.EVENT_STREAM_LIVE
            )
        elif self._checkpoint is not None:
            self._record.restamp(now, ConditionType.SNAPSHOT_SYNCED)
            self._start_stream(plan, self._checkpoint, after_snapshot=False)
        else:
            self._due(RelistCause.INITIAL)

    async def _after_stream(self) -> None:
        """The stream ended by itself: its watch history expired (re-list) or it failed."""
        handle, self._stream = self._stream, None
        assert handle is not None
        try:
            result = handle.result()
        except ActivityError as error:
            gate = ConditionType.EVENT_STREAM_LIVE
            await self._fail(gate, GateFailure.of(gate, error))
            return
        expired = ", ".join(result.expired) or "a watch"
        self._record.stream_blocked(
            f"watch history expired for {expired}: re-listing", workflow.now()
        )
        self._due(RelistCause.EXPIRED)

    def _due(self, cause: RelistCause) -> None:
        """A snapshot is due; a resync asked meanwhile is counted as such when it runs."""
        if not self._snapshot_due:
            self._relist_cause = cause
        self._snapshot_due = True

    async def _stop_stream(self) -> None:
        handle, self._stream = self._stream, None
        if handle is None:
            return
        if not handle.done():
            handle.cancel()
        # Cancelled, as asked: ActivityError once it stopped, CancelledError if it never ran.
        with contextlib.suppress(ActivityError, asyncio.CancelledError):
            await handle
        self._record.stream_stopped(workflow.now())

    def _watch_secret(self, secret: SecretRef) -> None:
        self._secret_watch = workflow.start_activity(
            ActivityName.WATCH_SECRET,
            SecretWatchInput(secret=secret),
            result_type=SecretWatchResult,
            start_to_close_timeout=_LONG_RUNNING,
            heartbeat_timeout=_HEARTBEAT,
            retry_policy=_FOREVER,
            summary=f"wait for a change of Secret {secret.name}",
        )

    def _stop_secret_watch(self) -> None:
        """Cancel the Secret watch, if any; nothing waits for it (it writes nothing)."""
        handle, self._secret_watch = self._secret_watch, None
        if handle is not None and not handle.done():
            handle.cancel()

    def _schedule_backup_reminder(self, key: EnsureKeyResult) -> None:
        if not key.generated:
            self._reminder_at = None
            return
        self._key_announced = True
        if self._reminder_at is None:
            self._reminder_at = workflow.now() + _BACKUP_REMINDER

    async def _remind_key_backup(self) -> None:
        """While the generated key is not backed up, warn again every ten minutes."""
        encryption = self._record.status.encryption
        self._reminder_at = None
        if encryption is None or encryption.secret_ref is None:
            return
        try:
            result = await _gate_activity(
                ActivityName.REMIND_KEY_BACKUP,
                BackupReminderInput(target=self._target, secret_name=encryption.secret_ref.name),
                BackupReminderResult,
                "remind to back up the key",
            )
        except ActivityError:
            result = BackupReminderResult(pending=True)  # try again next time
        if result.pending:
            self._reminder_at = workflow.now() + _BACKUP_REMINDER

    # --- continue-as-new ---

    def _continue_as_new_due(self) -> bool:
        return workflow.info().is_continue_as_new_suggested() and not self._requests.delete

    async def _continue_as_new(self) -> None:
        await self._stop_stream()
        self._stop_secret_watch()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            LifecycleInput(
                target=self._target,
                status_task_queue=self._status_queue,
                uid=self._uid,
                carried=CarriedState(
                    status=self._record.status,
                    sequence=self._sequence,
                    # The next run passes the gates again and resumes from the checkpoint.
                    requests=self._requests.model_copy(update={"full_pass": True}),
                    plan=self._plan,
                    checkpoint=self._checkpoint,
                    key_announced=self._key_announced,
                    streams_started=self._streams_started,
                ),
            )
        )

    # --- status ---

    def _worker_ref(self, writer_id: str) -> WorkerRef:
        info = workflow.info()
        return WorkerRef(
            workflow_id=info.workflow_id, run_id=info.run_id, branch_writer_id=writer_id
        )

    def _after_status_change(self) -> None:
        """Keep the search attributes and the UI's current details in step with the status."""
        shown = (self._record.phase, self._record.ready, self._record.ready_message)
        if shown == self._shown:
            return
        self._shown = shown
        workflow.upsert_search_attributes(
            [
                search_attributes.GIT_TARGET_NAMESPACE.value_set(self._target.namespace),
                search_attributes.GIT_TARGET_NAME.value_set(self._target.name),
                search_attributes.GIT_TARGET_PHASE.value_set(str(self._record.phase)),
                search_attributes.GIT_TARGET_READY.value_set(self._record.ready),
            ]
        )
        workflow.set_current_details(f"{self._record.phase}: {self._record.ready_message}")

    async def _publish_changes(self) -> None:
        """Publish the newest status whenever it changed: one publication in flight."""
        while True:
            await workflow.wait_condition(lambda: self._record.dirty)
            self._record.dirty = False
            self._sequence = max(self._sequence + 1, _micros(workflow.now()))
            publication = StatusPublication(
                target=self._target,
                uid=self._uid,
                sequence=self._sequence,
                status=self._record.with_sequence(self._sequence),
                transition_time=self._record.transition_time,
            )
            await workflow.execute_activity(
                ActivityName.PUBLISH_STATUS,
                publication,
                result_type=PublicationResult,
                task_queue=self._status_queue,
                start_to_close_timeout=_PUBLISH_TIMEOUT,
                retry_policy=_PUBLISH_RETRIES,
                summary=f"publish status #{self._sequence}",
            )


def _gate_activity(
    name: ActivityName,
    arg: Any,
    result_type: type[ResultT],
    summary: str,
    *,
    timeout: timedelta = _GATE_TIMEOUT,
) -> Awaitable[ResultT]:
    """A gate activity on the workflow's own task queue, heartbeating, with quick retries."""
    call: Awaitable[ResultT] = workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=timeout,
        heartbeat_timeout=_HEARTBEAT,
        retry_policy=_QUICK_RETRIES,
        summary=summary,
    )
    return call


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
