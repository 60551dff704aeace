"""Reading the branch's history back: which commit carries an operation id, and what it did.

A retried operation (a Temporal activity whose first try pushed, then lost its
answer) finds its own commit here and reports that commit's facts instead of
"nothing changed". Counts come from the commit's diff with its first parent,
restricted to a folder, so they are the counts of what the operation wrote
under its target path (its fence file not counted).

Reads the local clone only: writes no objects, moves no refs, talks to no remote.
"""

from __future__ import annotations

import pygit2
from pygit2.enums import DeltaStatus

from activities.git.changes import FileCounts, FoundOperation
from activities.git.fence import FENCE_FILE
from activities.git.messages import operation_of

__all__ = ["find_operation"]


def find_operation(
    repo: pygit2.Repository, tip: pygit2.Oid | None, operation_id: str, under: str, depth: int
) -> FoundOperation | None:
    """The newest of ``depth`` first-parent commits from ``tip`` carrying ``operation_id``.

    ``under`` is a normalised repository folder (``""``: the whole tree).
    """
    commit = repo[tip].peel(pygit2.Commit) if tip is not None else None
    for _ in range(depth):
        if commit is None:
            return None
        if operation_of(commit.message) == operation_id:
            return FoundOperation(str(commit.id), _counts(commit, under))
        commit = commit.parents[0] if commit.parents else None
    return None


def _counts(commit: pygit2.Commit, under: str) -> FileCounts:
    parent = commit.parents[0].tree if commit.parents else None
    statuses = _statuses(_folder(parent, under), _folder(commit.tree, under))
    return FileCounts(
        created=statuses.count(DeltaStatus.ADDED),
        updated=sum(s in (DeltaStatus.MODIFIED, DeltaStatus.TYPECHANGE) for s in statuses),
        deleted=statuses.count(DeltaStatus.DELETED),
    )


def _statuses(old: pygit2.Tree | None, new: pygit2.Tree | None) -> list[DeltaStatus]:
    """How each file differs from ``old`` to ``new`` (``None``: an empty folder); the
    folder's fence file is no object and counts as nothing, as in the writer's counts."""
    if new is not None:
        diff = old.diff_to_tree(new) if old is not None else new.diff_to_tree(swap=True)
    elif old is not None:
        diff = old.diff_to_tree()
    else:
        return []
    return [delta.status for delta in diff.deltas if delta.new_file.path != FENCE_FILE]


def _folder(tree: pygit2.Tree | None, under: str) -> pygit2.Tree | None:
    if tree is None or not under:
        return tree
    try:
        found = tree[under]
    except KeyError:
        return None
    return found if isinstance(found, pygit2.Tree) else None
