"""The worker and the bridge can each do what their own code needs, and no more.

Every test acts as the identity it is about, with that ServiceAccount's own token. Real
requests wherever they leave no trace beyond the test namespace: objects elsewhere are
addressed with dry runs or by names that do not exist, which works because the API
server authorizes a request before it looks the object up (403 means "not allowed"; a
404 or 409 means the request was allowed). The one exception is a ClusterWatchRule the
admin creates for the per-kind tests and deletes after them. What no request can show
without touching the cluster (escalate, impersonate, ...) is asked with
SelfSubjectAccessReviews.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import OPERATOR_NAMESPACE, ControlPlane, Identity
from tests.harness.process import wait_until
from tests.integration.api.resources import (
    JSON,
    PLURALS,
    Objects,
    cluster_watch_rule,
    provider,
    target,
    watch_rule,
)
from workflows.api import GROUP, VERSION

WATCH_ALL = (
    Path(__file__).resolve().parents[3] / "crds" / "rbac" / "optional" / "watch-all-resources.yaml"
)
WORKER, BRIDGE = Identity.WORKER, Identity.BRIDGE
OK, FORBIDDEN = 200, 403
LEASE = "gitops-reverser-bridge"
FINALIZER = "configbutler.ai/finalizer"
FLUX_GROUP, FLUX_VERSION, FLUX_PLURAL = "source.toolkit.fluxcd.io", "v1", "gitrepositories"
MISSING = "does-not-exist"
KINDS = ["GitProvider", "GitTarget", "WatchRule", "ClusterWatchRule"]
NAMESPACED_BODIES: dict[str, Callable[[], JSON]] = {
    "GitProvider": provider,
    "GitTarget": target,
    "WatchRule": watch_rule,
}

Request = Callable[[], object]


def _status(request: Request) -> int:
    """The HTTP status the request gets (any success is 200); a watch is closed at once."""
    try:
        response = request()
    except ApiException as error:
        return error.status or 0
    if isinstance(response, urllib3.BaseHTTPResponse):
        response.close()
    return OK


def _watch(list_call: Callable[..., object], *args: str) -> Request:
    """Open a watch with a list method (closed by ``_status`` once it is accepted)."""
    return lambda: list_call(*args, watch=True, _preload_content=False)


def _allowed(status: int) -> bool:
    return status != FORBIDDEN


def _custom(plane: ControlPlane, identity: Identity) -> Any:
    # Any: the stubs say these methods return None; they return the object as a dict.
    return client.CustomObjectsApi(plane.api_client(identity))


# Our kinds


@dataclass(frozen=True)
class Subject:
    """One of our custom resources, created by the admin for a test."""

    kind: str
    name: str
    namespace: str | None

    @property
    def plural(self) -> str:
        return PLURALS[self.kind]


@pytest.fixture(params=KINDS)
def subject(request: pytest.FixtureRequest, objects: Objects, namespace: str) -> Iterator[Subject]:
    kind: str = request.param
    if kind == "ClusterWatchRule":
        created = objects.create(cluster_watch_rule(f"t-{uuid.uuid4().hex[:8]}"), None)
        made = Subject(kind, created["metadata"]["name"], None)
    else:
        created = objects.create(NAMESPACED_BODIES[kind](), namespace)
        made = Subject(kind, created["metadata"]["name"], namespace)
    yield made
    # A finalizer left behind would keep a cluster-scoped object forever (no controller).
    objects.patch(made.kind, made.name, made.namespace, {"metadata": {"finalizers": None}})
    if made.namespace is None:
        objects.delete(made.kind, made.name, None)


@pytest.mark.parametrize(("identity", "expected"), [(BRIDGE, (OK, 1)), (WORKER, (FORBIDDEN, None))])
def test_only_the_bridge_patches_status(
    control_plane: ControlPlane,
    objects: Objects,
    subject: Subject,
    identity: Identity,
    expected: tuple[int, int | None],
) -> None:
    as_identity = Objects(control_plane.api_client(identity))

    status = _status(
        lambda: as_identity.patch_status(
            subject.kind, subject.name, subject.namespace, {"observedGeneration": 1}
        )
    )

    stored = objects.get(subject.kind, subject.name, subject.namespace).get("status", {})
    assert (status, stored.get("observedGeneration")) == expected


@pytest.mark.parametrize(
    ("identity", "expected"),
    [(BRIDGE, [(OK, [FINALIZER]), (OK, None)]), (WORKER, [(FORBIDDEN, None), (FORBIDDEN, None)])],
)
def test_only_the_bridge_adds_and_removes_its_finalizer(
    control_plane: ControlPlane,
    objects: Objects,
    subject: Subject,
    identity: Identity,
    expected: list[tuple[int, list[str] | None]],
) -> None:
    as_identity = Objects(control_plane.api_client(identity))

    def set_finalizers(finalizers: list[str] | None) -> tuple[int, list[str] | None]:
        status = _status(
            lambda: as_identity.patch(
                subject.kind,
                subject.name,
                subject.namespace,
                {"metadata": {"finalizers": finalizers}},
            )
        )
        stored = objects.get(subject.kind, subject.name, subject.namespace)["metadata"]
        return status, stored.get("finalizers")

    assert [set_finalizers([FINALIZER]), set_finalizers(None)] == expected


@pytest.mark.parametrize("identity", [WORKER, BRIDGE])
def test_both_get_list_and_watch_every_kind_in_every_namespace(
    control_plane: ControlPlane, subject: Subject, identity: Identity
) -> None:
    api = _custom(control_plane, identity)
    if subject.namespace is None:
        got = api.get_cluster_custom_object(GROUP, VERSION, subject.plural, subject.name)
    else:
        got = api.get_namespaced_custom_object(
            GROUP, VERSION, subject.namespace, subject.plural, subject.name
        )

    listed = api.list_cluster_custom_object(GROUP, VERSION, subject.plural)
    watched = _status(_watch(api.list_cluster_custom_object, GROUP, VERSION, subject.plural))

    assert got["metadata"]["name"] == subject.name
    assert subject.name in {item["metadata"]["name"] for item in listed["items"]}
    assert watched == OK


def _kind_requests(api: Any, kind: str, namespace: str) -> dict[str, Request]:
    """Creating, replacing or deleting a kind, or replacing its status with PUT: dry runs
    on a name that does not exist, so nothing is stored even when allowed."""
    plural, cluster = PLURALS[kind], kind == "ClusterWatchRule"
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": kind, "metadata": {"name": MISSING}}
    if cluster:
        return {
            "create": lambda: api.create_cluster_custom_object(
                GROUP, VERSION, plural, body, dry_run="All"
            ),
            "update": lambda: api.replace_cluster_custom_object(
                GROUP, VERSION, plural, MISSING, body, dry_run="All"
            ),
            "update status": lambda: api.replace_cluster_custom_object_status(
                GROUP, VERSION, plural, MISSING, body, dry_run="All"
            ),
            "delete": lambda: api.delete_cluster_custom_object(
                GROUP, VERSION, plural, MISSING, dry_run="All"
            ),
        }
    return {
        "create": lambda: api.create_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, body, dry_run="All"
        ),
        "update": lambda: api.replace_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, MISSING, body, dry_run="All"
        ),
        "update status": lambda: api.replace_namespaced_custom_object_status(
            GROUP, VERSION, namespace, plural, MISSING, body, dry_run="All"
        ),
        "delete": lambda: api.delete_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, MISSING, dry_run="All"
        ),
    }


@pytest.mark.parametrize("verb", ["create", "update", "update status", "delete"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("identity", [WORKER, BRIDGE])
def test_neither_creates_replaces_or_deletes_our_resources(
    control_plane: ControlPlane, namespace: str, identity: Identity, kind: str, verb: str
) -> None:
    request = _kind_requests(_custom(control_plane, identity), kind, namespace)[verb]

    assert _status(request) == FORBIDDEN


# Secrets


@pytest.fixture
def existing_secret(k8s: client.ApiClient, namespace: str) -> str:
    """A Secret the admin created, so get, update, patch and delete would succeed if allowed."""
    name = "git-credentials"
    client.CoreV1Api(k8s).create_namespaced_secret(namespace, _secret(name))
    return name


def _secret(name: str, value: str = "c2VjcmV0") -> client.V1Secret:
    return client.V1Secret(
        metadata=client.V1ObjectMeta(name=name), type="Opaque", data={"SOPS_AGE_KEY": value}
    )


def _secret_requests(core: client.CoreV1Api, namespace: str, existing: str) -> dict[str, Request]:
    return {
        "get": lambda: core.read_namespaced_secret(existing, namespace),
        "list": lambda: core.list_namespaced_secret(namespace),
        "watch": _watch(core.list_namespaced_secret, namespace),
        "create": lambda: core.create_namespaced_secret(namespace, _secret("sops-age-key")),
        "update": lambda: core.replace_namespaced_secret(
            existing, namespace, _secret(existing, "b3RoZXI=")
        ),
        "patch": lambda: core.patch_namespaced_secret(
            existing, namespace, {"metadata": {"labels": {"changed": "yes"}}}
        ),
        "delete": lambda: core.delete_namespaced_secret(existing, namespace),
    }


SECRET_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]


@pytest.mark.parametrize(
    ("verb", "expected"),
    [(verb, OK if verb in {"get", "create"} else FORBIDDEN) for verb in SECRET_VERBS],
)
def test_the_worker_only_gets_and_creates_secrets(
    control_plane: ControlPlane, namespace: str, existing_secret: str, verb: str, expected: int
) -> None:
    core = client.CoreV1Api(control_plane.worker_client())

    assert _status(_secret_requests(core, namespace, existing_secret)[verb]) == expected


def test_the_worker_reads_what_a_credentials_secret_holds(
    control_plane: ControlPlane, namespace: str, existing_secret: str
) -> None:
    read = client.CoreV1Api(control_plane.worker_client()).read_namespaced_secret(
        existing_secret, namespace
    )

    assert read.data == {"SOPS_AGE_KEY": "c2VjcmV0"}


@pytest.mark.parametrize("verb", SECRET_VERBS)
def test_the_bridge_can_do_nothing_with_secrets(
    control_plane: ControlPlane, namespace: str, existing_secret: str, verb: str
) -> None:
    core = client.CoreV1Api(control_plane.bridge_client())

    assert _status(_secret_requests(core, namespace, existing_secret)[verb]) == FORBIDDEN


# Leader election


def _lease_requests(coordination: client.CoordinationV1Api) -> dict[str, Request]:
    """Dry runs in the operator namespace: authorised and admitted like real requests but
    stored nowhere, so the bridge's own tests never find a Lease held by this file."""
    lease = client.V1Lease(
        metadata=client.V1ObjectMeta(name=LEASE),
        spec=client.V1LeaseSpec(holder_identity="rbac-test", lease_duration_seconds=15),
    )
    return {
        "create": lambda: coordination.create_namespaced_lease(
            OPERATOR_NAMESPACE, lease, dry_run="All"
        ),
        "get": lambda: coordination.read_namespaced_lease(LEASE, OPERATOR_NAMESPACE),
        "update": lambda: coordination.replace_namespaced_lease(
            LEASE, OPERATOR_NAMESPACE, lease, dry_run="All"
        ),
        "delete": lambda: coordination.delete_namespaced_lease(
            LEASE, OPERATOR_NAMESPACE, dry_run="All"
        ),
        "get another Lease": lambda: coordination.read_namespaced_lease(
            "kube-scheduler", OPERATOR_NAMESPACE
        ),
        "create outside the operator namespace": lambda: coordination.create_namespaced_lease(
            "kube-system", lease, dry_run="All"
        ),
    }


