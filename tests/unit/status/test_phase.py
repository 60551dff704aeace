"""Phase: a pure function of the gate conditions, for people (automation reads conditions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from activities.git import errors as git_errors
from activities.git.errors import GitError
from workflows.api.conditions import (
    REASONS_BY_CONDITION,
    RETRYABLE_REASONS,
    ConditionStatus,
    ConditionType,
    EncryptionReason,
    GateReason,
    GitTargetReason,
    LifecycleReason,
    Phase,
    SnapshotReason,
    StreamReason,
    ValidatedReason,
)
from workflows.status import GATES, initial_conditions, phase_of, set_condition, summarise

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TRUE, FALSE, UNKNOWN = ConditionStatus.TRUE, ConditionStatus.FALSE, ConditionStatus.UNKNOWN

# (status, reason) of each gate in order; missing trailing gates stay Unknown/NotChecked.
PHASES: list[tuple[list[tuple[ConditionStatus, GitTargetReason]], Phase]] = [
    ([], Phase.PENDING),
    ([(FALSE, ValidatedReason.PROVIDER_NOT_FOUND)], Phase.ERROR),
    ([(FALSE, ValidatedReason.REMOTE_UNREACHABLE)], Phase.DEGRADED),
    ([(FALSE, ValidatedReason.WRITE_ACCESS_DENIED)], Phase.ERROR),
    ([(FALSE, LifecycleReason.KUBERNETES_API_FAILED)], Phase.DEGRADED),
    ([(TRUE, ValidatedReason.ACCESS_VERIFIED)], Phase.BOOTSTRAPPING),
    (
        [
            (TRUE, ValidatedReason.ACCESS_VERIFIED),
            (FALSE, EncryptionReason.ENCRYPTION_SECRET_MISSING),
        ],
        Phase.ERROR,
    ),
    (
        [(TRUE, ValidatedReason.ACCESS_VERIFIED), (TRUE, EncryptionReason.KEY_AVAILABLE)],
        Phase.BOOTSTRAPPING,
    ),
    (
        [
            (TRUE, ValidatedReason.ACCESS_VERIFIED),
            (TRUE, EncryptionReason.NOT_REQUIRED),
            (TRUE, GateReason.NOT_CHECKED),
            (UNKNOWN, SnapshotReason.RUNNING),
        ],
        Phase.SYNCING,
    ),
    (
        [
            (TRUE, ValidatedReason.ACCESS_VERIFIED),
            (TRUE, EncryptionReason.NOT_REQUIRED),
            (TRUE, GateReason.NOT_CHECKED),
            (TRUE, SnapshotReason.COMPLETED),
            (UNKNOWN, GateReason.NOT_CHECKED),
        ],
        Phase.SYNCING,
    ),
    (
        [
            (TRUE, ValidatedReason.ACCESS_VERIFIED),
            (TRUE, EncryptionReason.NOT_REQUIRED),
            (TRUE, GateReason.NOT_CHECKED),
            (TRUE, SnapshotReason.COMPLETED),
            (FALSE, StreamReason.DISCONNECTED),
        ],
        Phase.DEGRADED,
    ),
    (
        [
            (TRUE, ValidatedReason.ACCESS_VERIFIED),
            (TRUE, EncryptionReason.NOT_REQUIRED),
            (TRUE, GateReason.NOT_CHECKED),
            (TRUE, SnapshotReason.COMPLETED),
            (TRUE, StreamReason.REGISTERED),
        ],
        Phase.RUNNING,
    ),
]


@pytest.mark.parametrize(("gates", "phase"), PHASES, ids=[p.value for _, p in PHASES])
def test_phase_follows_from_the_first_gate_that_is_not_true(
    gates: list[tuple[ConditionStatus, GitTargetReason]], phase: Phase
) -> None:
    conditions = initial_conditions(1, T0)
    for gate, (status, reason) in zip(GATES, gates, strict=False):
        conditions = set_condition(conditions, gate, status, reason, "m", generation=1, now=T0)
    assert phase_of(summarise(conditions, generation=1, now=T0)) == phase


@pytest.mark.parametrize(("gates", "phase"), PHASES, ids=[p.value for _, p in PHASES])
def test_phase_is_running_exactly_when_ready_is_true(
    gates: list[tuple[ConditionStatus, GitTargetReason]], phase: Phase
) -> None:
    conditions = initial_conditions(1, T0)
    for gate, (status, reason) in zip(GATES, gates, strict=False):
        conditions = set_condition(conditions, gate, status, reason, "m", generation=1, now=T0)
    conditions = summarise(conditions, generation=1, now=T0)
    ready = next(c for c in conditions if c.type == ConditionType.READY)
    assert (ready.status == TRUE) == (phase_of(conditions) == Phase.RUNNING)


def _git_errors() -> list[type[GitError]]:
    return [
        value
        for value in vars(git_errors).values()
        if isinstance(value, type) and issubclass(value, GitError) and value is not GitError
    ]


@pytest.mark.parametrize("error", _git_errors(), ids=lambda e: e.__name__)
def test_a_git_error_that_retries_can_clear_puts_the_target_in_degraded(
    error: type[GitError],
) -> None:
    assert error.retryable == (error.reason in RETRYABLE_REASONS)


def test_every_retryable_reason_is_a_reason_some_gate_may_carry() -> None:
    gate_reasons = set().union(*(REASONS_BY_CONDITION[gate] for gate in GATES))
    assert gate_reasons >= RETRYABLE_REASONS
    assert ConditionType.READY not in GATES
