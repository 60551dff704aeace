"""Re-encrypting an unchanged Secret keeps the file in Git byte for byte."""

from __future__ import annotations

from typing import Any

from activities.sops import AgeIdentity, encrypt_document, encrypt_unless_unchanged

IDENTITY = AgeIdentity.generate()
SECRET: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db", "namespace": "prod"},
    "type": "Opaque",
    "data": {"password": "aHVudGVyMg==", "port": "NTQzMg=="},
}


def reencrypt(
    obj: dict[str, Any], existing: str | None, recipients: list[str] | None = None
) -> Any:
    return encrypt_unless_unchanged(
        obj, recipients or [IDENTITY.recipient], identity=IDENTITY, existing=existing
    )


def test_an_unchanged_secret_keeps_the_existing_file() -> None:
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    result = reencrypt(SECRET, existing)
    assert (result.text, result.kept_existing) == (existing, True)


def test_a_first_write_encrypts() -> None:
    result = reencrypt(SECRET, None)
    assert not result.kept_existing
    assert result.text.startswith("apiVersion: v1\n")


def test_a_changed_value_is_encrypted_anew() -> None:
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    changed = {**SECRET, "data": {**SECRET["data"], "password": "bmV3"}}
    assert not reencrypt(changed, existing).kept_existing


def test_a_changed_plaintext_field_is_encrypted_anew() -> None:
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    relabelled = {**SECRET, "metadata": {**SECRET["metadata"], "labels": {"a": "b"}}}
    assert not reencrypt(relabelled, existing).kept_existing


def test_the_codec_compares_key_order_exactly() -> None:
    """Key order is part of what the codec compares (the MAC covers the written order).

    Callers hand it sanitised objects, whose keys are in canonical order, so the same
    Secret served in another order keeps its file: see ``render_secret``'s tests.
    """
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    reordered = {**SECRET, "data": dict(reversed(SECRET["data"].items()))}
    assert not reencrypt(reordered, existing).kept_existing


def test_a_value_that_only_changes_type_is_encrypted_anew() -> None:
    existing = encrypt_document({**SECRET, "immutable": 1}, [IDENTITY.recipient])
    assert not reencrypt({**SECRET, "immutable": True}, existing).kept_existing


def test_a_changed_recipient_set_is_encrypted_anew() -> None:
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    added = [IDENTITY.recipient, AgeIdentity.generate().recipient]
    result = reencrypt(SECRET, existing, added)
    assert not result.kept_existing
    assert all(recipient in result.text for recipient in added)


def test_an_altered_existing_file_is_replaced() -> None:
    existing = encrypt_document(SECRET, [IDENTITY.recipient])
    altered = existing.replace("namespace: prod", "namespace: dev")
    assert not reencrypt(SECRET, altered).kept_existing


def test_a_file_our_identity_cannot_open_is_replaced() -> None:
    foreign = encrypt_document(SECRET, [AgeIdentity.generate().recipient])
    assert not reencrypt(SECRET, foreign).kept_existing
