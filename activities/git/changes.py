"""What a branch writer is asked to do, and what it reports back.

Files are state, not diffs: a ``Change`` says what some paths must contain (or
that they must not exist), so applying it again, or on a different tip after
someone else pushed, is always safe. A change may carry an operation id (a
Temporal activity's), so that a retried operation can find the commit its first
try already pushed (``FoundOperation``).

Plain frozen data; no git, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from activities.git.errors import PathOutsideTarget
from activities.git.fence import Claim
from activities.manifests.errors import InvalidObject
from activities.manifests.layout import is_git_dir_alias, normalise_target_path

__all__ = [
    "AppliedChange",
    "Change",
    "CommitMode",
    "FileCounts",
    "FileState",
    "FoundOperation",
    "Listing",
    "PushResult",
    "RefusedChange",
    "StoredBlob",
    "target_folder",
]

_FORBIDDEN_SEGMENTS = frozenset({"", ".", ".."})
_MAX_OPERATION_ID = 256


def target_folder(path: str) -> str:
    """A target path as the repository-relative folder it names (``""``: the root).

    ``PathOutsideTarget`` for a path that could escape or corrupt the repository.
    """
    try:
        return normalise_target_path(path)
    except InvalidObject as error:
        raise PathOutsideTarget(str(error)) from None


class CommitMode(StrEnum):
    """How pending changes become commits at push time."""

    BATCH = "batch"
    """One commit for all changes waiting since the last push (see ``Change.commits_alone``)."""
    PER_CHANGE = "per-change"
    """One commit per change: the finest audit trail."""


@dataclass(frozen=True)
class StoredBlob:
    """File content the writer's object store already holds, named by its blob id (hex).

    Only a blob the writer wrote itself (see ``SourceVersions``) was screened when it
    was written; the writer does not screen it again.
    """

    id: str


@dataclass(frozen=True)
class FileState:
    """The wanted content of one repository path; ``None`` means the file must not exist."""

    path: str
    content: bytes | StoredBlob | None = field(repr=False)

    def __post_init__(self) -> None:
        segments = self.path.split("/")
        if (
            self.path.startswith("/")
            or "\\" in self.path
            or "\0" in self.path
            or any(s in _FORBIDDEN_SEGMENTS or is_git_dir_alias(s) for s in segments)
        ):
            raise PathOutsideTarget(f"{self.path!r} is not a clean repository-relative file path")


class Listing(NamedTuple):
    """One list a snapshot made: a resource (group ``""``: core) in one namespace, or in
    all of them and the cluster scope (``namespace`` ``None``).

    Only there does a missing object mean a gone one, so only there may its file go.
    """

    group: str
    resource: str
    namespace: str | None = None


@dataclass(frozen=True)
class Change:
    """File states that belong together, described for the commit message.

    ``prune`` names a target path: after writing ``files``, every other object
    file of the layout under it is deleted (a snapshot); ``prune_scope``, when
    given, narrows that to the files where the snapshot listed (``Listing``), so
    the files of resources it did not list stay. ``checkpoint`` is an
    opaque token (a watch resourceVersion) handed back once the change is pushed.
    ``operation_id`` (one line of printable text) goes into the commit message
    as a ``Gitops-Reverser-Operation`` trailer; such a change gets a commit of
    its own, so that commit holds exactly what the operation changed. ``claim``
    names the attempt that made it: refused once a newer one holds the folder
    (see ``fence``).
    """

    files: tuple[FileState, ...]
    description: str
    checkpoint: str | None = None
    prune: str | None = None
    prune_scope: frozenset[Listing] | None = None
    operation_id: str | None = None
    claim: Claim | None = None

    def __post_init__(self) -> None:
        op = self.operation_id
        if op is not None and (
            not op or len(op) > _MAX_OPERATION_ID or not op.isprintable() or op != op.strip()
        ):
            raise ValueError(f"operation id {op!r} is not one line of printable text")

    @property
    def commits_alone(self) -> bool:
        """A snapshot or an identified operation: never batched with other changes."""
        return self.prune is not None or self.operation_id is not None


@dataclass(frozen=True)
class FileCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: FileCounts) -> FileCounts:
        return FileCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.deleted + other.deleted,
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass(frozen=True)
class AppliedChange:
    """One submitted change as it landed: the commit holding it (``None`` if it changed nothing)."""

    sequence: int
    commit: str | None
    counts: FileCounts


@dataclass(frozen=True)
class FoundOperation:
    """The commit that carries an operation id, and what it changed under the path asked."""

    commit: str
    counts: FileCounts


@dataclass(frozen=True)
class RefusedChange:
    """A queued change the writer dropped because it can never be written as it is.

    ``error`` is what refused it (a plaintext Secret file, a path outside the
    target); retrying the same change cannot help, so it leaves the queue.
    """

    sequence: int
    error: Exception

    @property
    def reason(self) -> str:
        return str(getattr(self.error, "reason", type(self.error).__name__))


@dataclass(frozen=True)
class PushResult:
    """What one flush put on the remote.

    Every change with a sequence up to ``pushed_through`` is on the remote or was
    refused (listed in ``refused``, never to be written), so the caller may
    advance watch checkpoints up to it.
    """

    head: str | None
    commits: tuple[str, ...]
    applied: tuple[AppliedChange, ...]
    pushed_through: int
    checkpoints: tuple[str, ...]
    attempts: int
    refused: tuple[RefusedChange, ...] = ()