@pytest.mark.parametrize("verb", ["create", "get", "update"])
@pytest.mark.parametrize(("identity", "allowed"), [(BRIDGE, True), (WORKER, False)])
def test_only_the_bridge_creates_reads_and_renews_its_lease(
    control_plane: ControlPlane, identity: Identity, allowed: bool, verb: str
) -> None:
    coordination = client.CoordinationV1Api(control_plane.api_client(identity))

    assert _allowed(_status(_lease_requests(coordination)[verb])) is allowed


@pytest.mark.parametrize(
    "verb", ["delete", "get another Lease", "create outside the operator namespace"]
)
def test_the_bridge_touches_no_lease_but_its_own_and_never_deletes_it(
    control_plane: ControlPlane, verb: str
) -> None:
    coordination = client.CoordinationV1Api(control_plane.bridge_client())

    assert _status(_lease_requests(coordination)[verb]) == FORBIDDEN


# Flux GitRepositories


@pytest.fixture
def flux_repository(k8s: client.ApiClient, namespace: str) -> str:
    body = {
        "apiVersion": f"{FLUX_GROUP}/{FLUX_VERSION}",
        "kind": "GitRepository",
        "metadata": {"name": "flux-system"},
        "spec": {
            "url": "ssh://git@git.example.com/org/fleet.git",
            "secretRef": {"name": "flux-system"},
            "ref": {"branch": "main"},
            "interval": "1m",
        },
    }
    api: Any = client.CustomObjectsApi(k8s)
    api.create_namespaced_custom_object(FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL, body)
    return "flux-system"


