"""Turning pending changes into commits on top of a given tip, in the local object store.

Builds trees in an in-memory index (no working tree, no checkout, no filters),
so re-applying the same changes on a newer tip after a rejected push is the same
code path as the first attempt. Blobs are hashed before they are written, so
an unchanged file costs no object write, and a group of changes whose tree
equals its parent's makes no commit at all. A file given as a ``StoredBlob``
is neither hashed nor written: its blob is in the store already. A snapshot
(a change with ``prune``) reads the entries under its path once instead of
looking each file up.

A change that can never be written as it is (a plaintext Secret file, a prune
path outside the repository) is screened before it touches the tree: it is set
aside in ``Built.refused`` and the rest of the batch still commits, so one bad
change cannot block the branch. ``screened`` is the same check, for callers
that want the refusal before queueing. A change whose claim a newer fence in the
tree outdates is refused the same way (``Superseded``, see ``fence``); a claim
that stamps writes its fence file, which no count includes.

Writes objects into the local repository only: never moves a ref, never talks
to a remote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pygit2
from pygit2.enums import FileMode

from activities.git.changes import (
    AppliedChange,
    Change,
    CommitMode,
    FileCounts,
    Listing,
    RefusedChange,
    StoredBlob,
    target_folder,
)
from activities.git.errors import GitError, PathOutsideTarget
from activities.git.fence import Claim, Fence, Superseded, parse_fence
from activities.git.messages import commit_message
from activities.git.packwriter import write_blob_pack
from activities.manifests import ManifestError, object_folders_for_path, refuse_plaintext_secret

__all__ = ["Built", "Pending", "build_commits", "screened"]

# From this many new blobs on, one pack file is cheaper than as many loose files.
_PACK_THRESHOLD = 32
# New files whose folder clash is looked up in the index (~50 us each) before reading
# every folder of the base tree once (~1 us per file in it) answers the rest.
_FOLDER_SCAN_AFTER = 200


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
        if isinstance(state.content, bytes):
            refuse_plaintext_secret(state.path, state.content)
    if change.prune is None:
        return change
    prune = target_folder(change.prune)
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
        landed = editor.apply_each(group, refused)
        commit = _commit(repo, editor, tip, landed, signature)
        if commit is not None:
            tip = commit
            commits.append(commit)
        applied.extend(
            AppliedChange(p.sequence, str(commit) if commit else None, c) for p, c in landed
        )
    return Built(tip=tip, commits=tuple(commits), applied=tuple(applied), refused=tuple(refused))


def _commit(
    repo: pygit2.Repository,
    editor: _TreeEditor,
    tip: pygit2.Oid | None,
    landed: Sequence[tuple[Pending, FileCounts]],
    signature: pygit2.Signature,
) -> pygit2.Oid | None:
    """The commit holding ``landed`` on ``tip``; ``None`` when its tree equals the tip's."""
    tree = editor.write_tree()
    parent_tree = repo[tip].peel(pygit2.Commit).tree_id if tip else None
    if not landed or tree == parent_tree or (tip is None and len(editor.index) == 0):
        return None
    message = commit_message(
        [pending.change.description for pending, _ in landed],
        sum((counts for _, counts in landed), FileCounts()),
        with_counts=any(pending.change.prune is not None for pending, _ in landed),
        # A change with an operation id is alone in its group (see ``_groups``).
        operation_id=landed[0][0].change.operation_id if len(landed) == 1 else None,
    )
    parents = [tip] if tip else []
    return repo.create_commit(None, signature, signature, message, tree, parents)


def _screen(batch: Sequence[Pending]) -> tuple[list[Pending], list[RefusedChange]]:
    accepted: list[Pending] = []
    refused: list[RefusedChange] = []
    for pending in batch:
        try:
            accepted.append(replace(pending, change=screened(pending.change)))
        except (ManifestError, GitError) as error:
            if isinstance(error, GitError) and error.retryable:
                raise
            refused.append(RefusedChange(pending.sequence, error))
    return accepted, refused


