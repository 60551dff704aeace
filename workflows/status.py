"""GitTarget status math: conditions kept as a map keyed by type, Ready and phase derived once.

``set_condition`` behaves like Flux's ``conditions.Set``: one entry per type, stamped with
the generation it describes, and ``lastTransitionTime`` moves only when ``status`` does.
``summarise`` is the only place that writes ``Ready``; ``phase_of`` the only place that
computes ``phase``. Both are pure functions of the gate conditions.

Purely data-manipulative and deterministic (it runs inside the workflow sandbox): no
I/O, no clock; callers pass the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from workflows.api.conditions import (
    RETRYABLE_REASONS,
    ConditionStatus,
    ConditionType,
    GateReason,
    GitTargetReason,
    Phase,
    ReadyReason,
)
from workflows.api.gittarget import GitTargetCondition

__all__ = [
    "GATES",
    "block_after",
    "condition",
    "first_unmet_gate",
    "initial_conditions",
    "phase_of",
    "set_condition",
    "summarise",
]

GATES: tuple[ConditionType, ...] = (
    ConditionType.VALIDATED,
    ConditionType.ENCRYPTION_CONFIGURED,
    ConditionType.BOOTSTRAPPED,
    ConditionType.SNAPSHOT_SYNCED,
    ConditionType.EVENT_STREAM_LIVE,
)
"""The lifecycle gates in the order they are evaluated."""

_ORDER = {kind: index for index, kind in enumerate((*GATES, ConditionType.READY))}
_ALL_PASSED = "every gate passed"
_NOT_EVALUATED = "not evaluated yet"


def condition(
    conditions: Sequence[GitTargetCondition], kind: ConditionType
) -> GitTargetCondition | None:
    """The condition of type ``kind``, if present."""
    return next((c for c in conditions if c.type == kind), None)


def set_condition(
    conditions: Sequence[GitTargetCondition],
    kind: ConditionType,
    status: ConditionStatus,
    reason: GitTargetReason,
    message: str,
    *,
    generation: int,
    now: datetime,
) -> list[GitTargetCondition]:
    """``conditions`` with the ``kind`` entry replaced, in gate order.

    ``lastTransitionTime`` is kept when ``status`` is unchanged, whatever else changed.
    """
    existing = condition(conditions, kind)
    kept = existing is not None and existing.status == status
    updated = GitTargetCondition(
        type=kind,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=existing.last_transition_time if existing and kept else now,
    )
    others = [c for c in conditions if c.type != kind]
    return sorted([*others, updated], key=lambda c: _ORDER[c.type])


def initial_conditions(generation: int, now: datetime) -> list[GitTargetCondition]:
    """Every gate ``Unknown/NotChecked``, and the matching ``Ready``."""
    conditions: list[GitTargetCondition] = []
    for gate in GATES:
        conditions = set_condition(
            conditions,
            gate,
            ConditionStatus.UNKNOWN,
            GateReason.NOT_CHECKED,
            _NOT_EVALUATED,
            generation=generation,
            now=now,
        )
    return summarise(conditions, generation=generation, now=now)


def block_after(
    conditions: Sequence[GitTargetCondition],
    gate: ConditionType,
    message: str,
    *,
    generation: int,
    now: datetime,
) -> list[GitTargetCondition]:
    """Every gate after ``gate`` ``Unknown/Blocked``: it is not evaluated while ``gate`` fails."""
    result = list(conditions)
    for later in GATES[GATES.index(gate) + 1 :]:
        result = set_condition(
            result,
            later,
            ConditionStatus.UNKNOWN,
            GateReason.BLOCKED,
            message,
            generation=generation,
            now=now,
        )
    return result


def first_unmet_gate(
    conditions: Sequence[GitTargetCondition],
) -> tuple[ConditionType, GitTargetCondition | None] | None:
    """The first gate, in order, whose condition is not ``True``, with that condition
    (``None`` when the gate has none yet); ``None`` when every gate is ``True``."""
    for gate in GATES:
        found = condition(conditions, gate)
        if found is None or found.status != ConditionStatus.TRUE:
            return gate, found
    return None


def summarise(
    conditions: Sequence[GitTargetCondition], *, generation: int, now: datetime
) -> list[GitTargetCondition]:
    """``conditions`` with ``Ready`` derived from the gates: the only writer of ``Ready``.

    ``True/Reconciled`` when every gate is ``True``; otherwise the status and reason of the
    first gate that is not, with a message naming that gate.
    """
    unmet = first_unmet_gate(conditions)
    status: ConditionStatus
    reason: GitTargetReason
    if unmet is None:
        status, reason, message = ConditionStatus.TRUE, ReadyReason.RECONCILED, _ALL_PASSED
    elif unmet[1] is None:
        status, reason, message = ConditionStatus.UNKNOWN, GateReason.NOT_CHECKED, _NOT_EVALUATED
        message = f"{unmet[0]}: {message}"
    else:
        gate = unmet[1]
        status, reason, message = gate.status, gate.reason, f"{gate.type}: {gate.message}"
    return set_condition(
        conditions, ConditionType.READY, status, reason, message, generation=generation, now=now
    )


def phase_of(conditions: Sequence[GitTargetCondition]) -> Phase:
    """The one-word summary of the gates; informational only (automation reads conditions)."""
    unmet = first_unmet_gate(conditions)
    if unmet is None:
        return Phase.RUNNING
    gate, found = unmet
    if found is not None and found.status == ConditionStatus.FALSE:
        return Phase.DEGRADED if found.reason in RETRYABLE_REASONS else Phase.ERROR
    if gate == ConditionType.VALIDATED:
        return Phase.PENDING
    if gate in (ConditionType.ENCRYPTION_CONFIGURED, ConditionType.BOOTSTRAPPED):
        return Phase.BOOTSTRAPPING
    return Phase.SYNCING