def test_the_worker_gets_a_flux_gitrepository_by_name(
    control_plane: ControlPlane, namespace: str, flux_repository: str
) -> None:
    got = _custom(control_plane, WORKER).get_namespaced_custom_object(
        FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL, flux_repository
    )

    assert got["spec"]["url"] == "ssh://git@git.example.com/org/fleet.git"
    assert got["spec"]["secretRef"] == {"name": "flux-system"}


def test_the_bridge_watches_flux_gitrepositories(
    control_plane: ControlPlane, namespace: str, flux_repository: str
) -> None:
    api = _custom(control_plane, BRIDGE)
    watcher = watch.Watch()
    events = watcher.stream(
        api.list_namespaced_custom_object,
        FLUX_GROUP,
        FLUX_VERSION,
        namespace,
        FLUX_PLURAL,
        timeout_seconds=10,
    )

    first: Any = next(iter(events))  # the stream closes when the generator is collected

    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", flux_repository)


def _flux_requests(api: Any, namespace: str, name: str) -> dict[str, Request]:
    return {
        "list": lambda: api.list_namespaced_custom_object(
            FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL
        ),
        "watch": _watch(
            api.list_namespaced_custom_object, FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL
        ),
        "patch": lambda: api.patch_namespaced_custom_object(
            FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL, name, {"spec": {"suspend": True}}
        ),
        "delete": lambda: api.delete_namespaced_custom_object(
            FLUX_GROUP, FLUX_VERSION, namespace, FLUX_PLURAL, name, dry_run="All"
        ),
    }