def _groups(batch: Sequence[Pending], mode: CommitMode) -> Iterator[list[Pending]]:
    group: list[Pending] = []
    for pending in batch:
        alone = mode is CommitMode.PER_CHANGE or pending.change.commits_alone
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
    """The index being edited; a change it refuses leaves the index as it found it."""

    def __init__(self, repo: pygit2.Repository, tree: pygit2.Tree | None) -> None:
        self._repo = repo
        self._new_blobs: dict[pygit2.Oid, bytes] = {}
        # What each path held before the change being applied touched it, oldest first.
        self._undo: list[tuple[str, pygit2.IndexEntry | None]] = []
        self._tree = tree
        # Every folder of the base tree and of a file this editor added: a superset of the
        # index's folders, for quick "no" answers. The base's are read when first needed.
        self._base_folders: set[str] | None = None
        self._folder_questions = 0
        self._added_folders: set[str] = set()
        # Paths known to hold no file entry: forgotten as soon as one is added there.
        self._not_files: set[str] = set()
        self._pruned: _Folder | None = None
        self._fences: dict[pygit2.Oid, Fence | None] = {}
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

    def apply_each(
        self, group: Sequence[Pending], refused: list[RefusedChange]
    ) -> list[tuple[Pending, FileCounts]]:
        """Apply each change of ``group``; one git cannot hold joins ``refused`` instead."""
        landed: list[tuple[Pending, FileCounts]] = []
        for pending in group:
            try:
                landed.append((pending, self.apply(pending.change)))
            except (PathOutsideTarget, Superseded) as error:
                refused.append(RefusedChange(pending.sequence, error))
        return landed

    def apply(self, change: Change) -> FileCounts:
        """Apply ``change`` whole, or raise ``PathOutsideTarget`` or ``Superseded`` having
        applied none of it."""
        self._undo = []
        new_blobs = set(self._new_blobs)
        try:
            return self._apply(change)
        except (PathOutsideTarget, Superseded):
            self._roll_back(new_blobs)
            raise

    def _apply(self, change: Change) -> FileCounts:
        if change.claim is not None:
            self._hold(change.claim)
        if change.prune is not None:
            # A snapshot touches every file under its path: look them up in one pass.
            self._pruned = _Folder(change.prune, self._entries_under(change.prune))
        try:
            counts = FileCounts()
            for state in change.files:
                if state.content is None:
                    counts += self._delete(state.path)
                else:
                    counts += self._write(state.path, state.content)
            if change.prune is not None:
                kept = {state.path for state in change.files if state.content is not None}
                counts += self._prune(change.prune, kept, change.prune_scope)
            return counts
        finally:
            self._pruned = None

    def _hold(self, claim: Claim) -> None:
        """Refuse a claim a newer fence outdates; stamp the fence when the claim says so."""
        entry = self._entry(claim.path)
        held = self._fence(entry.id) if entry is not None else None
        if claim.outdated_by(held):
            raise Superseded(f"{claim.folder or '/'}: {claim.fence} gave way to {held}")
        if claim.stamp and held != claim.fence:
            self._write(claim.path, claim.fence.render())

    def _fence(self, blob: pygit2.Oid) -> Fence | None:
        if blob not in self._fences:
            found = self._repo.get(blob)
            content = found.data if isinstance(found, pygit2.Blob) else None
            self._fences[blob] = parse_fence(self._new_blobs.get(blob, content))
        return self._fences[blob]

    def _roll_back(self, new_blobs: set[pygit2.Oid]) -> None:
        for path, entry in reversed(self._undo):
            if entry is not None:
                self.index.add(entry)
                self._not_files.discard(path)
            elif path in self.index:
                self.index.remove(path)
        self._undo = []
        for oid in set(self._new_blobs) - new_blobs:
            del self._new_blobs[oid]

    def _entry(self, path: str) -> pygit2.IndexEntry | None:
        if self._pruned is not None and path.startswith(self._pruned.prefix):
            return self._pruned.entries.get(path)
        try:
            return self.index[path]
        except KeyError:
            return None

    def _set(self, path: str, entry: pygit2.IndexEntry) -> None:
        self.index.add(entry)
        self._not_files.discard(path)
        if self._pruned is not None and path.startswith(self._pruned.prefix):
            self._pruned.entries[path] = entry

    def _unset(self, path: str) -> None:
        self.index.remove(path)
        if self._pruned is not None:
            self._pruned.entries.pop(path, None)

    def _entries_under(self, folder: str) -> dict[str, pygit2.IndexEntry]:
        """Every entry under ``folder`` (``""``: all), found by bisecting the sorted index."""
        prefix = f"{folder}/" if folder else ""
        position = self._first_at_or_after(prefix)
        entries = {}
        while position < len(self.index):
            entry = self.index[position]
            path = str(entry.path)
            if not path.startswith(prefix):
                break
            entries[path] = entry
            position += 1
        return entries

    def _write(self, path: str, content: bytes | StoredBlob) -> FileCounts:
        if isinstance(content, StoredBlob):
            oid = pygit2.Oid(hex=content.id)
        else:
            oid = pygit2.hash(content)
        existing = self._entry(path)
        if existing is not None and existing.id == oid and existing.mode == FileMode.BLOB:
            return FileCounts()
        if existing is None:
            self._refuse_file_folder_clash(path)
        self._undo.append((path, existing))
        try:
            self._set(path, pygit2.IndexEntry(path, oid, FileMode.BLOB))
        except pygit2.GitError as error:
            # libgit2 refuses a few names our checks may not know (its own path rules).
            raise PathOutsideTarget(f"git cannot hold {path!r}: {error}") from None
        if isinstance(content, bytes):
            self._new_blobs[oid] = content
        if existing is not None:
            return FileCounts(updated=1)
        parts = path.split("/")
        self._added_folders.update("/".join(parts[:depth]) for depth in range(1, len(parts)))
        return FileCounts(created=1)

    def _refuse_file_folder_clash(self, path: str) -> None:
        """Refuse a new file where a file is a folder of it, or that is a folder of files.

        ``Index.add`` would silently delete the other side.
        """
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in self._not_files:
                continue
            if folder in self.index:
                raise PathOutsideTarget(f"{path!r} needs the folder {folder!r}, which is a file")
            self._not_files.add(folder)
        if self._may_be_folder(path) and self._has_entries_under(f"{path}/"):
            raise PathOutsideTarget(f"{path!r} is a folder of files; it cannot become a file")

    def _may_be_folder(self, path: str) -> bool:
        """``False`` only when no file of the index lies under ``path`` (cheaper than looking)."""
        if path in self._added_folders:
            return True
        if self._base_folders is None:
            self._folder_questions += 1
            if self._tree is not None and self._folder_questions <= _FOLDER_SCAN_AFTER:
                return True
            self._base_folders = _folders(self._tree) if self._tree is not None else set()
        return path in self._base_folders

    def _has_entries_under(self, prefix: str) -> bool:
        low = self._first_at_or_after(prefix)
        return low < len(self.index) and str(self.index[low].path).startswith(prefix)

    def _first_at_or_after(self, prefix: str) -> int:
        # The index is sorted by path, so the entries under a folder are contiguous.
        low, high = 0, len(self.index)
        while low < high:
            middle = (low + high) // 2
            if str(self.index[middle].path) < prefix:
                low = middle + 1
            else:
                high = middle
        return low

    def _delete(self, path: str) -> FileCounts:
        existing = self._entry(path)
        if existing is None:
            return FileCounts()
        self._undo.append((path, existing))
        self._unset(path)
        return FileCounts(deleted=1)

    def _prune(
        self, target_path: str, kept: set[str], scope: frozenset[Listing] | None
    ) -> FileCounts:
        """Delete the object files under ``target_path`` that are not in ``kept``, where
        ``scope`` listed (``None``: everywhere)."""
        under = self._pruned.entries if self._pruned is not None else {}
        stale = [
            (path, entry)
            for path, entry in under.items()
            if path not in kept and _prunable(target_path, path, scope)
        ]
        for path, entry in stale:
            self._undo.append((path, entry))
            self._unset(path)
        return FileCounts(deleted=len(stale))


def _prunable(target_path: str, path: str, scope: frozenset[Listing] | None) -> bool:
    """An object file under ``target_path`` where ``scope`` (``None``: everywhere) listed."""
    found = object_folders_for_path(target_path, path)
    if found is None:
        return False
    namespace, group, resource = found
    return (
        scope is None
        or Listing(group, resource) in scope
        or Listing(group, resource, namespace) in scope
    )


def _folders(tree: pygit2.Tree) -> set[str]:
    """The path of every folder in ``tree``: one pass over its trees, no lookups by path."""
    folders: set[str] = set()
    pending = [("", tree)]
    while pending:
        prefix, current = pending.pop()
        for entry in current:
            if isinstance(entry, pygit2.Tree):
                path = f"{prefix}{entry.name}"
                folders.add(path)
                pending.append((f"{path}/", entry))
    return folders


@dataclass
class _Folder:
    """The index entries under a snapshot's path, kept in step with the index while it applies."""

    folder: str
    entries: dict[str, pygit2.IndexEntry]

    @property
    def prefix(self) -> str:
        return f"{self.folder}/" if self.folder else ""
