"""How the lifecycle reads a failed gate: its reason, its message, and what a retry waits for.

Gate activities raise ``ApplicationError`` with the condition reason as its type (see
``activities/boundary.py``); anything else that ends an activity (a timeout after the
worker died, an unexpected error) reads as ``InternalError``. Whether the failure is
retried after a backoff or waits for a change follows from the reason alone
(``RETRYABLE_REASONS``), so phase and retry behaviour can never disagree.

Pure and deterministic: runs inside the workflow sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, get_args

from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

from workflows.api.conditions import (
    REASONS_BY_CONDITION,
    RETRYABLE_REASONS,
    ConditionType,
    GitTargetReason,
    LifecycleReason,
)
from workflows.lifecycle.messages import GateFailureDetail, SecretRef

__all__ = ["STALL_RECHECK", "GateFailure", "backoff"]

_FIRST_BACKOFF = timedelta(seconds=2)
_MAX_BACKOFF = timedelta(seconds=60)
STALL_RECHECK = timedelta(minutes=5)
"""A stalled gate is checked again this often even when nothing signals a change: the
outside world (a deploy key granted write access) changes without telling us."""

_REASONS: dict[str, GitTargetReason] = {
    member.value: member for vocabulary in get_args(GitTargetReason) for member in vocabulary
}


@dataclass(frozen=True)
class GateFailure:
    """One failed gate verdict as the workflow records it."""

    reason: GitTargetReason
    message: str
    secret: SecretRef | None = None

    @property
    def retryable(self) -> bool:
        return self.reason in RETRYABLE_REASONS

    @classmethod
    def of(cls, gate: ConditionType, error: ActivityError) -> GateFailure:
        """Read ``error`` (the failure of ``gate``'s activity) as a verdict of that gate."""
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type:
            reason = _known_reason(gate, cause.type)
            if reason is not None:
                return cls(reason, cause.message, _secret_of(cause.details))
        if isinstance(cause, TimeoutError):
            kind = cause.type.name if cause.type is not None else "timeout"
            return cls(LifecycleReason.INTERNAL_ERROR, f"{gate} timed out ({kind})")
        message = str(cause) if cause is not None else str(error)
        return cls(LifecycleReason.INTERNAL_ERROR, message or type(cause).__name__)


def backoff(failures: int) -> timedelta:
    """How long to wait before the ``failures``-th retry of a retryable gate (1, 2, ...)."""
    doublings = min(max(failures - 1, 0), 10)
    delay: timedelta = _FIRST_BACKOFF * (2**doublings)
    return min(delay, _MAX_BACKOFF)


def _known_reason(gate: ConditionType, name: str) -> GitTargetReason | None:
    """``name`` as a reason ``gate`` may carry; ``None`` for anything the CRD would refuse."""
    reason = _REASONS.get(name)
    return reason if reason is not None and reason in REASONS_BY_CONDITION[gate] else None


def _secret_of(details: Sequence[Any]) -> SecretRef | None:
    if not details or not isinstance(details[0], dict):
        return None
    return GateFailureDetail.model_validate(details[0]).secret
