"""Which resources a GitTarget watches: its rules resolved against API discovery.

A rule selects groups x versions x resources like an admission webhook rule: ``""`` is
the core group and ``*`` any group; version ``*`` is each group's preferred version; an
explicit version must be served; resource ``*`` is every resource of the selected
groups that can be listed and watched, except Events (core and ``events.k8s.io``) and
Leases (leader election, node heartbeats), which churn constantly and nobody mirrors
(name them explicitly to get them).
Subresources are never selected.

A WatchRule selects namespaced resources in its own namespace only. A ClusterWatchRule
selects by ``scope``: cluster-scoped resources, namespaced ones in every namespace, or
both. Selections of one resource merge: every namespace wins over a list, operations
add up. A resource served in several selected versions is watched once, in the
preferred version (its files do not depend on the version).

Pure: the caller lists the rules and runs discovery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from activities.kube import ApiResource
from workflows.api import ClusterWatchRule, GitTarget, Operation, ResourceRule, RuleScope, WatchRule
from workflows.plan import SelectedResource, WatchPlan

__all__ = ["resolve_watch_plan"]

_ANY = "*"
_CHURN = {("", "events"), ("events.k8s.io", "events"), ("coordination.k8s.io", "leases")}
"""Never selected by resource ``*``."""
_NEEDED_VERBS = {"list", "watch"}


@dataclass(frozen=True)
class _Selection:
    resource: ApiResource
    namespaces: frozenset[str] | None
    operations: frozenset[Operation]


def resolve_watch_plan(
    target: GitTarget,
    watch_rules: Iterable[WatchRule],
    cluster_rules: Iterable[ClusterWatchRule],
    discovered: Sequence[ApiResource],
) -> WatchPlan:
    """The resources ``target``'s rules select, merged and sorted."""
    namespace = target.metadata.namespace or ""
    selections: list[_Selection] = []
    for rule in watch_rules:
        rule_namespace = rule.metadata.namespace or ""
        if _feeds(rule, rule_namespace, rule.spec.target_ref.name, target.metadata.name, namespace):
            for item in rule.spec.rules:
                selections.extend(
                    _Selection(resource, frozenset({namespace}), _operations(item))
                    for resource in _matching(item, discovered)
                    if resource.namespaced
                )
    for cluster_rule in cluster_rules:
        ref = cluster_rule.spec.target_ref
        if _feeds(cluster_rule, ref.namespace, ref.name, target.metadata.name, namespace):
            for cluster_item in cluster_rule.spec.rules:
                selections.extend(
                    _Selection(resource, None, _operations(cluster_item))
                    for resource in _matching(cluster_item, discovered)
                    if _in_scope(resource, cluster_item.scope)
                )
    return WatchPlan(resources=tuple(_merged(selections)))


def _feeds(
    rule: WatchRule | ClusterWatchRule,
    ref_namespace: str,
    ref_name: str,
    target_name: str,
    target_namespace: str,
) -> bool:
    live = rule.metadata.deletion_timestamp is None
    return live and (ref_namespace, ref_name) == (target_namespace, target_name)


def _matching(rule: ResourceRule, discovered: Sequence[ApiResource]) -> Iterable[ApiResource]:
    groups, versions, names = set(rule.api_groups), set(rule.api_versions), set(rule.resources)
    for resource in discovered:
        if not set(resource.verbs) >= _NEEDED_VERBS:
            continue
        if _ANY not in groups and resource.group not in groups:
            continue
        if not (resource.version in versions or (_ANY in versions and resource.preferred)):
            continue
        if _ANY in names:
            if (resource.group, resource.resource) not in _CHURN:
                yield resource
        elif resource.resource in names:
            yield resource


def _in_scope(resource: ApiResource, scope: RuleScope) -> bool:
    if scope == RuleScope.CLUSTER:
        return not resource.namespaced
    if scope == RuleScope.NAMESPACED:
        return resource.namespaced
    return True


def _operations(rule: ResourceRule) -> frozenset[Operation]:
    chosen = frozenset(rule.operations)
    return frozenset({Operation.ALL}) if Operation.ALL in chosen else chosen


def _merged(selections: list[_Selection]) -> list[SelectedResource]:
    by_resource: dict[tuple[str, str], list[_Selection]] = {}
    for selection in selections:
        key = (selection.resource.group, selection.resource.resource)
        by_resource.setdefault(key, []).append(selection)
    merged = [_merge(group) for group in by_resource.values()]
    return sorted(merged, key=lambda s: (s.group, s.resource))


def _merge(selections: list[_Selection]) -> SelectedResource:
    resource = min((s.resource for s in selections), key=lambda r: (not r.preferred, r.version))
    everywhere = any(s.namespaces is None for s in selections)
    namespaces = set().union(*(s.namespaces or set() for s in selections))
    operations = frozenset().union(*(s.operations for s in selections))
    if Operation.ALL in operations:
        operations = frozenset({Operation.ALL})
    return SelectedResource(
        group=resource.group,
        version=resource.version,
        resource=resource.resource,
        kind=resource.kind,
        namespaced=resource.namespaced,
        namespaces=None if everywhere or not resource.namespaced else tuple(sorted(namespaces)),
        operations=operations,
    )
