"""Turning pending changes into commits on top of a given tip, in the local object store.

Builds trees in an in-memory index (no working tree, no checkout, no filters),
so re-applying the same changes on a newer tip after a rejected push is the same
code path as the first attempt. Blobs are hashed before they are written, so
an unchanged file costs no object write, and a group of changes whose tree
equals its parent's makes no commit at all.

A change that can never be written as it is (a plaintext Secret file, a prune
path outside the repository) is screened before it touches the tree: it is set
aside in ``Built.refused`` and the rest of the batch still commits, so one bad
change cannot block the branch. ``screened`` is the same check, for callers
that want the refusal before queueing.

Writes objects into the local repository only: never moves a ref, never talks
to a remote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pygit2
from pygit2.enums import FileMode

from activities.git.changes import AppliedChange, Change, CommitMode, FileCounts, RefusedChange
from activities.git.errors import GitError, PathOutsideTarget
from activities.git.messages import commit_message
from activities.git.packwriter import write_blob_pack
from activities.manifests import (
    InvalidObject,
    ManifestError,
    is_object_file,
    normalise_target_path,
    refuse_plaintext_secret,
)

__all__ = ["Built", "Pending", "build_commits", "screened"]

# From this many new blobs on, one pack file is cheaper than as many loose files.
_PACK_THRESHOLD = 32


@dataclass(frozen=True)
class Pending:
    sequence: int
    change: Change
    queued_at: float = 0.0
    """When it was submitted, on the writer's monotonic clock (for the batch policy)."""


@dataclass(frozen=True)
class Built:
    """The commits made for a batch (oldest first) and how each change landed."""

    tip: pygit2.Oid | None
    commits: tuple[pygit2.Oid, ...]
    applied: tuple[AppliedChange, ...]
    refused: tuple[RefusedChange, ...] = ()


def screened(change: Change) -> Change:
    """``change`` as it may be queued, its prune path normalised.

    Raises the change's own non-retryable error: ``PlaintextSecretRefused`` for a
    Secret file without SOPS, ``PathOutsideTarget`` for a prune path that escapes.
    """
    for state in change.files:
        if state.content is not None:
            refuse_plaintext_secret(state.path, state.content)
    if change.prune is None:
        return change
    try:
        prune = normalise_target_path(change.prune)
    except InvalidObject as error:
        raise PathOutsideTarget(str(error)) from None
    return change if prune == change.prune else replace(change, prune=prune)


def build_commits(
    repo: pygit2.Repository,
    base: pygit2.Oid | None,
    batch: Sequence[Pending],
    mode: CommitMode,
    signature: pygit2.Signature,
) -> Built:
    """Commit ``batch`` on top of ``base`` (``None``: an unborn branch), grouped by ``mode``."""
    accepted, refused = _screen(batch)
    editor = _TreeEditor(repo, repo[base].peel(pygit2.Commit).tree if base else None)
    tip = base
    commits: list[pygit2.Oid] = []
    applied: list[AppliedChange] = []
    for group in _groups(accepted, mode):
        counts = [editor.apply(pending.change) for pending in group]
        tree = editor.write_tree()
        parent_tree = repo[tip].peel(pygit2.Commit).tree_id if tip else None
        commit: pygit2.Oid | None = None
        if tree != parent_tree and (tip is not None or len(editor.index) > 0):
            message = commit_message(
                [pending.change.description for pending in group],
                sum(counts, FileCounts()),
                with_counts=any(pending.change.prune is not None for pending in group),
            )
            parents = [tip] if tip else []
            commit = repo.create_commit(None, signature, signature, message, tree, parents)
            tip = commit
            commits.append(commit)
        applied.extend(
            AppliedChange(p.sequence, str(commit) if commit else None, c)
            for p, c in zip(group, counts, strict=True)
        )
    return Built(tip=tip, commits=tuple(commits), applied=tuple(applied), refused=refused)


def _screen(batch: Sequence[Pending]) -> tuple[list[Pending], tuple[RefusedChange, ...]]:
    accepted: list[Pending] = []
    refused: list[RefusedChange] = []
    for pending in batch:
        try:
            accepted.append(replace(pending, change=screened(pending.change)))
        except (ManifestError, GitError) as error:
            if isinstance(error, GitError) and error.retryable:
                raise
            refused.append(RefusedChange(pending.sequence, error))
    return accepted, tuple(refused)


def _groups(batch: Sequence[Pending], mode: CommitMode) -> Iterator[list[Pending]]:
    group: list[Pending] = []
    for pending in batch:
        alone = mode is CommitMode.PER_CHANGE or pending.change.prune is not None
        if alone and group:
            yield group
            group = []
        group.append(pending)
        if alone:
            yield group
            group = []
    if group:
        yield group


class _TreeEditor:
    def __init__(self, repo: pygit2.Repository, tree: pygit2.Tree | None) -> None:
        self._repo = repo
        self._new_blobs: dict[pygit2.Oid, bytes] = {}
        self.index = pygit2.Index()
        if tree is not None:
            self.index.read_tree(tree)

    def write_tree(self) -> pygit2.Oid:
        self._store_new_blobs()
        return self.index.write_tree(self._repo)

    def _store_new_blobs(self) -> None:
        if len(self._new_blobs) >= _PACK_THRESHOLD:
            write_blob_pack(Path(self._repo.path) / "objects", self._new_blobs)
        else:
            for content in self._new_blobs.values():
                self._repo.create_blob(content)
        self._new_blobs.clear()

    def apply(self, change: Change) -> FileCounts:
        counts = FileCounts()
        for state in change.files:
            if state.content is None:
                counts += self._delete(state.path)
            else:
                counts += self._write(state.path, state.content)
        if change.prune is not None:
            kept = {state.path for state in change.files if state.content is not None}
            counts += self._prune(change.prune, kept)
        return counts

    def _write(self, path: str, content: bytes) -> FileCounts:
        oid = pygit2.hash(content)
        try:
            existing: pygit2.IndexEntry | None = self.index[path]
        except KeyError:
            existing = None
        if existing is not None and existing.id == oid and existing.mode == FileMode.BLOB:
            return FileCounts()
        self._new_blobs[oid] = content
        self.index.add(pygit2.IndexEntry(path, oid, FileMode.BLOB))
        return FileCounts(updated=1) if existing is not None else FileCounts(created=1)

    def _delete(self, path: str) -> FileCounts:
        if path not in self.index:
            return FileCounts()
        self.index.remove(path)
        return FileCounts(deleted=1)

    def _prune(self, target_path: str, kept: set[str]) -> FileCounts:
        stale = [
            entry.path
            for entry in self.index
            if entry.path not in kept and is_object_file(target_path, entry.path)
        ]
        for path in stale:
            self.index.remove(path)
        return FileCounts(deleted=len(stale))
