"""Fences: the newest writer of a target folder wins, so a superseded one pushes nothing.

A Temporal activity attempt that lost its heartbeat (its worker paused, cut off, or
starved) can still be running after the server started the next attempt on another
worker. Both hold a branch writer for the same branch, and files are state: the older
one's late push would put an older state over the newer one's.

So every change a snapshot or stream queues carries a ``Claim``: its target folder and
its attempt's ``Fence``. The folder's fence file (``FENCE_FILE``) names the newest
attempt that took the folder over. When commits are built, a change whose fence is
older than the file's is refused (``Superseded``); a claim that ``stamps`` writes its
own fence into the file first. Pushes never force, so a stale attempt either builds on
a tree that already names the newer attempt, or its push is rejected (the remote
moved), it fetches, re-applies, and then it does.

Fences order by ``(epoch, stage, attempt)``. The workflow gives each snapshot a new
epoch (its workflow time in milliseconds: it grows across continue-as-new, a reset of
the workflow and a re-created GitTarget) and the stream that follows the same epoch at
a later stage; a stream resumed without a snapshot gets an epoch of its own. Attempts
are Temporal's attempt numbers.

Pure data and text; no git, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["FENCE_FILE", "Claim", "Fence", "Stage", "Superseded", "fence_path", "parse_fence"]

FENCE_FILE = ".gitops-reverser-fence"
"""No ``.yaml`` suffix: Flux and Argo CD, which apply the folder, never read it."""
_HEADER = (
    "# Written by gitops-reverser: the newest writer of this folder.\n"
    "# An older attempt of a snapshot or stream that finds this pushes nothing. Do not edit.\n"
)


class Stage(IntEnum):
    SNAPSHOT = 0
    STREAM = 1


@dataclass(frozen=True, order=True)
class Fence:
    epoch: int
    stage: Stage
    attempt: int

    def render(self) -> bytes:
        return (
            f"{_HEADER}epoch: {self.epoch}\nstage: {self.stage.name.lower()}\n"
            f"attempt: {self.attempt}\n"
        ).encode()

    def continues(self, held: Fence | None) -> bool:
        """True for a stream's first attempt when ``held`` is its own snapshot's fence:
        nothing older can write the folder, so this attempt need not stamp it."""
        own_snapshot = held is not None and (held.epoch, held.stage) == (self.epoch, Stage.SNAPSHOT)
        return self.stage is Stage.STREAM and self.attempt == 1 and own_snapshot

    def __str__(self) -> str:
        return f"{self.stage.name.lower()} attempt {self.attempt} of epoch {self.epoch}"


def parse_fence(content: bytes | None) -> Fence | None:
    """The fence ``content`` names; ``None`` for no file or one that is not a fence.

    An unreadable file fences nobody out: the next claim that stamps rewrites it.
    """
    if content is None:
        return None
    fields: dict[str, str] = {}
    for line in content.decode("utf-8", "replace").splitlines():
        key, colon, value = line.partition(":")
        if colon and not key.startswith("#"):
            fields[key.strip()] = value.strip()
    try:
        return Fence(
            epoch=int(fields["epoch"]),
            stage=Stage[fields["stage"].upper()],
            attempt=int(fields["attempt"]),
        )
    except (KeyError, ValueError):
        return None


def fence_path(folder: str) -> str:
    """Where the fence of a target folder (``""``: the repository root) lives."""
    return f"{folder}/{FENCE_FILE}" if folder else FENCE_FILE


@dataclass(frozen=True)
class Claim:
    """A change's right to write ``folder``: it holds while no newer fence is there."""

    folder: str
    fence: Fence
    stamp: bool = False
    """Write ``fence`` into the folder's fence file: take the folder over."""

    @property
    def path(self) -> str:
        return fence_path(self.folder)

    def outdated_by(self, held: Fence | None) -> bool:
        return held is not None and held > self.fence


class Superseded(Exception):
    """A newer attempt took the folder over: this attempt's change is never written."""

    reason = "Superseded"
