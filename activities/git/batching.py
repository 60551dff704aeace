"""When pending changes are due to be pushed: every ``interval``, or at ``max_commits``.

Pure arithmetic on a monotonic clock reading passed in; never sleeps or reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["BatchPolicy"]


@dataclass(frozen=True)
class BatchPolicy:
    """``GitProvider.spec.push``: the longest a change waits, and how many may wait."""

    interval: timedelta = timedelta(minutes=1)
    max_commits: int = 20

    def __post_init__(self) -> None:
        if self.max_commits < 1 or self.interval < timedelta(0):
            raise ValueError("max_commits must be >= 1 and interval must not be negative")

    def due_at(self, oldest_pending_at: float | None) -> float | None:
        """Monotonic time at which the oldest pending change must be pushed; ``None`` if none."""
        if oldest_pending_at is None:
            return None
        return oldest_pending_at + self.interval.total_seconds()

    def is_due(self, pending: int, oldest_pending_at: float | None, now: float) -> bool:
        """True when ``pending`` changes, the oldest queued at ``oldest_pending_at``, must go."""
        if pending == 0:
            return False
        due_at = self.due_at(oldest_pending_at)
        return pending >= self.max_commits or (due_at is not None and now >= due_at)
