"""Condition math: a map keyed by type, Flux-like transitions, one writer of Ready."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from workflows.api import GitTargetCondition
from workflows.api.conditions import (
    ConditionStatus,
    ConditionType,
    GateReason,
    ReadyReason,
    SnapshotReason,
    ValidatedReason,
)
from workflows.status import GATES, block_after, initial_conditions, set_condition, summarise

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)


def _passed(generation: int = 1) -> list[GitTargetCondition]:
    conditions = initial_conditions(generation, T0)
    for gate in GATES:
        conditions = set_condition(
            conditions,
            gate,
            ConditionStatus.TRUE,
            SnapshotReason.COMPLETED,
            "ok",
            generation=generation,
            now=T0,
        )
    return summarise(conditions, generation=generation, now=T0)


def _get(conditions: list[GitTargetCondition], kind: ConditionType) -> GitTargetCondition:
    return next(c for c in conditions if c.type == kind)


def test_a_new_target_has_every_gate_unknown_not_checked_and_ready() -> None:
    conditions = initial_conditions(3, T0)
    assert [c.type for c in conditions] == [*GATES, ConditionType.READY]
    assert {(c.status, c.reason) for c in conditions} == {
        (ConditionStatus.UNKNOWN, GateReason.NOT_CHECKED)
    }


def test_last_transition_time_stays_when_only_reason_and_message_change() -> None:
    conditions = set_condition(
        initial_conditions(1, T0),
        ConditionType.VALIDATED,
        ConditionStatus.FALSE,
        ValidatedReason.PROVIDER_NOT_FOUND,
        "gone",
        generation=1,
        now=T0,
    )
    again = set_condition(
        conditions,
        ConditionType.VALIDATED,
        ConditionStatus.FALSE,
        ValidatedReason.BRANCH_NOT_ALLOWED,
        "other",
        generation=2,
        now=LATER,
    )
    validated = _get(again, ConditionType.VALIDATED)
    assert validated.last_transition_time == T0
    assert (validated.reason, validated.message) == (ValidatedReason.BRANCH_NOT_ALLOWED, "other")


def test_last_transition_time_moves_when_status_changes() -> None:
    conditions = set_condition(
        initial_conditions(1, T0),
        ConditionType.VALIDATED,
        ConditionStatus.TRUE,
        ValidatedReason.ACCESS_VERIFIED,
        "ok",
        generation=1,
        now=LATER,
    )
    assert _get(conditions, ConditionType.VALIDATED).last_transition_time == LATER


def test_each_condition_carries_the_generation_it_describes() -> None:
    conditions = set_condition(
        initial_conditions(1, T0),
        ConditionType.VALIDATED,
        ConditionStatus.UNKNOWN,
        GateReason.NOT_CHECKED,
        "not evaluated yet",
        generation=7,
        now=LATER,
    )
    assert _get(conditions, ConditionType.VALIDATED).observed_generation == 7
    assert _get(conditions, ConditionType.BOOTSTRAPPED).observed_generation == 1


def test_ready_is_true_and_reconciled_when_every_gate_is_true() -> None:
    ready = _get(_passed(), ConditionType.READY)
    assert (ready.status, ready.reason) == (ConditionStatus.TRUE, ReadyReason.RECONCILED)


def test_ready_copies_the_first_gate_that_is_not_true_and_names_it() -> None:
    conditions = set_condition(
        _passed(),
        ConditionType.BOOTSTRAPPED,
        ConditionStatus.FALSE,
        ValidatedReason.REMOTE_UNREACHABLE,
        "connection refused",
        generation=1,
        now=LATER,
    )
    conditions = set_condition(
        conditions,
        ConditionType.EVENT_STREAM_LIVE,
        ConditionStatus.UNKNOWN,
        GateReason.BLOCKED,
        "waiting",
        generation=1,
        now=LATER,
    )
    ready = _get(summarise(conditions, generation=1, now=LATER), ConditionType.READY)
    assert (ready.status, ready.reason) == (
        ConditionStatus.FALSE,
        ValidatedReason.REMOTE_UNREACHABLE,
    )
    assert ready.message == "Bootstrapped: connection refused"


def test_block_after_makes_every_later_gate_unknown_blocked() -> None:
    conditions = block_after(
        _passed(), ConditionType.ENCRYPTION_CONFIGURED, "waiting", generation=1, now=LATER
    )
    later = [_get(conditions, gate) for gate in GATES[2:]]
    assert {(c.status, c.reason) for c in later} == {(ConditionStatus.UNKNOWN, GateReason.BLOCKED)}
    assert _get(conditions, ConditionType.VALIDATED).status == ConditionStatus.TRUE


_STATUSES = st.sampled_from(list(ConditionStatus))
_KINDS = st.sampled_from(list(ConditionType))


@given(st.lists(st.tuples(_KINDS, _STATUSES), max_size=40))
def test_conditions_never_hold_a_type_twice_and_stay_in_gate_order(
    steps: list[tuple[ConditionType, ConditionStatus]],
) -> None:
    conditions = initial_conditions(1, T0)
    for index, (kind, status) in enumerate(steps):
        conditions = set_condition(
            conditions,
            kind,
            status,
            GateReason.NOT_CHECKED,
            "x",
            generation=1,
            now=T0 + timedelta(seconds=index),
        )
        conditions = summarise(conditions, generation=1, now=T0 + timedelta(seconds=index))
    types = [c.type for c in conditions]
    assert types == [*GATES, ConditionType.READY]


@given(st.integers(min_value=1, max_value=50))
def test_reconciling_the_same_verdicts_again_never_moves_a_transition_time(rounds: int) -> None:
    conditions = _passed()
    for round_ in range(rounds):
        now = LATER + timedelta(seconds=round_)
        for gate in GATES:
            conditions = set_condition(
                conditions,
                gate,
                ConditionStatus.TRUE,
                SnapshotReason.COMPLETED,
                "ok",
                generation=1,
                now=now,
            )
        conditions = summarise(conditions, generation=1, now=now)
    assert {c.last_transition_time for c in conditions} == {T0}
