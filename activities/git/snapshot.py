"""Snapshot: make a target path hold exactly the given objects, in one commit, pushed.

Writes every given object file, deletes the object files under the target path
whose objects are gone, and leaves alone everything else: files outside the
target path, the bootstrap files at its root, and any file that is not an
object file of the layout (a ``kustomization.yaml`` someone added). Counts are
those of the commit that landed, recomputed when a conflict forced a re-apply.

Builds no YAML and encrypts nothing: it takes file bytes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from activities.git.branch_writer import BranchWriter
from activities.git.changes import Change, FileState, PushResult
from activities.git.errors import PathOutsideTarget
from activities.git.messages import Operation
from activities.manifests import InvalidObject, is_object_file, normalise_target_path

__all__ = ["SnapshotRequest", "SnapshotResult", "snapshot"]


@dataclass(frozen=True)
class SnapshotRequest:
    """Every object file the target path must hold: repository path to bytes."""

    target_path: str
    files: Mapping[str, bytes] = field(repr=False)
    checkpoint: str | None = None


@dataclass(frozen=True)
class SnapshotResult:
    created: int
    updated: int
    deleted: int
    commit: str | None
    """The snapshot's commit, or the remote tip when the snapshot changed nothing."""
    changed: bool
    push: PushResult


def snapshot(writer: BranchWriter, request: SnapshotRequest) -> SnapshotResult:
    """Write ``request`` through ``writer`` and push it (with anything queued before it).

    A snapshot supersedes every change queued before it: those commit first and the
    snapshot lands on top, so under the target path the remote holds the snapshot's
    state even where a queued change was newer. Their checkpoints are still reported
    in ``push``. A caller that snapshots while a stream feeds the same writer must
    therefore restart that stream's watches from the snapshot's list resourceVersion
    (``request.checkpoint``), never resume them from a checkpoint queued earlier.
    """
    target = _target(request.target_path)
    for path in request.files:
        if not is_object_file(target, path):
            raise PathOutsideTarget(f"{path} is not an object file under {target or '/'}")
    change = Change(
        files=tuple(FileState(path, request.files[path]) for path in sorted(request.files)),
        description=f"{Operation.SNAPSHOT} {target or '/'}",
        checkpoint=request.checkpoint,
        prune=target,
    )
    applied, push = writer.write_now(change)
    return SnapshotResult(
        created=applied.counts.created,
        updated=applied.counts.updated,
        deleted=applied.counts.deleted,
        commit=applied.commit or push.head,
        changed=applied.commit is not None,
        push=push,
    )


def _target(path: str) -> str:
    try:
        return normalise_target_path(path)
    except InvalidObject as error:
        raise PathOutsideTarget(str(error)) from None
