"""The chart's RBAC, proven by acting as each ServiceAccount against the real API server.

Each release is rendered, applied for real into its own namespace and removed at the end
of the module. Requests are sent by the admin impersonating the ServiceAccount's user,
so only the release's own roles decide them (the harness's crds/rbac bind other names).
Reads are real; writes are dry runs or address objects the test made.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import ControlPlane
from tests.harness.process import wait_until
from tests.integration.api.resources import PLURALS, target
from tests.integration.install.chart import Chart
from workflows.api import GROUP, VERSION

OK, FORBIDDEN = 200, 403
NEEDED = ["git-credentials", "sops-age-key"]
UNRELATED = "database-password"


@dataclass(frozen=True)
class Release:
    """One applied release: where it runs and the namespaces it was given to read."""

    name: str
    namespace: str
    team: str  # holds GitProviders and GitTargets; named in rbac.secrets.namespaces
    other: str  # holds Secrets nobody granted
    plane: ControlPlane

    def as_(self, component: str) -> client.ApiClient:
        api = config.new_client_from_config(config_file=str(self.plane.admin_kubeconfig))
        user = f"system:serviceaccount:{self.namespace}:{self.name}-{component}"
        # Any: the stubs leave out set_default_header.
        cast(Any, api).set_default_header("Impersonate-User", user)
        return api


def _status(request: Callable[[], object]) -> int:
    try:
        request()
    except ApiException as error:
        return error.status or 0
    return OK


def _secret(name: str) -> client.V1Secret:
    return client.V1Secret(metadata=client.V1ObjectMeta(name=name), data={"token": "c2VjcmV0"})


@pytest.fixture(scope="module")
def install(
    chart: Chart,
    control_plane: ControlPlane,
    k8s: client.ApiClient,
    make_namespace: Callable[[], str],
) -> Iterator[Callable[[dict[str, Any]], Release]]:
    """Apply a release with extra values; every namespace starts with the same Secrets."""
    manifests: list[str] = []
    core = client.CoreV1Api(k8s)

    def apply(values: dict[str, Any]) -> Release:
        namespace, team, other = make_namespace(), make_namespace(), make_namespace()
        name = f"r{uuid.uuid4().hex[:8]}"
        for where in (team, other):
            for secret in (*NEEDED, UNRELATED):
                core.create_namespaced_secret(where, _secret(secret))
        grant = {"namespace": team, "names": NEEDED, "create": True}
        rbac = {"secrets": {"namespaces": [grant]}} | values.get("rbac", {})
        manifest = chart.render(
            {**values, "fullnameOverride": name, "rbac": rbac}, release=name, namespace=namespace
        )
        control_plane.kubectl("apply", "-f", "-", stdin=manifest)
        manifests.append(manifest)
        release = Release(name, namespace, team, other, control_plane)
        worker = client.CoreV1Api(release.as_("worker"))
        wait_until(
            lambda: _status(lambda: worker.read_namespaced_secret(NEEDED[0], team)) == OK,
            timeout=30,
            what="the release's RBAC",
        )
        return release

    yield apply
    for manifest in manifests:
        control_plane.kubectl(
            "delete", "--ignore-not-found", "--wait=false", "-f", "-", stdin=manifest
        )


@pytest.fixture(scope="module")
def release(install: Callable[[dict[str, Any]], Release]) -> Release:
    """A release with default values plus the one secret grant for the team namespace."""
    return install({})


@pytest.fixture
def git_target(k8s: client.ApiClient, release: Release) -> str:
    body = target(f"t-{uuid.uuid4().hex[:8]}")
    api: Any = client.CustomObjectsApi(k8s)
    api.create_namespaced_custom_object(GROUP, VERSION, release.team, PLURALS["GitTarget"], body)
    return str(body["metadata"]["name"])


@pytest.mark.parametrize(("component", "expected"), [("bridge", OK), ("worker", FORBIDDEN)])
def test_only_the_bridge_patches_gittarget_status(
    release: Release, git_target: str, component: str, expected: int
) -> None:
    api: Any = client.CustomObjectsApi(release.as_(component))

    status = _status(
        lambda: api.patch_namespaced_custom_object_status(
            GROUP,
            VERSION,
            release.team,
            PLURALS["GitTarget"],
            git_target,
            {"status": {"observedGeneration": 1}},
        )
    )

    assert status == expected


@pytest.mark.parametrize(("component", "expected"), [("bridge", OK), ("worker", FORBIDDEN)])
def test_only_the_bridge_sets_finalizers(
    release: Release, git_target: str, component: str, expected: int
) -> None:
    api: Any = client.CustomObjectsApi(release.as_(component))

    status = _status(
        lambda: api.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            release.team,
            PLURALS["GitTarget"],
            git_target,
            {"metadata": {"finalizers": ["configbutler.ai/gittarget-lifecycle"]}},
            dry_run="All",
        )
    )

    assert status == expected


@pytest.mark.parametrize("secret", NEEDED)
def test_the_worker_gets_the_credentials_and_key_secrets_it_was_granted(
    release: Release, secret: str
) -> None:
    core = client.CoreV1Api(release.as_("worker"))

    assert core.read_namespaced_secret(secret, release.team).data == {"token": "c2VjcmV0"}


@pytest.mark.parametrize(
    "where", ["an unrelated Secret beside them", "the same names in another namespace"]
)
def test_the_worker_cannot_get_a_secret_it_was_not_granted(release: Release, where: str) -> None:
    core = client.CoreV1Api(release.as_("worker"))
    name, namespace = {
        "an unrelated Secret beside them": (UNRELATED, release.team),
        "the same names in another namespace": (NEEDED[0], release.other),
    }[where]

    assert _status(lambda: core.read_namespaced_secret(name, namespace)) == FORBIDDEN


def test_the_worker_creates_a_key_secret_only_in_a_granted_namespace(release: Release) -> None:
    core = client.CoreV1Api(release.as_("worker"))

    def create(namespace: str) -> int:
        key = _secret(f"key-{uuid.uuid4().hex[:6]}")
        return _status(lambda: core.create_namespaced_secret(namespace, key, dry_run="All"))

    assert (create(release.team), create(release.other)) == (OK, FORBIDDEN)


def test_the_worker_never_changes_a_granted_secret(release: Release) -> None:
    core = client.CoreV1Api(release.as_("worker"))
    patch = {"metadata": {"labels": {"changed": "yes"}}}

    assert (
        _status(lambda: core.patch_namespaced_secret(NEEDED[1], release.team, patch, dry_run="All"))
        == FORBIDDEN
    )
    assert (
        _status(lambda: core.delete_namespaced_secret(NEEDED[1], release.team, dry_run="All"))
        == FORBIDDEN
    )


@pytest.mark.parametrize("component", ["worker", "bridge"])
def test_neither_lists_secrets_by_default(release: Release, component: str) -> None:
    core = client.CoreV1Api(release.as_(component))

    assert _status(core.list_secret_for_all_namespaces) == FORBIDDEN
    assert _status(lambda: core.list_namespaced_secret(release.team)) == FORBIDDEN


def test_the_bridge_cannot_get_any_secret(release: Release) -> None:
    core = client.CoreV1Api(release.as_("bridge"))

    assert _status(lambda: core.read_namespaced_secret(NEEDED[0], release.team)) == FORBIDDEN


@pytest.mark.parametrize(("component", "expected"), [("bridge", OK), ("worker", FORBIDDEN)])
def test_only_the_bridge_creates_its_lease_in_the_release_namespace(
    release: Release, component: str, expected: int
) -> None:
    coordination = client.CoordinationV1Api(release.as_(component))
    lease = client.V1Lease(metadata=client.V1ObjectMeta(name="gitops-reverser-bridge"))

    assert (
        _status(
            lambda: coordination.create_namespaced_lease(release.namespace, lease, dry_run="All")
        )
        == expected
    )


def test_a_cluster_wide_value_lets_the_worker_get_any_secret_by_name_but_not_list(
    install: Callable[[dict[str, Any]], Release],
) -> None:
    granted = install({"rbac": {"secrets": {"clusterWide": True}}})
    worker = client.CoreV1Api(granted.as_("worker"))

    assert _status(lambda: worker.read_namespaced_secret(UNRELATED, granted.other)) == OK
    assert _status(worker.list_secret_for_all_namespaces) == FORBIDDEN


def test_the_watch_all_value_lets_only_the_worker_list_secrets_cluster_wide(
    install: Callable[[dict[str, Any]], Release],
) -> None:
    granted = install({"rbac": {"watchAllResources": True}})
    listing = {
        component: _status(client.CoreV1Api(granted.as_(component)).list_secret_for_all_namespaces)
        for component in ("worker", "bridge")
    }

    assert listing == {"worker": OK, "bridge": FORBIDDEN}
