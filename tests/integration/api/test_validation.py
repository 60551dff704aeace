"""The API server rejects bad input with a message a person understands.

Each case is one invalid object (a minimal valid one with one change) and the words the
rejection must contain. Creates send fieldValidation=Strict, as kubectl does.
"""

from __future__ import annotations

from typing import Any

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


def _scope(body: JSON, namespace: str) -> str | None:
    return None if body["kind"] == "ClusterWatchRule" else namespace


def _rejection(objects: Objects, body: JSON, namespace: str | None) -> ApiException:
    with pytest.raises(ApiException) as rejected:
        objects.create(body, namespace)
    return rejected.value


def _spec(**changes: Any) -> JSON:
    return {"spec": changes}


INVALID = [
    pytest.param(
        provider(), _spec(url=None), "spec.url: Required value", id="provider without url"
    ),
    pytest.param(
        provider(),
        _spec(url="file:///srv/git/repo.git"),
        "url must be an https://, http:// or ssh:// URL with a repository path, or scp-like",
        id="provider with a file url",
    ),
    pytest.param(
        provider(),
        _spec(url="https://github.com"),
        "url must be an https://, http:// or ssh:// URL with a repository path",
        id="provider url without a repository path",
    ),
    pytest.param(
        provider(),
        _spec(allowedBranches=[]),
        "spec.allowedBranches in body should have at least 1 items",
        id="provider with empty allowedBranches",
    ),
    pytest.param(
        provider(),
        _spec(allowedBranches=None),
        "spec.allowedBranches: Required value",
        id="provider without allowedBranches",
    ),
    pytest.param(
        provider(),
        _spec(allowedBranches=["main", "feature branch"]),
        "allowedBranches entries must be branch names or glob patterns",
        id="provider allowedBranches entry with a space",
    ),
    pytest.param(
        provider(),
        _spec(allowedBranches=["main", "main"]),
        'spec.allowedBranches[1]: Duplicate value: "main"',
        id="provider allowedBranches listed twice",
    ),
    pytest.param(
        provider(),
        _spec(push={"maxCommits": 0}),
        "spec.push.maxCommits in body should be greater than or equal to 1",
        id="provider maxCommits 0",
    ),
    pytest.param(
        provider(),
        _spec(push={"interval": "5 minutes"}),
        "push.interval must be a duration such as 30s, 5m or 1h30m",
        id="provider interval not a duration",
    ),
    pytest.param(
        provider(),
        _spec(push={"interval": "1d"}),
        "push.interval must be a duration such as 30s, 5m or 1h30m",
        id="provider interval in days",
    ),
    pytest.param(
        provider(),
        _spec(push={"interval": "500ms"}),
        "push.interval must be at least 1s",
        id="provider interval below one second",
    ),
    pytest.param(
        provider(),
        _spec(secretRef={"name": "Git_Credentials"}),
        "secretRef.name must be a valid Secret name",
        id="provider secretRef with an invalid name",
    ),
    pytest.param(
        target(),
        _spec(providerRef={"kind": "GitLabProject"}),
        'spec.providerRef.kind: Unsupported value: "GitLabProject": supported values: '
        '"GitProvider", "GitRepository"',
        id="target providerRef of unknown kind",
    ),
    pytest.param(
        target(),
        _spec(providerRef={"kind": "GitRepository"}),
        "a providerRef of kind GitRepository must have group source.toolkit.fluxcd.io",
        id="target GitRepository in the default group",
    ),
    pytest.param(
        target(),
        _spec(providerRef={"kind": "GitRepository", "group": "source.example.com"}),
        'spec.providerRef.group: Unsupported value: "source.example.com"',
        id="target providerRef of unknown group",
    ),
    pytest.param(
        target(),
        _spec(providerRef={"group": "source.toolkit.fluxcd.io"}),
        "a providerRef of kind GitProvider must have group configbutler.ai",
        id="target GitProvider in the Flux group",
    ),
    pytest.param(
        target(),
        _spec(providerRef={"name": None}),
        "spec.providerRef.name: Required value",
        id="target providerRef without name",
    ),
    pytest.param(target(), _spec(path=None), "spec.path: Required value", id="target without path"),
    pytest.param(
        target(),
        _spec(path="clusters/../../etc"),
        "path must not contain '..'; a target cannot write outside its folder",
        id="target path with ..",
    ),
    pytest.param(
        target(),
        _spec(path="/clusters/a"),
        "path must be relative to the repository root; remove the leading '/'",
        id="target path starting with /",
    ),
    pytest.param(
        target(),
        _spec(path="clusters/a/"),
        "path must not end with '/' or contain empty segments ('//')",
        id="target path ending with /",
    ),
    pytest.param(
        target(),
        _spec(path="./clusters/a"),
        "path must not contain '.' segments",
        id="target path with a . segment",
    ),
    pytest.param(
        target(),
        _spec(path=".git/hooks"),
        "path must not point into a '.git' directory",
        id="target path into .git",
    ),
    pytest.param(
        target(),
        _spec(path="backup/GIT~1"),
        "path must not point into a '.git' directory",
        id="target path into the NTFS short name of .git",
    ),
    pytest.param(
        target(),
        _spec(path="backup/.git. /hooks"),
        "path must not point into a '.git' directory",
        id="target path into .git with trailing dots and spaces",
    ),
    pytest.param(
        target(),
        _spec(path="backup/.git:stream"),
        "path must not point into a '.git' directory",
        id="target path into a stream of .git",
    ),
    pytest.param(
        target(),
        _spec(path="backup/.g\u200cit"),
        "path must not contain invisible formatting characters",
        id="target path hiding .git behind an HFS-ignored character",
    ),
    pytest.param(
        target(),
        _spec(path="clusters\\a"),
        "path must use '/' as separator",
        id="target path with a backslash",
    ),
    pytest.param(
        target(),
        _spec(branch="release/*"),
        "branch must be a valid Git branch name",
        id="target branch that is a glob",
    ),
    pytest.param(
        target(),
        _spec(branch="-main"),
        "branch must be a valid Git branch name",
        id="target branch starting with -",
    ),
    pytest.param(
        target(),
        _spec(branch="feature..x"),
        "branch must be a valid Git branch name",
        id="target branch with ..",
    ),
    pytest.param(
        target(),
        _spec(encryption={"provider": "vault", "secretRef": {"name": "key"}}),
        'spec.encryption.provider: Unsupported value: "vault": supported values: "sops"',
        id="target encryption provider other than sops",
    ),
    pytest.param(
        target(),
        _spec(encryption={"generateWhenMissing": True}),
        "spec.encryption.secretRef: Required value",
        id="target encryption without secretRef",
    ),
    pytest.param(
        watch_rule(),
        _spec(targetRef={"name": "target", "namespace": "other-team"}),
        'strict decoding error: unknown field "spec.targetRef.namespace"',
        id="watchrule targetRef carrying a namespace",
    ),
    pytest.param(
        watch_rule(),
        _spec(targetRef={"kind": "GitProvider"}),
        'spec.targetRef.kind: Unsupported value: "GitProvider": supported values: "GitTarget"',
        id="watchrule targetRef to another kind",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"resources": ["configmaps"], "operations": ["PATCH"]}]),
        'spec.rules[0].operations[0]: Unsupported value: "PATCH": supported values: '
        '"CREATE", "UPDATE", "DELETE", "*"',
        id="watchrule bad operation",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[]),
        "spec.rules in body should have at least 1 items",
        id="watchrule without rules",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"apiGroups": ["apps"]}]),
        "spec.rules[0].resources: Required value",
        id="watchrule rule without resources",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"resources": ["ConfigMap"]}]),
        "resources entries must be lowercase plural resource names",
        id="watchrule resource written as a kind",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"resources": ["*", "configmaps"]}]),
        'resources with "*" must not list anything else',
        id="watchrule resources mixing * with names",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"resources": ["deployments"], "apiVersions": ["1"]}]),
        "apiVersions entries must be versions such as v1 or v1beta1",
        id="watchrule apiVersion without v",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"resources": ["deployments"], "apiGroups": ["Apps"]}]),
        "apiGroups entries must be API group names",
        id="watchrule apiGroup with capitals",
    ),
    pytest.param(
        cluster_watch_rule("invalid"),
        _spec(targetRef={"namespace": None}),
        "spec.targetRef.namespace: Required value",
        id="clusterwatchrule without target namespace",
    ),
    pytest.param(
        cluster_watch_rule("invalid"),
        _spec(targetRef={"namespace": "Team_A"}),
        "targetRef.namespace must be a valid namespace name",
        id="clusterwatchrule target namespace invalid",
    ),
    pytest.param(
        cluster_watch_rule("invalid"),
        _spec(rules=[{"resources": ["namespaces"], "scope": "Namespace"}]),
        'spec.rules[0].scope: Unsupported value: "Namespace": supported values: '
        '"Cluster", "Namespaced", "*"',
        id="clusterwatchrule bad scope",
    ),
    pytest.param(target(), {"spec": None}, "spec: Required value", id="object without spec"),
    pytest.param(
        target(),
        _spec(suspend=True),
        'strict decoding error: unknown field "spec.suspend"',
        id="unknown spec field",
    ),
]


