"""The status vocabulary: which reasons each GitTarget condition may carry."""

from __future__ import annotations

from collections import Counter

import pytest

from workflows.api.conditions import (
    GIT_FAILURE_REASONS,
    REASONS_BY_CONDITION,
    BootstrapReason,
    ConditionType,
    EncryptionReason,
    GateReason,
    GitFailureReason,
    ManifestFailureReason,
    Phase,
    ReadyReason,
    SnapshotReason,
    StreamReason,
    ValidatedReason,
)

GATES = [
    ConditionType.VALIDATED,
    ConditionType.ENCRYPTION_CONFIGURED,
    ConditionType.BOOTSTRAPPED,
    ConditionType.SNAPSHOT_SYNCED,
    ConditionType.EVENT_STREAM_LIVE,
]
GATE_REASONS = [ValidatedReason, EncryptionReason, BootstrapReason, SnapshotReason, StreamReason]


def test_condition_types_are_the_gates_in_order_then_ready() -> None:
    assert list(ConditionType) == [*GATES, ConditionType.READY]


def test_every_condition_type_has_its_reasons() -> None:
    assert set(REASONS_BY_CONDITION) == set(ConditionType)


@pytest.mark.parametrize("gate", GATES)
def test_a_gate_not_yet_evaluated_can_say_not_checked_or_blocked(gate: ConditionType) -> None:
    assert set(GateReason) <= REASONS_BY_CONDITION[gate]


@pytest.mark.parametrize(("gate", "reasons"), list(zip(GATES, GATE_REASONS, strict=True)))
def test_ready_can_carry_the_reason_of_any_failing_gate(
    gate: ConditionType, reasons: type[ValidatedReason]
) -> None:
    assert REASONS_BY_CONDITION[gate] <= REASONS_BY_CONDITION[ConditionType.READY]
    assert set(reasons) <= REASONS_BY_CONDITION[gate]


def test_ready_true_has_its_own_reason() -> None:
    assert ReadyReason.RECONCILED in REASONS_BY_CONDITION[ConditionType.READY]
    assert all(ReadyReason.RECONCILED not in REASONS_BY_CONDITION[gate] for gate in GATES)


def test_a_gate_reason_names_one_gate_only() -> None:
    """So Ready's reason alone tells which gate failed."""
    counts = Counter(reason for reasons in GATE_REASONS for reason in reasons)
    assert [reason for reason, count in counts.items() if count > 1] == []


GATES_THAT_REACH_THE_REMOTE = [
    ConditionType.VALIDATED,
    ConditionType.BOOTSTRAPPED,
    ConditionType.SNAPSHOT_SYNCED,
    ConditionType.EVENT_STREAM_LIVE,
    ConditionType.READY,
]


@pytest.mark.parametrize("condition", GATES_THAT_REACH_THE_REMOTE)
def test_a_condition_that_reaches_the_remote_can_carry_any_git_failure(
    condition: ConditionType,
) -> None:
    assert set(GitFailureReason) <= GIT_FAILURE_REASONS <= REASONS_BY_CONDITION[condition]


def test_encryption_configured_never_carries_a_git_failure() -> None:
    assert not GIT_FAILURE_REASONS & REASONS_BY_CONDITION[ConditionType.ENCRYPTION_CONFIGURED]


@pytest.mark.parametrize(
    "condition",
    [ConditionType.SNAPSHOT_SYNCED, ConditionType.EVENT_STREAM_LIVE, ConditionType.READY],
)
def test_a_condition_that_writes_objects_can_carry_why_an_object_was_refused(
    condition: ConditionType,
) -> None:
    assert set(ManifestFailureReason) <= REASONS_BY_CONDITION[condition]


def test_git_failures_reuse_validated_reasons_instead_of_repeating_them() -> None:
    own = {reason.value for reason in [*GitFailureReason, *ManifestFailureReason]}
    named_by_gates = {reason.value for reasons in GATE_REASONS for reason in reasons}
    assert own & named_by_gates == set()


def test_phases_are_the_six_of_the_status_contract() -> None:
    assert [phase.value for phase in Phase] == [
        "PENDING",
        "BOOTSTRAPPING",
        "SYNCING",
        "RUNNING",
        "DEGRADED",
        "ERROR",
    ]
