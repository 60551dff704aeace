"""Snapshot: make a target path hold exactly the given objects, in one commit, pushed.

Writes every given object file, deletes the object files under the target path
whose objects are gone, and leaves alone everything else: files outside the
target path, the bootstrap files at its root, and any file that is not an
object file of the layout (a ``kustomization.yaml`` someone added). Counts are
those of the commit that landed, recomputed when a conflict forced a re-apply.

A request with an ``operation_id`` survives retries: its commit carries the id,
and a retry whose write changes nothing, because the first try's push already
landed, reports that commit and its counts (found in history) rather than
"nothing changed".

Builds no YAML and encrypts nothing: it takes file bytes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from activities.git.branch_writer import BranchWriter
from activities.git.changes import AppliedChange, Change, FileState, PushResult, target_folder
from activities.git.errors import PathOutsideTarget
from activities.git.messages import Operation
from activities.manifests import is_object_file

__all__ = ["SnapshotRequest", "SnapshotResult", "snapshot"]


@dataclass(frozen=True)
class SnapshotRequest:
    """Every object file the target path must hold: repository path to bytes.

    ``operation_id`` names the operation across its retries (e.g. the Temporal
    workflow and activity ids); see the module docstring.
    """

    target_path: str
    files: Mapping[str, bytes] = field(repr=False)
    checkpoint: str | None = None
    operation_id: str | None = None


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
    target = target_folder(request.target_path)
    for path in request.files:
        if not is_object_file(target, path):
            raise PathOutsideTarget(f"{path} is not an object file under {target or '/'}")
    change = Change(
        files=tuple(FileState(path, request.files[path]) for path in sorted(request.files)),
        description=f"{Operation.SNAPSHOT} {target or '/'}",
        checkpoint=request.checkpoint,
        prune=target,
        operation_id=request.operation_id,
    )
    applied, push = writer.write_now(change)
    if applied.commit is None and request.operation_id is not None:
        found = writer.find_operation(request.operation_id, path=target)
        if found is not None:
            applied = replace(applied, commit=found.commit, counts=found.counts)
    return _result(applied, push)


def _result(applied: AppliedChange, push: PushResult) -> SnapshotResult:
    return SnapshotResult(
        created=applied.counts.created,
        updated=applied.counts.updated,
        deleted=applied.counts.deleted,
        commit=applied.commit or push.head,
        changed=applied.commit is not None,
        push=push,
    )
