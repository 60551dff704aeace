"""grant_worker_read lets the worker read chosen types for one test, and takes it back.

It stands in for ClusterRole aggregation (no kube-controller-manager runs here), so
every check acts as the worker with its own token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import ControlPlane, grant_worker_read

OK, FORBIDDEN = 200, 403


def _status(request: Callable[[], object]) -> int:
    try:
        request()
    except ApiException as error:
        return error.status or 0
    return OK


@pytest.fixture
def other_namespace(k8s: client.ApiClient) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(k8s)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def test_a_namespaced_grant_lets_the_worker_read_only_there_until_revoked(
    control_plane: ControlPlane, namespace: str, other_namespace: str
) -> None:
    core = client.CoreV1Api(control_plane.worker_client())

    def reads() -> dict[str, int]:
        return {
            "configmaps here": _status(lambda: core.list_namespaced_config_map(namespace)),
            "secrets here": _status(lambda: core.list_namespaced_secret(namespace)),
            "configmaps elsewhere": _status(
                lambda: core.list_namespaced_config_map(other_namespace)
            ),
        }

    before = reads()
    revoke = grant_worker_read(
        control_plane, resources=[("", "configmaps"), ("", "secrets")], namespace=namespace
    )
    granted = reads()
    revoke()

    assert before == {"configmaps here": 403, "secrets here": 403, "configmaps elsewhere": 403}
    assert granted == {"configmaps here": 200, "secrets here": 200, "configmaps elsewhere": 403}
    assert reads() == before


def test_a_cluster_grant_lets_the_worker_read_cluster_scoped_kinds_until_revoked(
    control_plane: ControlPlane,
) -> None:
    core = client.CoreV1Api(control_plane.worker_client())

    def list_namespaces() -> int:
        return _status(core.list_namespace)

    before = list_namespaces()
    with grant_worker_read(control_plane, resources=[("", "namespaces")], namespace=None):
        granted = list_namespaces()
    after = list_namespaces()

    assert (before, granted, after) == (FORBIDDEN, OK, FORBIDDEN)


def test_a_grant_covers_other_api_groups(control_plane: ControlPlane, namespace: str) -> None:
    apps = client.AppsV1Api(control_plane.worker_client())

    with grant_worker_read(control_plane, resources=[("apps", "deployments")], namespace=namespace):
        granted = _status(lambda: apps.list_namespaced_deployment(namespace))

    assert granted == OK


@pytest.mark.parametrize("namespaced", [True, False], ids=["RoleBinding", "ClusterRoleBinding"])
def test_revoking_deletes_the_role_and_its_binding(
    control_plane: ControlPlane, k8s: client.ApiClient, namespace: str, namespaced: bool
) -> None:
    rbac = client.RbacAuthorizationV1Api(k8s)
    grant = grant_worker_read(
        control_plane, resources=[("", "configmaps")], namespace=namespace if namespaced else None
    )

    def exists() -> tuple[bool, bool]:
        binding = (
            (lambda: rbac.read_namespaced_role_binding(grant.name, namespace))
            if namespaced
            else (lambda: rbac.read_cluster_role_binding(grant.name))
        )
        return _status(lambda: rbac.read_cluster_role(grant.name)) == OK, _status(binding) == OK

    created = exists()
    grant.revoke()
    grant.revoke()  # a second revoke (e.g. an explicit one, then the finalizer) is harmless

    assert (created, exists()) == ((True, True), (False, False))


def test_a_grant_needs_at_least_one_resource(control_plane: ControlPlane) -> None:
    with pytest.raises(ValueError, match="at least one"):
        grant_worker_read(control_plane, resources=[], namespace=None)
