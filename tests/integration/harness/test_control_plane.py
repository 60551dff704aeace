"""The control plane is a real kube-apiserver: CRDs work and RBAC decides."""

from __future__ import annotations

import uuid

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import BRIDGE_USER, WORKER_USER, ControlPlane, Identity
from tests.harness.process import wait_until

_GROUP = "harness.example.com"


def _widget_crd(plural: str) -> dict[str, object]:
    kind = plural.capitalize()[:-1]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{_GROUP}"},
        "spec": {
            "group": _GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": plural[:-1], "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "integer", "minimum": 1}},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }


def _create_crd(k8s: client.ApiClient, body: dict[str, object]) -> None:
    # The generated client accepts plain dicts; its stubs only name the model class.
    client.ApiextensionsV1Api(k8s).create_custom_resource_definition(body)  # type: ignore[arg-type]


def _established(k8s: client.ApiClient, name: str) -> bool:
    crd = client.ApiextensionsV1Api(k8s).read_custom_resource_definition(name)
    conditions = crd.status.conditions if crd.status else None
    return any(c.type == "Established" and c.status == "True" for c in conditions or [])


def test_custom_resource_is_applied_and_read_back(k8s: client.ApiClient, namespace: str) -> None:
    plural = f"widgets{uuid.uuid4().hex[:6]}s"
    _create_crd(k8s, _widget_crd(plural))
    wait_until(lambda: _established(k8s, f"{plural}.{_GROUP}"), timeout=30, what="CRD")
    objects = client.CustomObjectsApi(k8s)
    body = {
        "apiVersion": f"{_GROUP}/v1",
        "kind": plural.capitalize()[:-1],
        "metadata": {"name": "w"},
        "spec": {"size": 3},
    }

    objects.create_namespaced_custom_object(_GROUP, "v1", namespace, plural, body)
    read = objects.get_namespaced_custom_object(_GROUP, "v1", namespace, plural, "w")

    assert read["spec"] == {"size": 3}
    assert read["metadata"]["uid"]


def test_schema_validation_rejects_an_invalid_custom_resource(
    k8s: client.ApiClient, namespace: str
) -> None:
    plural = f"widgets{uuid.uuid4().hex[:6]}s"
    _create_crd(k8s, _widget_crd(plural))
    wait_until(lambda: _established(k8s, f"{plural}.{_GROUP}"), timeout=30, what="CRD")
    body = {
        "apiVersion": f"{_GROUP}/v1",
        "kind": plural.capitalize()[:-1],
        "metadata": {"name": "w"},
        "spec": {"size": 0},
    }

    with pytest.raises(ApiException) as rejected:
        client.CustomObjectsApi(k8s).create_namespaced_custom_object(
            _GROUP, "v1", namespace, plural, body
        )

    assert rejected.value.status == 422
    assert "should be greater than or equal to 1" in str(rejected.value.body)


@pytest.mark.parametrize(
    ("identity", "user"), [(Identity.WORKER, WORKER_USER), (Identity.BRIDGE, BRIDGE_USER)]
)
def test_service_account_identities_are_forbidden_what_rbac_does_not_grant(
    control_plane: ControlPlane, namespace: str, identity: Identity, user: str
) -> None:
    core = client.CoreV1Api(control_plane.api_client(identity))

    with pytest.raises(ApiException) as denied:
        core.delete_namespace(namespace)

    assert denied.value.status == 403
    assert user in str(denied.value.body)


def test_kubectl_talks_to_the_control_plane(control_plane: ControlPlane, namespace: str) -> None:
    result = control_plane.kubectl("get", "namespace", namespace, "-o", "name")

    assert result.stdout.strip() == f"namespace/{namespace}"
