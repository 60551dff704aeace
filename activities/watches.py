"""The watches a plan needs: one per selected resource and namespace scope, each with a key.

The snapshot lists exactly these and hands back each list's resourceVersion under its
key; the stream watches exactly these from those positions. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from activities.kube import ApiResource
from workflows.plan import SelectedResource, WatchPlan

__all__ = ["Watch", "watches"]


@dataclass(frozen=True)
class Watch:
    selected: SelectedResource
    namespace: str | None
    """The one namespace listed and watched; ``None``: all of them (or cluster-scoped)."""

    @property
    def key(self) -> str:
        selected = self.selected
        where = f"@{self.namespace}" if self.namespace else ""
        return f"{selected.group or 'core'}/{selected.version}/{selected.resource}{where}"

    @property
    def resource(self) -> ApiResource:
        selected = self.selected
        return ApiResource(
            group=selected.group,
            version=selected.version,
            resource=selected.resource,
            kind=selected.kind,
            namespaced=selected.namespaced,
            verbs=("list", "watch"),
            preferred=True,
        )


def watches(plan: WatchPlan) -> Iterator[Watch]:
    for selected in plan.resources:
        if not selected.namespaced or selected.namespaces is None:
            yield Watch(selected, None)
        else:
            for namespace in selected.namespaces:
                yield Watch(selected, namespace)
