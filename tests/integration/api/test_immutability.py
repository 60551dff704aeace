"""Fields whose change would orphan data are immutable; everything else can change.

Immutable: a GitTarget's providerRef, branch and path (its files live exactly there) and
a rule's targetRef (delete and re-create the rule to feed another target).
"""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException

from tests.integration.api.resources import (
    JSON,
    Objects,
    cluster_watch_rule,
    error_message,
    provider,
    target,
    watch_rule,
    with_changes,
)

IMMUTABLE = [
    pytest.param(target(), {"spec": {"path": "clusters/b"}}, "path is immutable", id="target path"),
    pytest.param(
        target(), {"spec": {"branch": "develop"}}, "branch is immutable", id="target branch"
    ),
    pytest.param(
        with_changes(target(), {"spec": {"branch": "develop"}}),
        {"spec": {"branch": None}},
        "branch is immutable",
        id="target branch removed (would fall back to main)",
    ),
    pytest.param(
        target(),
        {"spec": {"providerRef": {"name": "other-repo"}}},
        "providerRef is immutable",
        id="target provider name",
    ),
    pytest.param(
        target(),
        {"spec": {"providerRef": {"group": "source.toolkit.fluxcd.io", "kind": "GitRepository"}}},
        "providerRef is immutable",
        id="target provider kind",
    ),
    pytest.param(
        watch_rule(),
        {"spec": {"targetRef": {"name": "other-target"}}},
        "targetRef is immutable",
        id="watchrule target",
    ),
    pytest.param(
        cluster_watch_rule("immutable"),
        {"spec": {"targetRef": {"namespace": "team-b"}}},
        "targetRef is immutable",
        id="clusterwatchrule target namespace",
    ),
]

MUTABLE = [
    pytest.param(
        provider(), {"spec": {"url": "git@git.example.com:org/repo.git"}}, id="provider url"
    ),
    pytest.param(
        provider(), {"spec": {"allowedBranches": ["main", "release/*"]}}, id="provider branches"
    ),
    pytest.param(provider(), {"spec": {"push": {"interval": "5m"}}}, id="provider push"),
    pytest.param(
        target(),
        {"spec": {"encryption": {"secretRef": {"name": "age-key"}}}},
        id="target encryption added",
    ),
    pytest.param(
        watch_rule(), {"spec": {"rules": [{"resources": ["secrets"]}]}}, id="watchrule rules"
    ),
    pytest.param(
        cluster_watch_rule("mutable"),
        {"spec": {"rules": [{"resources": ["namespaces"], "scope": "Cluster"}]}},
        id="clusterwatchrule rules",
    ),
]


def _create(objects: Objects, body: JSON, namespace: str, cluster_name: str) -> str | None:
    if body["kind"] == "ClusterWatchRule":
        body = with_changes(body, {"metadata": {"name": cluster_name}})
        objects.create(body, None)
        return None
    objects.create(body, namespace)
    return namespace


@pytest.mark.parametrize(("valid", "change", "message"), IMMUTABLE)
def test_changing_an_immutable_field_is_rejected(
    objects: Objects, namespace: str, cluster_name: str, valid: JSON, change: JSON, message: str
) -> None:
    scope = _create(objects, valid, namespace, cluster_name)
    name = cluster_name if scope is None else valid["metadata"]["name"]

    with pytest.raises(ApiException) as rejected:
        objects.patch(valid["kind"], name, scope, change)

    assert rejected.value.status == 422
    assert message in error_message(rejected.value)
    assert "delete and re-create" in error_message(rejected.value)


@pytest.mark.parametrize(("valid", "change"), MUTABLE)
def test_changing_a_mutable_field_is_accepted(
    objects: Objects, namespace: str, cluster_name: str, valid: JSON, change: JSON
) -> None:
    scope = _create(objects, valid, namespace, cluster_name)
    name = cluster_name if scope is None else valid["metadata"]["name"]

    changed = objects.patch(valid["kind"], name, scope, change)

    assert changed["metadata"]["generation"] == 2