@pytest.mark.parametrize(
    ("identity", "verb"),
    [(WORKER, "list"), (WORKER, "watch"), (WORKER, "patch"), (BRIDGE, "patch")]
    + [(identity, "delete") for identity in (WORKER, BRIDGE)],
)
def test_neither_changes_flux_objects_and_the_worker_only_reads_them_by_name(
    control_plane: ControlPlane,
    namespace: str,
    flux_repository: str,
    identity: Identity,
    verb: str,
) -> None:
    request = _flux_requests(_custom(control_plane, identity), namespace, flux_repository)[verb]

    assert _status(request) == FORBIDDEN


# Events


def _regarding(namespace: str) -> client.V1ObjectReference:
    return client.V1ObjectReference(
        api_version=f"{GROUP}/{VERSION}", kind="GitTarget", name="target", namespace=namespace
    )


def _events_v1_event(namespace: str) -> client.EventsV1Event:
    return client.EventsV1Event(
        metadata=client.V1ObjectMeta(generate_name="target-"),
        event_time=datetime.now(UTC),
        reporting_controller="configbutler.ai/gitops-reverser",
        reporting_instance="rbac-test",
        action="GenerateKey",
        reason="KeyGenerated",
        note="generated an age key",
        type="Normal",
        regarding=_regarding(namespace),
    )


@pytest.fixture
def existing_event(k8s: client.ApiClient, namespace: str) -> str:
    created = client.EventsV1Api(k8s).create_namespaced_event(
        namespace, _events_v1_event(namespace)
    )
    assert created.metadata is not None and created.metadata.name
    return created.metadata.name


def _event_requests(api: client.ApiClient, namespace: str, existing: str) -> dict[str, Request]:
    """Recording an Event, and patching one as a repeat does, in both Event APIs."""
    core, events = client.CoreV1Api(api), client.EventsV1Api(api)
    legacy = client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name="target-"),
        involved_object=_regarding(namespace),
        reason="KeyGenerated",
        message="generated an age key",
        type="Normal",
    )
    repeated = {"series": {"count": 2, "lastObservedTime": datetime.now(UTC).isoformat()}}
    return {
        "create": lambda: core.create_namespaced_event(namespace, legacy),
        "patch": lambda: core.patch_namespaced_event(existing, namespace, {"count": 2}),
        "create events.k8s.io": lambda: events.create_namespaced_event(
            namespace, _events_v1_event(namespace)
        ),
        "patch events.k8s.io": lambda: events.patch_namespaced_event(existing, namespace, repeated),
    }


