"""The lifecycle workflow's own behaviour, with scripted gates on a real Temporal server."""

from __future__ import annotations

import asyncio

from tests.integration.lifecycle.conftest import Lifecycle, condition, ready, until
from tests.integration.lifecycle.fakes import Failure, plan_for
from workflows.api.conditions import (
    ConditionType,
    EncryptionReason,
    LifecycleReason,
    Phase,
    StreamStatus,
    ValidatedReason,
)
from workflows.lifecycle.messages import (
    ActivityName,
    DependencyChanged,
    LifecycleResult,
    SecretRef,
    SignalName,
    SpecChanged,
    StreamReport,
    TargetDeleted,
)
from workflows.lifecycle.workflow import GitTargetWorkflow


async def test_a_new_target_passes_every_gate_and_publishes_ready(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    status = await lifecycle.published(ready)
    assert status.phase == Phase.RUNNING
    assert status.observed_generation == 1
    assert status.snapshot and status.snapshot.last_commit == "5eed"
    assert status.stream and status.stream.status == StreamStatus.LIVE
    assert [c.type for c in status.conditions] == [*ConditionType]


async def test_signal_with_start_runs_one_pass_for_its_signal(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    assert lifecycle.gates.calls[ActivityName.VALIDATE] == 1
    assert lifecycle.gates.calls[ActivityName.SNAPSHOT] == 1


async def test_publications_are_numbered_in_increasing_order(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    sequences = [p.sequence for p in lifecycle.sink.received]
    assert sequences == sorted(set(sequences))
    stamped = [
        p.status.worker_ref.status_sequence for p in lifecycle.sink.received if p.status.worker_ref
    ]
    assert stamped == sequences


async def test_a_retryable_failure_is_published_then_retried_until_ready(
    lifecycle: Lifecycle,
) -> None:
    # Three attempts: the activity's quick retries are used up, the workflow sees it.
    lifecycle.gates.fail(ActivityName.VALIDATE, *[Failure(ValidatedReason.REMOTE_UNREACHABLE)] * 3)
    await lifecycle.start()
    failed = await lifecycle.published(
        lambda s: condition(s, ConditionType.VALIDATED) == ("False", "RemoteUnreachable")
    )
    assert failed.phase == Phase.DEGRADED
    assert condition(failed, ConditionType.BOOTSTRAPPED) == ("Unknown", "Blocked")
    assert condition(failed, ConditionType.READY) == ("False", "RemoteUnreachable")
    await lifecycle.published(ready)


async def test_a_stalled_gate_waits_for_a_change_instead_of_retrying(lifecycle: Lifecycle) -> None:
    lifecycle.gates.fail(ActivityName.VALIDATE, Failure(ValidatedReason.BRANCH_NOT_ALLOWED))
    await lifecycle.start()
    stalled = await lifecycle.published(
        lambda s: condition(s, ConditionType.VALIDATED) == ("False", "BranchNotAllowed")
    )
    assert stalled.phase == Phase.ERROR
    await asyncio.sleep(3)  # longer than the first retryable backoff
    assert lifecycle.gates.calls[ActivityName.VALIDATE] == 1
    await lifecycle.handle.signal(
        SignalName.DEPENDENCY_CHANGED, DependencyChanged(cause="GitProvider p changed")
    )
    await lifecycle.published(ready)
    assert lifecycle.gates.calls[ActivityName.VALIDATE] == 2


async def test_a_gate_waiting_for_a_secret_is_woken_by_a_signal_without_failing(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.gates.plan = lambda target: plan_for(target, encrypted=True)
    secret = SecretRef(namespace="team-a", name="key")
    lifecycle.gates.fail(
        ActivityName.ENSURE_KEY,
        Failure(EncryptionReason.ENCRYPTION_SECRET_MISSING, secret=secret),
    )
    await lifecycle.start()
    await lifecycle.published(
        lambda s: (
            condition(s, ConditionType.ENCRYPTION_CONFIGURED)
            == ("False", "EncryptionSecretMissing")
        )
    )
    await until(lambda: lifecycle.gates.calls[ActivityName.WATCH_SECRET] == 1)
    await lifecycle.handle.signal(SignalName.DEPENDENCY_CHANGED)  # cancels the Secret watch
    await lifecycle.published(ready)


async def test_an_unexpected_gate_error_reads_as_internal_error(lifecycle: Lifecycle) -> None:
    lifecycle.gates.fail(ActivityName.BOOTSTRAP, *[Failure(LifecycleReason.INTERNAL_ERROR)] * 3)
    await lifecycle.start()
    failed = await lifecycle.published(
        lambda s: condition(s, ConditionType.BOOTSTRAPPED) == ("False", "InternalError")
    )
    assert failed.phase == Phase.DEGRADED


async def test_resync_without_input_snapshots_again_and_restarts_the_stream(
    lifecycle: Lifecycle,
) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    mark = lifecycle.mark()
    await lifecycle.handle.signal(SignalName.RESYNC)  # no input, as `temporal workflow signal`
    await lifecycle.published(
        lambda s: condition(s, ConditionType.SNAPSHOT_SYNCED)[1] == "Running", after=mark
    )
    await lifecycle.published(ready, after=mark)
    assert lifecycle.gates.calls[ActivityName.SNAPSHOT] == 2
    assert lifecycle.gates.streams == ["stream-1", "stream-2"]
    assert lifecycle.gates.snapshot_causes == ["initial", "resync"]


async def test_a_spec_change_that_writes_alike_keeps_the_stream(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    published = len(lifecycle.sink.received)
    await lifecycle.handle.signal(SignalName.SPEC_CHANGED, SpecChanged(generation=1))
    await until(lambda: lifecycle.gates.calls[ActivityName.BOOTSTRAP] == 2)
    await asyncio.sleep(1)
    assert lifecycle.gates.calls[ActivityName.SNAPSHOT] == 1
    assert lifecycle.gates.streams == ["stream-1"]
    assert len(lifecycle.sink.received) == published  # nothing changed, nothing published


async def test_a_stream_whose_history_expired_is_followed_by_a_new_snapshot(
    lifecycle: Lifecycle,
) -> None:
    lifecycle.gates.expire_next_stream = True
    await lifecycle.start()
    # The expiring stream reports live before it ends, so an early Ready proves nothing:
    # wait for the second stream, then for the status that follows it.
    await until(lambda: len(lifecycle.gates.streams) == 2)
    await until(lambda: ready(lifecycle.sink.latest.status))
    assert lifecycle.gates.calls[ActivityName.SNAPSHOT] == 2
    assert lifecycle.gates.streams == ["stream-1", "stream-2"]
    assert lifecycle.gates.snapshot_causes == ["initial", "expired"]


async def test_a_superseded_streams_report_is_ignored(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    await lifecycle.handle.signal(
        SignalName.STREAM_REPORT,
        StreamReport(stream_id="stream-0", live=False, message="a dead attempt"),
    )
    await asyncio.sleep(1)
    assert ready(lifecycle.sink.latest.status)


async def test_a_report_of_an_older_attempt_of_the_stream_is_ignored(
    lifecycle: Lifecycle,
) -> None:
    # An attempt that lost its heartbeat but still runs (a paused worker) reports late.
    await lifecycle.start()
    await lifecycle.published(ready)
    stream_id = lifecycle.gates.streams[-1]
    newer = StreamReport(stream_id=stream_id, attempt=3, live=True, message="attempt 3")
    await lifecycle.handle.signal(SignalName.STREAM_REPORT, newer)
    older = StreamReport(stream_id=stream_id, attempt=2, live=False, message="attempt 2")
    await lifecycle.handle.signal(SignalName.STREAM_REPORT, older)
    await asyncio.sleep(1)
    assert ready(lifecycle.sink.latest.status)


async def test_delete_stops_the_stream_and_finishes(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    await lifecycle.handle.signal(SignalName.DELETE, TargetDeleted())
    result = await asyncio.wait_for(lifecycle.handle.result(), timeout=15)
    assert isinstance(result, LifecycleResult) and result.deleted
    assert not lifecycle.gates.running_streams


async def test_the_status_query_returns_the_whole_status(lifecycle: Lifecycle) -> None:
    await lifecycle.start()
    await lifecycle.published(ready)
    queried = await lifecycle.handle.query(GitTargetWorkflow.status)
    assert queried == lifecycle.sink.latest.status.model_copy(
        update={"worker_ref": queried.worker_ref}
    )
