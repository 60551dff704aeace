"""The fast writer of encrypted documents is yamlio, byte for byte, only faster."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities import yamlio
from activities.sops import AgeIdentity, encrypt_document
from activities.sops.emit import emit
from tests.unit.sops.strategies import TRICKY_STRINGS, secrets

simple_strings = st.from_regex(r"[A-Za-z0-9_/.^$|=+:,@()\[\]-]{1,20}", fullmatch=True)
strings = st.one_of(simple_strings, st.sampled_from(TRICKY_STRINGS), st.text(max_size=30))
scalars = st.one_of(strings, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
documents = st.dictionaries(
    strings,
    st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(strings, children, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_any_document_is_written_as_yamlio_writes_it(document: dict[str, Any]) -> None:
    assert emit(document) == yamlio.dump(document)


@settings(max_examples=100, deadline=None)
@given(secrets)
def test_any_encrypted_secret_is_written_as_yamlio_writes_it(secret: dict[str, Any]) -> None:
    written = yamlio.load(encrypt_document(secret, [AgeIdentity.generate().recipient]))
    assert emit(written) == yamlio.dump(written)


def test_a_typical_encrypted_secret_does_not_need_the_general_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db-credentials",
            "namespace": "prod",
            "labels": {"app.kubernetes.io/name": "postgres", "tier": "db"},
        },
        "type": "kubernetes.io/basic-auth",
        "data": {"username": "YWRtaW4=", "password": "aHVudGVyMg==", "empty": ""},
        "stringData": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
    }

    def general_writer(_: object) -> str:
        raise AssertionError("fell back to yamlio.dump")

    monkeypatch.setattr(yamlio, "dump", general_writer)
    assert encrypt_document(secret, [AgeIdentity.generate().recipient]).startswith("apiVersion")
