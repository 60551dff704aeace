"""Rendering and the plaintext-Secret guard: Secrets only ever leave encrypted."""

from __future__ import annotations

import pytest

from activities.manifests import PlaintextSecretRefused, refuse_plaintext_secret, render

SOPS_FILE = (
    b"apiVersion: v1\nkind: Secret\ndata:\n  k: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.9.0\n"
)


def test_rendered_manifest_is_block_yaml_in_manifest_order() -> None:
    obj = {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "x"},
        "data": {"on": "yes"},
    }
    assert render(obj) == (
        b'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  "on": "yes"\n'
    )


def test_core_secret_is_refused_by_the_renderer() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {}}
    with pytest.raises(PlaintextSecretRefused):
        render(secret)


def test_secret_kind_of_another_group_renders() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Secret", "metadata": {"name": "db"}}
    assert b"kind: Secret" in render(obj)


def test_guard_refuses_plaintext_in_a_secret_file() -> None:
    with pytest.raises(PlaintextSecretRefused):
        refuse_plaintext_secret("p/ns/core/secrets/db.sops.yaml", b"kind: Secret\ndata: {}\n")


def test_guard_refuses_a_secret_file_without_the_sops_suffix() -> None:
    with pytest.raises(PlaintextSecretRefused):
        refuse_plaintext_secret("p/ns/core/secrets/db.yaml", SOPS_FILE)


def test_guard_accepts_an_encrypted_secret_file() -> None:
    refuse_plaintext_secret("p/ns/core/secrets/db.sops.yaml", SOPS_FILE)


def test_guard_ignores_files_that_are_not_secrets() -> None:
    refuse_plaintext_secret("p/ns/core/configmaps/db.yaml", b"kind: ConfigMap\n")
