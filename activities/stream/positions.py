"""Watch positions that may advance: only up to what the remote holds.

Every event a stream hands to the branch writer is noted with the writer's sequence
number of its change and the event's resourceVersion; a bookmark (or an event that
changed no file) is noted with the last sequence submitted before it. Once the writer
reports ``pushed_through`` at or above a note's sequence, that watch's position may
move to the note's resourceVersion. A restarted stream resumes from these positions,
never from something only queued.

Pure bookkeeping; no I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Positions"]


@dataclass
class Positions:
    pushed: dict[str, str]
    """Per watch key, the resourceVersion up to which every event is on the remote."""
    _notes: deque[tuple[int, str, str, bool]] = field(default_factory=deque)
    _last_submitted: int = 0

    def submitted(self, key: str, resource_version: str, sequence: int) -> None:
        """An event of ``key`` at ``resource_version`` became the writer's change ``sequence``."""
        self._last_submitted = max(self._last_submitted, sequence)
        self._notes.append((sequence, key, resource_version, True))

    def reached(self, key: str, resource_version: str) -> None:
        """``key`` is at ``resource_version`` with nothing to write (a bookmark, a no-op)."""
        self._notes.append((self._last_submitted, key, resource_version, False))

    def advance(self, pushed_through: int) -> bool:
        """Move positions up to ``pushed_through``; True when any moved."""
        moved = False
        while self._notes and self._notes[0][0] <= pushed_through:
            _, key, version, _ = self._notes.popleft()
            moved = moved or self.pushed.get(key) != version
            self.pushed[key] = version
        return moved

    @property
    def waiting(self) -> int:
        """Events noted whose changes are not on the remote yet."""
        return sum(1 for *_, event in self._notes if event)
