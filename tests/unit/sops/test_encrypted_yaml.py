"""Encrypted documents are written by yamlio's direct writer, as the reference spells them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from activities import yamlio
from activities.sops import AgeIdentity, encrypt_document
from activities.yamlio import fast, reference
from tests.unit.sops.strategies import secrets


@settings(max_examples=100, deadline=None)
@given(secrets)
def test_any_encrypted_secret_is_written_as_the_reference_writes_it(
    secret: dict[str, Any],
) -> None:
    text = encrypt_document(secret, [AgeIdentity.generate().recipient])
    assert text == reference.dump(yamlio.load(text))


@settings(max_examples=100, deadline=None)
@given(secrets)
def test_no_encrypted_secret_needs_the_reference_writer(secret: dict[str, Any]) -> None:
    written = yamlio.load(encrypt_document(secret, [AgeIdentity.generate().recipient]))
    assert fast.dump(written) == reference.dump(written)


def test_a_typical_secret_is_encrypted_without_the_reference_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db-credentials",
            "namespace": "prod",
            "labels": {"app.kubernetes.io/name": "postgres", "tier": "db"},
            "annotations": {"owner": "Data team <data@example.com>", "rotated": "2024-01-01"},
        },
        "type": "kubernetes.io/basic-auth",
        "data": {"username": "YWRtaW4=", "password": "aHVudGVyMg==", "empty": ""},
        "stringData": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
    }

    def reference_writer(_: object) -> str:
        raise AssertionError("fell back to the reference writer")

    monkeypatch.setattr(reference, "dump", reference_writer)
    assert encrypt_document(secret, [AgeIdentity.generate().recipient]).startswith("apiVersion")
