"""Which resources a target's rules select, resolved against discovered resources."""

from __future__ import annotations

from typing import Any

import pytest

from activities.kube import ApiResource
from activities.selection import resolve_watch_plan
from workflows.api import ClusterWatchRule, GitTarget, Operation, WatchRule
from workflows.plan import SelectedResource

VERBS = ("get", "list", "watch")
DISCOVERED = [
    ApiResource("", "v1", "configmaps", "ConfigMap", True, VERBS),
    ApiResource("", "v1", "secrets", "Secret", True, VERBS),
    ApiResource("", "v1", "namespaces", "Namespace", False, VERBS),
    ApiResource("", "v1", "events", "Event", True, VERBS),
    ApiResource("", "v1", "bindings", "Binding", True, ("create",)),
    ApiResource("apps", "v1", "deployments", "Deployment", True, VERBS),
    ApiResource("events.k8s.io", "v1", "events", "Event", True, VERBS),
    ApiResource("coordination.k8s.io", "v1", "leases", "Lease", True, VERBS),
    ApiResource("example.com", "v1", "widgets", "Widget", True, VERBS, preferred=True),
    ApiResource("example.com", "v1beta1", "widgets", "Widget", True, VERBS, preferred=False),
    ApiResource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, VERBS),
]
TARGET = GitTarget.model_validate(
    {
        "metadata": {"name": "mirror", "namespace": "team-a"},
        "spec": {"providerRef": {"name": "p"}, "path": "clusters/a"},
    }
)


def _watch_rule(
    *rules: dict[str, Any], target: str = "mirror", namespace: str = "team-a"
) -> WatchRule:
    return WatchRule.model_validate(
        {
            "metadata": {"name": "r", "namespace": namespace},
            "spec": {"targetRef": {"name": target}, "rules": list(rules)},
        }
    )


def _cluster_rule(*rules: dict[str, Any], namespace: str = "team-a") -> ClusterWatchRule:
    return ClusterWatchRule.model_validate(
        {
            "metadata": {"name": "c"},
            "spec": {"targetRef": {"namespace": namespace, "name": "mirror"}, "rules": list(rules)},
        }
    )


def _selected(
    watch: list[WatchRule] | None = None, cluster: list[ClusterWatchRule] | None = None
) -> dict[tuple[str, str], SelectedResource]:
    plan = resolve_watch_plan(TARGET, watch or [], cluster or [], DISCOVERED)
    return {(r.group, r.resource): r for r in plan.resources}


def test_a_watch_rule_selects_named_core_resources_in_its_own_namespace() -> None:
    selected = _selected([_watch_rule({"apiGroups": [""], "resources": ["configmaps"]})])
    assert list(selected) == [("", "configmaps")]
    assert selected[("", "configmaps")].namespaces == ("team-a",)


def test_a_watch_rule_never_selects_cluster_scoped_resources() -> None:
    assert _selected([_watch_rule({"apiGroups": [""], "resources": ["namespaces"]})]) == {}


def test_a_wildcard_selects_every_listable_resource_but_events_and_leases() -> None:
    selected = _selected([_watch_rule({"resources": ["*"]})])
    assert set(selected) == {
        ("", "configmaps"),
        ("", "secrets"),
        ("apps", "deployments"),
        ("example.com", "widgets"),
    }


def test_leases_named_explicitly_are_selected() -> None:
    selected = _selected(
        [_watch_rule({"apiGroups": ["coordination.k8s.io"], "resources": ["leases"]})]
    )
    assert list(selected) == [("coordination.k8s.io", "leases")]


def test_version_wildcard_takes_the_preferred_version_and_an_explicit_one_is_kept() -> None:
    preferred = _selected([_watch_rule({"apiGroups": ["example.com"], "resources": ["widgets"]})])
    assert preferred[("example.com", "widgets")].version == "v1"
    explicit = _selected(
        [
            _watch_rule(
                {"apiGroups": ["example.com"], "apiVersions": ["v1beta1"], "resources": ["widgets"]}
            )
        ]
    )
    assert explicit[("example.com", "widgets")].version == "v1beta1"


def test_an_explicit_version_the_server_does_not_serve_selects_nothing() -> None:
    rule = _watch_rule({"apiGroups": ["apps"], "apiVersions": ["v2"], "resources": ["deployments"]})
    assert _selected([rule]) == {}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("Cluster", {("", "namespaces")}),
        ("Namespaced", {("", "configmaps")}),
        ("*", {("", "namespaces"), ("", "configmaps")}),
    ],
)
def test_a_cluster_watch_rule_selects_by_scope(scope: str, expected: set[tuple[str, str]]) -> None:
    rule = _cluster_rule(
        {"apiGroups": [""], "resources": ["namespaces", "configmaps"], "scope": scope}
    )
    selected = _selected(cluster=[rule])
    assert set(selected) == expected
    assert all(s.namespaces is None for s in selected.values())


def test_rules_of_other_targets_select_nothing() -> None:
    other = _watch_rule({"resources": ["configmaps"]}, target="someone-else")
    elsewhere = _cluster_rule({"resources": ["namespaces"], "scope": "Cluster"}, namespace="b")
    assert _selected([other], [elsewhere]) == {}


def test_selections_of_one_resource_merge_every_namespace_and_every_operation() -> None:
    narrow = _watch_rule({"resources": ["configmaps"], "operations": ["CREATE"]})
    wide = _cluster_rule(
        {"resources": ["configmaps"], "operations": ["DELETE"], "scope": "Namespaced"}
    )
    merged = _selected([narrow], [wide])[("", "configmaps")]
    assert merged.namespaces is None
    assert merged.operations == frozenset({Operation.CREATE, Operation.DELETE})


def test_all_operations_absorb_the_named_ones() -> None:
    rules = [
        _watch_rule({"resources": ["secrets"], "operations": ["UPDATE"]}),
        _watch_rule({"resources": ["secrets"]}),
    ]
    assert _selected(rules)[("", "secrets")].operations == frozenset({Operation.ALL})


def test_the_plan_is_sorted_and_equal_for_equal_rules() -> None:
    first = resolve_watch_plan(TARGET, [_watch_rule({"resources": ["*"]})], [], DISCOVERED)
    again = resolve_watch_plan(TARGET, [_watch_rule({"resources": ["*"]})], [], DISCOVERED)
    narrower = resolve_watch_plan(
        TARGET, [_watch_rule({"resources": ["configmaps"]})], [], DISCOVERED
    )
    keys = [(r.group, r.resource) for r in first.resources]
    assert keys == sorted(keys)
    assert first == again != narrower
