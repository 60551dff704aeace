"""Defaults are applied by the API server: a minimal object reads back complete.

Our code never fills defaults in; it reads what the server stored. The models' defaults
equal the server's (the unit drift test checks the schemas; these tests check the
server really applies them).
"""

from __future__ import annotations

from tests.integration.api.resources import (
    Objects,
    cluster_watch_rule,
    provider,
    target,
    watch_rule,
    with_changes,
)
from workflows.api import (
    ClusterWatchRule,
    ClusterWatchRuleSpec,
    GitProvider,
    GitProviderSpec,
    GitTarget,
    GitTargetSpec,
    WatchRule,
    WatchRuleSpec,
)


def test_provider_push_batching_defaults_to_one_minute_or_twenty_commits(
    objects: Objects, namespace: str
) -> None:
    created = objects.create(provider(), namespace)

    assert created["spec"]["push"] == {"interval": "1m", "maxCommits": 20}


def test_provider_push_fills_the_field_left_out(objects: Objects, namespace: str) -> None:
    body = with_changes(provider(), {"spec": {"push": {"maxCommits": 5}}})

    created = objects.create(body, namespace)

    assert created["spec"]["push"] == {"interval": "1m", "maxCommits": 5}


def test_target_branch_defaults_to_main(objects: Objects, namespace: str) -> None:
    created = objects.create(target(), namespace)

    assert created["spec"]["branch"] == "main"


def test_target_provider_defaults_to_a_gitprovider(objects: Objects, namespace: str) -> None:
    created = objects.create(target(), namespace)

    assert created["spec"]["providerRef"] == {
        "group": "configbutler.ai",
        "kind": "GitProvider",
        "name": "repo",
    }


def test_target_encryption_defaults_to_sops_without_key_generation(
    objects: Objects, namespace: str
) -> None:
    body = with_changes(target(), {"spec": {"encryption": {"secretRef": {"name": "age-key"}}}})

    created = objects.create(body, namespace)

    assert created["spec"]["encryption"] == {
        "provider": "sops",
        "secretRef": {"name": "age-key"},
        "generateWhenMissing": False,
    }


def test_target_without_encryption_gets_none(objects: Objects, namespace: str) -> None:
    created = objects.create(target(), namespace)

    assert "encryption" not in created["spec"]


def test_watchrule_target_defaults_to_a_gittarget(objects: Objects, namespace: str) -> None:
    created = objects.create(watch_rule(), namespace)

    assert created["spec"]["targetRef"] == {
        "group": "configbutler.ai",
        "kind": "GitTarget",
        "name": "target",
    }


def test_watchrule_rule_defaults_to_any_group_version_and_operation(
    objects: Objects, namespace: str
) -> None:
    created = objects.create(watch_rule(), namespace)

    assert created["spec"]["rules"] == [
        {
            "apiGroups": ["*"],
            "apiVersions": ["*"],
            "resources": ["configmaps"],
            "operations": ["*"],
        }
    ]


def test_clusterwatchrule_rule_defaults_to_both_scopes(objects: Objects, cluster_name: str) -> None:
    body = with_changes(cluster_watch_rule(cluster_name), {})

    created = objects.create(body, None)

    assert created["spec"]["rules"][0]["scope"] == "*"


def test_server_defaults_equal_model_defaults(
    objects: Objects, namespace: str, cluster_name: str
) -> None:
    stored = {
        "GitProvider": objects.create(provider(), namespace)["spec"],
        "GitTarget": objects.create(target(), namespace)["spec"],
        "WatchRule": objects.create(watch_rule(), namespace)["spec"],
        "ClusterWatchRule": objects.create(cluster_watch_rule(cluster_name), None)["spec"],
    }
    defaulted_by_model = {
        "GitProvider": GitProviderSpec.model_validate(provider()["spec"]),
        "GitTarget": GitTargetSpec.model_validate(target()["spec"]),
        "WatchRule": WatchRuleSpec.model_validate(watch_rule()["spec"]),
        "ClusterWatchRule": ClusterWatchRuleSpec.model_validate(
            cluster_watch_rule(cluster_name)["spec"]
        ),
    }

    assert {
        kind: model.model_dump(mode="json", exclude_none=True)
        for kind, model in defaulted_by_model.items()
    } == stored


def test_stored_objects_parse_into_their_models(
    objects: Objects, namespace: str, cluster_name: str
) -> None:
    provider_model = GitProvider.model_validate(objects.create(provider(), namespace))
    target_model = GitTarget.model_validate(objects.create(target(), namespace))
    rule_model = WatchRule.model_validate(objects.create(watch_rule(), namespace))
    cluster_rule_model = ClusterWatchRule.model_validate(
        objects.create(cluster_watch_rule(cluster_name), None)
    )

    assert (provider_model.metadata.namespace, target_model.metadata.namespace) == (
        namespace,
        namespace,
    )
    assert rule_model.spec.target_ref.name == target_model.metadata.name
    assert cluster_rule_model.metadata.namespace is None