@pytest.mark.parametrize("verb", ["create", "patch", "create events.k8s.io", "patch events.k8s.io"])
@pytest.mark.parametrize("identity", [WORKER, BRIDGE])
def test_both_record_events_and_bump_repeats(
    control_plane: ControlPlane, namespace: str, existing_event: str, identity: Identity, verb: str
) -> None:
    requests = _event_requests(control_plane.api_client(identity), namespace, existing_event)

    assert _status(requests[verb]) == OK


# Everything else


@pytest.mark.parametrize("verb", ["get", "list", "watch"])
@pytest.mark.parametrize("resource", ["pods", "configmaps"])
@pytest.mark.parametrize("identity", [WORKER, BRIDGE])
def test_neither_reads_pods_or_unselected_types_by_default(
    control_plane: ControlPlane, namespace: str, identity: Identity, resource: str, verb: str
) -> None:
    core = client.CoreV1Api(control_plane.api_client(identity))
    requests: dict[tuple[str, str], Request] = {
        ("pods", "get"): lambda: core.read_namespaced_pod(MISSING, namespace),
        ("pods", "list"): lambda: core.list_namespaced_pod(namespace),
        ("pods", "watch"): _watch(core.list_namespaced_pod, namespace),
        ("configmaps", "get"): lambda: core.read_namespaced_config_map(MISSING, namespace),
        ("configmaps", "list"): lambda: core.list_namespaced_config_map(namespace),
        ("configmaps", "watch"): _watch(core.list_namespaced_config_map, namespace),
    }

    assert _status(requests[resource, verb]) == FORBIDDEN


@dataclass(frozen=True)
class Access:
    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    namespace: str = ""


def _may(api: client.ApiClient, access: Access) -> bool:
    """The identity asks the API server whether it may (a SelfSubjectAccessReview)."""
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                verb=access.verb,
                group=access.group,
                resource=access.resource,
                subresource=access.subresource or None,
                namespace=access.namespace or None,
            )
        )
    )
    answer = client.AuthorizationV1Api(api).create_self_subject_access_review(review)
    return bool(answer.status and answer.status.allowed)


PRIVILEGES = {
    "exec into Pods": Access("create", "pods", subresource="exec", namespace="team-a"),
    "mint ServiceAccount tokens": Access(
        "create", "serviceaccounts", subresource="token", namespace=OPERATOR_NAMESPACE
    ),
    "create ClusterRoleBindings": Access(
        "create", "clusterrolebindings", "rbac.authorization.k8s.io"
    ),
    "escalate ClusterRoles": Access("escalate", "clusterroles", "rbac.authorization.k8s.io"),
    "bind ClusterRoles": Access("bind", "clusterroles", "rbac.authorization.k8s.io"),
    "impersonate users": Access("impersonate", "users"),
    "impersonate ServiceAccounts": Access(
        "impersonate", "serviceaccounts", namespace=OPERATOR_NAMESPACE
    ),
    "install CRDs": Access("create", "customresourcedefinitions", "apiextensions.k8s.io"),
    "delete Namespaces": Access("delete", "namespaces"),
}


@pytest.mark.parametrize("privilege", PRIVILEGES)
@pytest.mark.parametrize("identity", [WORKER, BRIDGE])
def test_neither_can_gain_privileges_or_act_as_someone_else(
    control_plane: ControlPlane, identity: Identity, privilege: str
) -> None:
    assert not _may(control_plane.api_client(identity), PRIVILEGES[privilege])


def test_the_opt_in_watch_all_file_lets_only_the_worker_read_everything_without_aggregation(
    control_plane: ControlPlane, namespace: str
) -> None:
    def reads() -> dict[Identity, int]:
        cores = {
            identity: client.CoreV1Api(control_plane.api_client(identity))
            for identity in (WORKER, BRIDGE)
        }
        return {
            identity: _status(partial(core.list_namespaced_config_map, namespace))
            for identity, core in cores.items()
        }

    before = reads()
    control_plane.kubectl("apply", "-f", str(WATCH_ALL))
    try:
        # No aggregation runs here: only the file's own binding can grant this.
        wait_until(lambda: reads()[WORKER] == OK, timeout=30, what="watch-all binding")
        opted_in = reads()
    finally:
        control_plane.kubectl("delete", "-f", str(WATCH_ALL))
        wait_until(lambda: reads() == before, timeout=30, what="watch-all removal")

    assert before == {WORKER: FORBIDDEN, BRIDGE: FORBIDDEN}
    assert opted_in == {WORKER: OK, BRIDGE: FORBIDDEN}
