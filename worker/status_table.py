"""``gitops-reverser status``: GitTargets as a table of phase, Ready and the first failing gate.

Pure formatting of the GitTarget models the caller read; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.api import GitTarget
from workflows.api.conditions import ConditionStatus
from workflows.status import first_unmet_gate

__all__ = ["HEADER", "render", "row"]

HEADER = ("NAMESPACE", "NAME", "PHASE", "READY", "GATE", "REASON", "MESSAGE")
_MESSAGE_WIDTH = 80


def row(target: GitTarget) -> tuple[str, ...]:
    status = target.status
    conditions = status.conditions if status else []
    ready = next((c for c in conditions if c.type == "Ready"), None)
    unmet = first_unmet_gate(conditions)
    gate, reason, message = "-", "-", ""
    if unmet is not None:
        gate = str(unmet[0])
        if unmet[1] is not None:
            reason, message = str(unmet[1].reason), unmet[1].message
    elif ready is not None:
        reason, message = str(ready.reason), ready.message
    return (
        target.metadata.namespace or "",
        target.metadata.name,
        str(status.phase) if status and status.phase else "-",
        str(ready.status) if ready else str(ConditionStatus.UNKNOWN),
        gate,
        reason,
        _shorten(message),
    )


def render(targets: Sequence[GitTarget]) -> str:
    """The table, aligned in columns, sorted by namespace and name."""
    rows = [HEADER, *(row(t) for t in sorted(targets, key=_order))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER) - 1)]
    lines = [
        "   ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]) for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _order(target: GitTarget) -> tuple[str, str]:
    return target.metadata.namespace or "", target.metadata.name


def _shorten(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= _MESSAGE_WIDTH else line[: _MESSAGE_WIDTH - 3] + "..."