@pytest.mark.parametrize(("valid", "changes", "message"), INVALID)
def test_invalid_object_is_rejected_with_a_clear_message(
    objects: Objects, namespace: str, valid: JSON, changes: JSON, message: str
) -> None:
    body = with_changes(valid, changes)

    rejection = _rejection(objects, body, _scope(body, namespace))

    assert rejection.status in (400, 422)
    assert message in error_message(rejection)


VALID = [
    pytest.param(provider(), _spec(url="https://github.com/org/repo.git"), id="https url"),
    pytest.param(provider(), _spec(url="http://127.0.0.1:3000/org/repo"), id="http url with port"),
    pytest.param(
        provider(), _spec(url="ssh://git@git.example.com:2222/org/repo.git"), id="ssh url"
    ),
    pytest.param(provider(), _spec(url="git@github.com:org/repo.git"), id="scp-like url"),
    pytest.param(provider(), _spec(allowedBranches=["main", "release/*", "team-?"]), id="globs"),
    pytest.param(provider(), _spec(push={"interval": "1h30m", "maxCommits": 1}), id="1h30m"),
    pytest.param(provider(), _spec(push={"interval": "1.5s"}), id="fractional duration"),
    pytest.param(target(), _spec(branch="feature/login-v2.1"), id="branch with / . -"),
    pytest.param(target(), _spec(path="clusters/prod.eu_west-1/apps"), id="nested path"),
    pytest.param(target(), _spec(path="a..b"), id="path segment containing two dots"),
    pytest.param(
        target(), _spec(path="backup/.gitops/git~2"), id="path segments that only start like .git"
    ),
    pytest.param(
        target(),
        _spec(
            providerRef={
                "group": "source.toolkit.fluxcd.io",
                "kind": "GitRepository",
                "name": "flux-system",
            }
        ),
        id="flux GitRepository provider",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["secrets"]}]),
        id="core group",
    ),
    pytest.param(
        watch_rule(),
        _spec(rules=[{"apiGroups": ["networking.k8s.io"], "resources": ["*"]}]),
        id="every resource of a group",
    ),
    pytest.param(
        cluster_watch_rule("valid"),
        _spec(rules=[{"resources": ["clusterroles"], "apiGroups": ["rbac.authorization.k8s.io"]}]),
        id="cluster rule with a group",
    ),
]


@pytest.mark.parametrize(("valid", "changes"), VALID)
def test_valid_object_is_accepted(
    objects: Objects, namespace: str, cluster_name: str, valid: JSON, changes: JSON
) -> None:
    body = with_changes(valid, changes)
    if body["kind"] == "ClusterWatchRule":
        body["metadata"]["name"] = cluster_name

    created = objects.create(body, _scope(body, namespace))

    assert created["metadata"]["uid"]
