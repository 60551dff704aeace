"""Snapshot: make a target path hold exactly the given objects, in one commit, pushed.

Writes every given object file, deletes the object files under the target path
whose objects are gone, and leaves alone everything else: files outside the
target path, the bootstrap files at its root, any file that is not an object
file of the layout (a ``kustomization.yaml`` someone added) and, when the request
has a ``prune_scope``, the files of resources it did not list there. Counts are
those of the commit that landed, recomputed when a conflict forced a re-apply.

Files may be named by source version instead of bytes (``versions``, see
``SourceVersions``): a path the request gives a version but no bytes keeps the blob
the writer's last snapshot of the target wrote for that version, so a re-snapshot
only renders, hashes and screens the objects that changed. After the push the writer
remembers the versions of this snapshot's files for the next one.

A request with a ``fence`` takes the target folder over for that attempt (see
``fence``): the snapshot stamps the folder's fence file, and is refused
(``Superseded``) when a newer attempt already holds the folder.

A request with an ``operation_id`` survives retries: its commit carries the id,
and a retry whose write changes nothing, because the first try's push already
landed, reports that commit and its counts (found in history) rather than
"nothing changed".

Builds no YAML and encrypts nothing: it takes file bytes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pygit2

from activities.git.branch_writer import BranchWriter
from activities.git.changes import (
    AppliedChange,
    Change,
    FileState,
    Listing,
    PushResult,
    StoredBlob,
    target_folder,
)
from activities.git.errors import GitOperationFailed, PathOutsideTarget
from activities.git.fence import Claim, Fence
from activities.git.messages import Operation
from activities.manifests import is_object_file

__all__ = ["SnapshotRequest", "SnapshotResult", "snapshot"]


@dataclass(frozen=True)
class SnapshotRequest:
    """Every object file the target path must hold: repository path to bytes.

    ``versions`` gives the source version of files in ``files`` (remembered for the
    next snapshot) and names the files not in ``files``: those keep the blob the
    writer remembers for that version (``writer.versions.known``). ``operation_id``
    names the operation across its retries (e.g. the Temporal workflow and activity
    ids); see the module docstring. ``prune_scope``: where the caller listed every
    object (``Listing``), the only places whose stale files are deleted; ``None``
    deletes the stale files of every resource. ``fence`` is the attempt taking the folder
    over.
    """

    target_path: str
    files: Mapping[str, bytes] = field(repr=False)
    checkpoint: str | None = None
    operation_id: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict, repr=False)
    fence: Fence | None = None
    prune_scope: frozenset[Listing] | None = None


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
    contents = {**_stored_blobs(writer, target, request), **request.files}
    change = Change(
        files=tuple(FileState(path, contents[path]) for path in sorted(contents)),
        description=f"{Operation.SNAPSHOT} {target or '/'}",
        checkpoint=request.checkpoint,
        prune=target,
        prune_scope=request.prune_scope,
        operation_id=request.operation_id,
        claim=Claim(target, request.fence, stamp=True) if request.fence else None,
    )
    applied, push = writer.write_now(change)
    writer.versions.replace(target, _written_versions(request, contents))
    if request.operation_id is not None:
        applied = _with_earlier_try(writer, request.operation_id, target, applied)
    return _result(applied, push)


def _with_earlier_try(
    writer: BranchWriter, operation_id: str, target: str, applied: AppliedChange
) -> AppliedChange:
    """What the whole snapshot changed, when an earlier try of it landed a commit (its
    worker died after the push). A retry may still commit itself: its new fence."""
    earlier = writer.find_operation(operation_id, path=target, below=applied.commit)
    if earlier is None:
        return applied
    if applied.commit is None:
        return replace(applied, commit=earlier.commit, counts=earlier.counts)
    return replace(applied, counts=earlier.counts + applied.counts)


def _stored_blobs(
    writer: BranchWriter, target: str, request: SnapshotRequest
) -> dict[str, bytes | StoredBlob]:
    """The files ``request`` names by version alone, as the blobs the writer holds for them.

    A version the writer does not remember (its memory changed since the caller read
    it) fails the snapshot retryably: the next try renders that file.
    """
    stored: dict[str, bytes | StoredBlob] = {}
    for path, version in request.versions.items():
        if path in request.files:
            continue
        blob = writer.versions.blob(target, path, version)
        if blob is None:
            raise GitOperationFailed(f"{path}: no blob remembered for version {version!r}")
        stored[path] = StoredBlob(blob)
    return stored


def _written_versions(
    request: SnapshotRequest, contents: Mapping[str, bytes | StoredBlob]
) -> dict[str, tuple[str, str]]:
    written = {}
    for path, version in request.versions.items():
        content = contents[path]
        blob = content.id if isinstance(content, StoredBlob) else str(pygit2.hash(content))
        written[path] = (version, blob)
    return written


def _result(applied: AppliedChange, push: PushResult) -> SnapshotResult:
    return SnapshotResult(
        created=applied.counts.created,
        updated=applied.counts.updated,
        deleted=applied.counts.deleted,
        commit=applied.commit or push.head,
        changed=applied.commit is not None,
        push=push,
    )
