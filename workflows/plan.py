"""What a GitTarget watches: the resources its rules select, resolved against discovery.

Pure data the lifecycle carries from validate to the snapshot and the stream.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workflows.api import Operation

__all__ = ["SelectedResource", "WatchPlan"]


class SelectedResource(BaseModel):
    """One resource type to list and watch, where, and which changes become commits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    namespaces: tuple[str, ...] | None = None
    """Namespaces to watch; ``None`` means every namespace (or a cluster-scoped type)."""
    operations: frozenset[Operation] = frozenset({Operation.ALL})


class WatchPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    resources: tuple[SelectedResource, ...] = ()
