"""Noise: the objects nobody wants in Git are recognised, and nothing else is."""

from __future__ import annotations

from typing import Any

import pytest

from activities.manifests import is_noise


def _object(kind: str, name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "team-a"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": kind, "metadata": metadata}


LEADER = {"control-plane.alpha.kubernetes.io/leader": '{"holderIdentity":"a"}'}


@pytest.mark.parametrize(
    ("obj", "noise"),
    [
        (_object("ConfigMap", "kube-root-ca.crt"), True),
        (_object("ConfigMap", "leader-lock", LEADER), True),
        (_object("Endpoints", "scheduler", LEADER), True),
        (_object("ConfigMap", "settings"), False),
        (_object("ConfigMap", "settings", {"team": "a"}), False),
        (_object("Secret", "kube-root-ca.crt"), False),
        ({**_object("ConfigMap", "kube-root-ca.crt"), "apiVersion": "example.com/v1"}, False),
    ],
    ids=[
        "root-ca-config-map",
        "leader-election-config-map",
        "leader-election-endpoints",
        "ordinary-config-map",
        "annotated-config-map",
        "secret-named-like-the-root-ca",
        "other-group-same-kind-and-name",
    ],
)
def test_noise_is_the_documented_list_only(obj: dict[str, Any], noise: bool) -> None:
    assert is_noise(obj) is noise
