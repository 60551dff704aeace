"""The operator's ServiceAccount can do what the worker and the bridge need, and no more.

Tests act as the operator (its own credentials): real requests where they leave no
trace beyond the test namespace, and SelfSubjectAccessReviews (the operator asking the
API server "may I?") for the rest of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import OPERATOR_NAMESPACE
from tests.integration.api.resources import Objects, target

LEASE = "gitops-reverser-bridge"
KINDS = ["gitproviders", "gittargets", "watchrules", "clusterwatchrules"]


@dataclass(frozen=True)
class Access:
    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    namespace: str = "team-a"
    name: str = ""

    def __str__(self) -> str:
        resource = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        group = f".{self.group}" if self.group else ""
        return f"{self.verb} {resource}{group}{' ' + self.name if self.name else ''}"


def _may(operator: client.ApiClient, access: Access) -> bool:
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                verb=access.verb,
                group=access.group,
                resource=access.resource,
                subresource=access.subresource or None,
                namespace=access.namespace or None,
                name=access.name or None,
            )
        )
    )
    answer = client.AuthorizationV1Api(operator).create_self_subject_access_review(review)
    return bool(answer.status and answer.status.allowed)


def _denied(call: Any, *args: Any, **kwargs: Any) -> int | None:
    """The HTTP status of the error the call raises."""
    with pytest.raises(ApiException) as error:
        call(*args, **kwargs)
    return error.value.status


NEEDED = [
    *(
        pytest.param(Access(verb, kind, "configbutler.ai"), id=f"worker+bridge: {verb} {kind}")
        for kind in KINDS
        for verb in ("get", "list", "watch")
    ),
    *(
        pytest.param(Access("patch", kind, "configbutler.ai"), id=f"bridge finalizers: {kind}")
        for kind in KINDS
    ),
    *(
        pytest.param(
            Access("patch", kind, "configbutler.ai", "status"), id=f"bridge status: {kind}"
        )
        for kind in KINDS
    ),
    pytest.param(
        Access("get", "gitrepositories", "source.toolkit.fluxcd.io"),
        id="worker validate: get Flux GitRepository",
    ),
    pytest.param(Access("get", "secrets"), id="worker: read credentials and age key"),
    pytest.param(Access("create", "secrets"), id="worker ensure-key: create age key Secret"),
    pytest.param(Access("create", "events"), id="worker+bridge: record Events"),
    pytest.param(Access("create", "events", "events.k8s.io"), id="events.k8s.io Events"),
    pytest.param(
        Access("create", "leases", "coordination.k8s.io", namespace=OPERATOR_NAMESPACE),
        id="bridge leader election: create Lease",
    ),
    *(
        pytest.param(
            Access(verb, "leases", "coordination.k8s.io", namespace=OPERATOR_NAMESPACE, name=LEASE),
            id=f"bridge leader election: {verb} its Lease",
        )
        for verb in ("get", "update")
    ),
]

NOT_NEEDED = [
    pytest.param(Access("list", "secrets"), id="list Secrets"),
    pytest.param(Access("watch", "secrets"), id="watch Secrets"),
    pytest.param(Access("update", "secrets"), id="overwrite a Secret"),
    pytest.param(Access("patch", "secrets"), id="patch a Secret"),
    pytest.param(Access("delete", "secrets"), id="delete a Secret"),
    pytest.param(Access("create", "gittargets", "configbutler.ai"), id="create GitTargets"),
    pytest.param(Access("update", "gittargets", "configbutler.ai"), id="replace GitTarget spec"),
    pytest.param(Access("delete", "gittargets", "configbutler.ai"), id="delete GitTargets"),
    pytest.param(Access("delete", "gitproviders", "configbutler.ai"), id="delete GitProviders"),
    pytest.param(Access("create", "watchrules", "configbutler.ai"), id="create WatchRules"),
    pytest.param(
        Access("create", "clusterwatchrules", "configbutler.ai", namespace=""),
        id="create ClusterWatchRules",
    ),
    pytest.param(
        Access("update", "gittargets", "configbutler.ai", "status"), id="replace status (PUT)"
    ),
    pytest.param(
        Access("list", "gitrepositories", "source.toolkit.fluxcd.io"), id="list GitRepositories"
    ),
    pytest.param(
        Access("patch", "gitrepositories", "source.toolkit.fluxcd.io"),
        id="change Flux GitRepositories",
    ),
    pytest.param(Access("list", "configmaps"), id="read watched types without opting in"),
    pytest.param(Access("list", "pods"), id="list Pods"),
    pytest.param(Access("create", "pods", subresource="exec"), id="exec into Pods"),
    pytest.param(Access("create", "serviceaccounts", subresource="token"), id="mint tokens"),
    pytest.param(
        Access("create", "leases", "coordination.k8s.io", namespace="kube-system"),
        id="Leases outside the operator namespace",
    ),
    pytest.param(
        Access(
            "update", "leases", "coordination.k8s.io", namespace=OPERATOR_NAMESPACE, name="other"
        ),
        id="another component's Lease",
    ),
    pytest.param(
        Access("delete", "leases", "coordination.k8s.io", namespace=OPERATOR_NAMESPACE, name=LEASE),
        id="delete its Lease",
    ),
    pytest.param(
        Access("create", "clusterrolebindings", "rbac.authorization.k8s.io", namespace=""),
        id="grant itself more (ClusterRoleBindings)",
    ),
    pytest.param(
        Access("escalate", "clusterroles", "rbac.authorization.k8s.io", namespace=""),
        id="escalate ClusterRoles",
    ),
    pytest.param(Access("impersonate", "users", namespace=""), id="impersonate users"),
    pytest.param(
        Access("create", "customresourcedefinitions", "apiextensions.k8s.io", namespace=""),
        id="install CRDs",
    ),
    pytest.param(Access("delete", "namespaces", namespace=""), id="delete Namespaces"),
]


@pytest.mark.parametrize("access", NEEDED)
def test_operator_may_do_what_worker_and_bridge_need(
    operator_client: client.ApiClient, access: Access
) -> None:
    assert _may(operator_client, access), f"operator may not {access}"


@pytest.mark.parametrize("access", NOT_NEEDED)
def test_operator_may_not_do_what_neither_needs(
    operator_client: client.ApiClient, access: Access
) -> None:
    assert not _may(operator_client, access), f"operator may {access}"


# Real requests with the operator's credentials.


@pytest.fixture
def as_operator(operator_client: client.ApiClient) -> Objects:
    return Objects(operator_client)


def _secret(name: str, value: str = "c2VjcmV0") -> client.V1Secret:
    return client.V1Secret(
        metadata=client.V1ObjectMeta(name=name), type="Opaque", data={"SOPS_AGE_KEY": value}
    )


def test_operator_lists_gittargets_in_every_namespace(
    objects: Objects, as_operator: Objects, namespace: str
) -> None:
    objects.create(target(), namespace)

    listed = as_operator.api.list_cluster_custom_object("configbutler.ai", "v1alpha1", "gittargets")

    assert (namespace, "target") in {
        (item["metadata"]["namespace"], item["metadata"]["name"]) for item in listed["items"]
    }


def test_operator_writes_gittarget_status(
    objects: Objects, as_operator: Objects, namespace: str
) -> None:
    objects.create(target(), namespace)

    updated = as_operator.patch_status("GitTarget", "target", namespace, {"phase": "PENDING"})

    assert updated["status"]["phase"] == "PENDING"


def test_operator_adds_and_removes_its_finalizer(
    objects: Objects, as_operator: Objects, namespace: str
) -> None:
    objects.create(target(), namespace)
    finalizer = "configbutler.ai/finalizer"

    added = as_operator.patch(
        "GitTarget", "target", namespace, {"metadata": {"finalizers": [finalizer]}}
    )
    removed = as_operator.patch(
        "GitTarget", "target", namespace, {"metadata": {"finalizers": None}}
    )

    assert added["metadata"]["finalizers"] == [finalizer]
    assert "finalizers" not in removed["metadata"]


def test_operator_cannot_replace_a_gittarget(
    objects: Objects, operator_client: client.ApiClient, namespace: str
) -> None:
    stored = objects.create(target(), namespace)
    stored["spec"]["encryption"] = {"secretRef": {"name": "age-key"}}
    api: Any = client.CustomObjectsApi(operator_client)

    status = _denied(
        api.replace_namespaced_custom_object,
        "configbutler.ai",
        "v1alpha1",
        namespace,
        "gittargets",
        "target",
        stored,
    )

    assert status == 403


def test_operator_cannot_create_a_gittarget(as_operator: Objects, namespace: str) -> None:
    assert _denied(as_operator.create, target(), namespace) == 403


def test_operator_reads_a_credentials_secret(
    k8s: client.ApiClient, operator_client: client.ApiClient, namespace: str
) -> None:
    client.CoreV1Api(k8s).create_namespaced_secret(namespace, _secret("git-credentials"))

    read = client.CoreV1Api(operator_client).read_namespaced_secret("git-credentials", namespace)

    assert read.data == {"SOPS_AGE_KEY": "c2VjcmV0"}


def test_operator_creates_the_age_key_secret(
    operator_client: client.ApiClient, namespace: str
) -> None:
    created = client.CoreV1Api(operator_client).create_namespaced_secret(
        namespace, _secret("sops-age-key")
    )

    assert created.metadata is not None
    assert created.metadata.name == "sops-age-key"


def test_operator_cannot_overwrite_an_existing_secret(
    k8s: client.ApiClient, operator_client: client.ApiClient, namespace: str
) -> None:
    client.CoreV1Api(k8s).create_namespaced_secret(namespace, _secret("sops-age-key"))

    status = _denied(
        client.CoreV1Api(operator_client).replace_namespaced_secret,
        "sops-age-key",
        namespace,
        _secret("sops-age-key", "b3RoZXI="),
    )

    assert status == 403


def test_operator_cannot_delete_a_secret(
    k8s: client.ApiClient, operator_client: client.ApiClient, namespace: str
) -> None:
    client.CoreV1Api(k8s).create_namespaced_secret(namespace, _secret("sops-age-key"))

    status = _denied(
        client.CoreV1Api(operator_client).delete_namespaced_secret, "sops-age-key", namespace
    )

    assert status == 403


def test_operator_cannot_list_secrets(operator_client: client.ApiClient, namespace: str) -> None:
    status = _denied(client.CoreV1Api(operator_client).list_namespaced_secret, namespace)

    assert status == 403


def test_operator_records_an_event_on_a_gittarget(
    objects: Objects, operator_client: client.ApiClient, namespace: str
) -> None:
    created = objects.create(target(), namespace)
    event = client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name="target."),
        involved_object=client.V1ObjectReference(
            api_version="configbutler.ai/v1alpha1",
            kind="GitTarget",
            name="target",
            namespace=namespace,
            uid=created["metadata"]["uid"],
        ),
        reason="KeyGenerated",
        message="generated an age key",
        type="Normal",
    )

    recorded = client.CoreV1Api(operator_client).create_namespaced_event(namespace, event)

    assert recorded.reason == "KeyGenerated"


def test_operator_creates_its_leader_election_lease(operator_client: client.ApiClient) -> None:
    lease = client.V1Lease(
        metadata=client.V1ObjectMeta(name=LEASE),
        spec=client.V1LeaseSpec(holder_identity="rbac-test", lease_duration_seconds=15),
    )

    # Dry run: authorised and admitted like a real create, but stored nowhere, so the
    # bridge's own tests find no Lease held by this test.
    created = client.CoordinationV1Api(operator_client).create_namespaced_lease(
        OPERATOR_NAMESPACE, lease, dry_run="All"
    )

    assert created.spec is not None
    assert created.spec.holder_identity == "rbac-test"


def test_operator_cannot_read_pods(operator_client: client.ApiClient, namespace: str) -> None:
    assert _denied(client.CoreV1Api(operator_client).list_namespaced_pod, namespace) == 403
