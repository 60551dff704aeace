"""Event-to-push latency: how long each written event waited until the remote held it.

The stream notes when each change it submits was received; once the writer's
``pushed_through`` reaches the change's sequence, the wait is over. Pure bookkeeping
on clock readings passed in; no I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["PushLatency"]


@dataclass
class PushLatency:
    _waiting: deque[tuple[int, float]] = field(default_factory=deque)

    def submitted(self, sequence: int, received_at: float) -> None:
        """The change ``sequence`` holds an event received at ``received_at``."""
        self._waiting.append((sequence, received_at))

    def pushed(self, pushed_through: int, now: float) -> list[float]:
        """The waits of every event whose change is now on the remote (oldest first)."""
        done: list[float] = []
        while self._waiting and self._waiting[0][0] <= pushed_through:
            _, received_at = self._waiting.popleft()
            done.append(now - received_at)
        return done
