"""The stand-in Flux GitRepository CRD accepts real Flux manifests and keeps what they say.

Flux is not installed in the harness; gitops-reverser reads only spec.url and
spec.secretRef.name of a GitRepository, which the stand-in types.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

from tests.harness.kube import ControlPlane

GROUP, VERSION, PLURAL = "source.toolkit.fluxcd.io", "v1", "gitrepositories"

# As `flux create source git --export` writes it, plus fields the stand-in does not type.
FLUX_MANIFEST: dict[str, Any] = {
    "apiVersion": f"{GROUP}/{VERSION}",
    "kind": "GitRepository",
    "metadata": {"name": "flux-system"},
    "spec": {
        "interval": "1m0s",
        "ref": {"branch": "main"},
        "secretRef": {"name": "flux-system"},
        "url": "ssh://git@git.example.com/org/fleet.git",
        "timeout": "60s",
        "ignore": "/*\n!/clusters/\n",
        "verify": {"mode": "HEAD", "secretRef": {"name": "pgp-keys"}},
    },
}


def test_a_real_flux_manifest_applies_strictly_and_keeps_every_field(
    control_plane: ControlPlane, k8s: client.ApiClient, namespace: str
) -> None:
    manifest = json.dumps(FLUX_MANIFEST)
    control_plane.kubectl(
        "apply", "--namespace", namespace, "--validate=strict", "-f", "-", stdin=manifest
    )

    api: Any = client.CustomObjectsApi(k8s)
    stored = api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "flux-system")

    assert stored["spec"] == FLUX_MANIFEST["spec"]


def test_status_is_a_subresource_like_flux_s(k8s: client.ApiClient, namespace: str) -> None:
    api: Any = client.CustomObjectsApi(k8s)
    api.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, FLUX_MANIFEST)
    artifact = {"artifact": {"revision": "main@sha1:0123456789abcdef"}}

    api.patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "flux-system", {"status": {"ignored": True}}
    )
    patched = api.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, "flux-system", {"status": artifact}
    )

    assert patched["status"] == artifact


def test_the_url_the_operator_reads_must_be_a_string(
    control_plane: ControlPlane, namespace: str
) -> None:
    wrong = {**FLUX_MANIFEST, "spec": {**FLUX_MANIFEST["spec"], "url": 42}}

    rejected = control_plane.kubectl(
        "apply", "--namespace", namespace, "-f", "-", stdin=json.dumps(wrong), check=False
    )

    assert rejected.returncode != 0
    assert "spec.url" in rejected.stderr
