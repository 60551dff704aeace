"""Commit messages a person can scan in ``git log``: operation, object, counts.

An operation id rides in a trailer (``Gitops-Reverser-Operation: <id>``, the last
paragraph, as ``git interpret-trailers`` reads it), where it does not clutter
the subject.

Pure text formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from activities.git.changes import FileCounts

__all__ = ["OPERATION_TRAILER", "Operation", "commit_message", "describe", "operation_of"]

OPERATION_TRAILER = "Gitops-Reverser-Operation"


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
    descriptions: Sequence[str],
    counts: FileCounts,
    *,
    with_counts: bool = False,
    operation_id: str | None = None,
) -> str:
    """Subject (and for several changes a body listing them) for one commit.

    A single change names its counts when it touched other than one file or when
    ``with_counts`` asks for them (a snapshot always reports what it did). An
    ``operation_id`` ends the message as its trailer.
    """
    tally = f"{counts.created} created, {counts.updated} updated, {counts.deleted} deleted"
    if len(descriptions) == 1:
        subject = descriptions[0]
        # A change of no counted file (a fence stamp, see ``fence``) is its subject alone.
        plain = counts.total in (0, 1) and not with_counts
        message = subject if plain else f"{subject}: {tally}"
    else:
        body = "\n".join(f"- {description}" for description in descriptions)
        message = f"batch of {len(descriptions)} changes: {tally}\n\n{body}\n"
    if operation_id is None:
        return message
    return f"{message.rstrip()}\n\n{OPERATION_TRAILER}: {operation_id}\n"


def operation_of(message: str) -> str | None:
    """The operation id in ``message``'s trailer; ``None`` when it has none."""
    _, separated, last = message.strip().rpartition("\n\n")
    if not separated:
        return None
    for line in last.splitlines():
        key, colon, value = line.partition(":")
        if colon and key == OPERATION_TRAILER:
            return value.strip()
    return None
