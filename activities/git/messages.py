"""Commit messages a person can scan in ``git log``: operation, object, counts.

Pure text formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from activities.git.changes import FileCounts

__all__ = ["Operation", "commit_message", "describe"]


class Operation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SNAPSHOT = "snapshot"
    BOOTSTRAP = "bootstrap"


def describe(operation: Operation, kind: str, namespace: str | None, name: str) -> str:
    """``update ConfigMap team-a/settings``; cluster-scoped objects have no namespace part."""
    return f"{operation} {kind} {f'{namespace}/' if namespace else ''}{name}"


def commit_message(
    descriptions: Sequence[str], counts: FileCounts, *, with_counts: bool = False
) -> str:
    """Subject (and for several changes a body listing them) for one commit.

    A single change names its counts when it touched other than one file or when
    ``with_counts`` asks for them (a snapshot always reports what it did).
    """
    tally = f"{counts.created} created, {counts.updated} updated, {counts.deleted} deleted"
    if len(descriptions) == 1:
        subject = descriptions[0]
        return f"{subject}: {tally}" if with_counts or counts.total != 1 else subject
    body = "\n".join(f"- {description}" for description in descriptions)
    return f"batch of {len(descriptions)} changes: {tally}\n\n{body}\n"
