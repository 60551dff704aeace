"""A Secret applied with kubectl becomes a file that holds none of its values readable."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from kubernetes import client

from activities.manifests import LAST_APPLIED_ANNOTATION, render_secret, sanitise
from activities.sops import AgeIdentity
from tests.harness.kube import ControlPlane
from tests.integration.encryption.binaries import Binaries
from tests.unit.sops.strategies import typed

IDENTITY = AgeIdentity.generate()
STRING_DATA = {"password": "correct horse battery staple", "dsn": "postgres://app:s3cr3t@db/app"}
DATA = {"token": base64.b64encode(b"tok-0123456789abcdef").decode()}


def every_spelling() -> list[str]:
    """Each value as applied, as the API server stores it (base64), and decoded."""
    spellings = [*STRING_DATA.values(), *DATA.values()]
    spellings += [base64.b64encode(v.encode()).decode() for v in STRING_DATA.values()]
    spellings += [base64.b64decode(v).decode() for v in DATA.values()]
    return spellings


@pytest.fixture
def applied_secret(control_plane: ControlPlane, k8s: client.ApiClient, namespace: str) -> Any:
    """The live Secret, as the API server serves it, after a client-side ``kubectl apply``."""
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": namespace, "annotations": {"team": "payments"}},
        "type": "Opaque",
        "stringData": STRING_DATA,
        "data": DATA,
    }
    control_plane.kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    live = client.CoreV1Api(k8s).read_namespaced_secret("db", namespace)
    return k8s.sanitize_for_serialization(live)


def test_kubectl_apply_puts_the_values_into_the_last_applied_annotation(
    applied_secret: dict[str, Any],
) -> None:
    annotation = applied_secret["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
    assert all(value in annotation for value in [*STRING_DATA.values(), *DATA.values()])


def test_the_file_of_an_applied_secret_holds_no_value_in_any_spelling(
    applied_secret: dict[str, Any],
) -> None:
    content = render_secret(applied_secret, [IDENTITY.recipient], identity=IDENTITY, existing=None)
    assert LAST_APPLIED_ANNOTATION.encode() not in content
    leaked = [value for value in every_spelling() if value.encode() in content]
    assert leaked == []


def test_sops_decrypts_the_file_of_an_applied_secret_to_the_sanitised_secret(
    applied_secret: dict[str, Any], binaries: Binaries
) -> None:
    content = render_secret(applied_secret, [IDENTITY.recipient], identity=IDENTITY, existing=None)
    plain = binaries.sops_decrypt(content.decode(), IDENTITY.reveal())
    assert typed(plain) == typed(sanitise(applied_secret))
    assert plain["metadata"]["annotations"] == {"team": "payments"}
