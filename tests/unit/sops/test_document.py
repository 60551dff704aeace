"""Whole SOPS documents: what we write opens again, and any alteration is detected."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings

from activities import yamlio
from activities.sops import (
    FORMAT_VERSION,
    AgeIdentity,
    MacMismatch,
    NoMatchingIdentity,
    NotSopsDocument,
    UnsupportedValue,
    decrypt_document,
    encrypt_document,
)
from tests.unit.sops.key_leaks import LeakWatch
from tests.unit.sops.strategies import secrets, typed

IDENTITY = AgeIdentity.generate()
SECRET: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db", "namespace": "prod"},
    "type": "Opaque",
    "data": {"password": "aHVudGVyMg=="},
    "stringData": {"user": "admin"},
}


@settings(max_examples=150, deadline=None)
@given(secrets)
def test_any_secret_decrypts_to_itself(secret: dict[str, Any]) -> None:
    text = encrypt_document(secret, [IDENTITY.recipient])
    assert typed(decrypt_document(text, [IDENTITY]).plaintext) == typed(secret)


def test_secret_payloads_are_encrypted_and_the_rest_stays_readable() -> None:
    written = yamlio.load(encrypt_document(SECRET, [IDENTITY.recipient]))
    assert written["metadata"] == SECRET["metadata"]
    assert written["data"]["password"].startswith("ENC[AES256_GCM,data:")
    assert written["stringData"]["user"].startswith("ENC[AES256_GCM,data:")
    assert "aHVudGVyMg==" not in yamlio.dump(written)


def test_the_sops_block_names_rule_recipients_time_mac_and_a_semver_version() -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    text = encrypt_document(SECRET, [IDENTITY.recipient], now=moment)
    block = yamlio.load(text)["sops"]
    assert list(block) == ["age", "encrypted_regex", "lastmodified", "mac", "version"]
    assert block["encrypted_regex"] == "^(data|stringData)$"
    assert block["lastmodified"] == "2024-05-06T07:08:09Z"
    assert 'lastmodified: "2024-05-06T07:08:09Z"' in text
    assert re.fullmatch(r"\d+\.\d+\.\d+", block["version"]) and block["version"] == FORMAT_VERSION
    assert block["mac"].startswith("ENC[AES256_GCM,") and block["mac"].endswith(",type:str]")
    [stanza] = block["age"]
    assert stanza["recipient"] == IDENTITY.recipient
    assert stanza["enc"].startswith("-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert stanza["enc"].endswith("-----END AGE ENCRYPTED FILE-----\n")


def test_lastmodified_is_written_in_utc() -> None:
    moment = datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2)))
    block = yamlio.load(encrypt_document(SECRET, [IDENTITY.recipient], now=moment))["sops"]
    assert block["lastmodified"] == "2024-05-06T07:08:09Z"


def test_every_recipient_can_open_the_document() -> None:
    other = AgeIdentity.generate()
    text = encrypt_document(SECRET, [IDENTITY.recipient, other.recipient])
    assert decrypt_document(text, [other]).plaintext == SECRET
    assert decrypt_document(text, [IDENTITY]).plaintext == SECRET
    assert set(decrypt_document(text, [other]).recipients) == {
        IDENTITY.recipient,
        other.recipient,
    }


def test_an_identity_that_is_not_a_recipient_cannot_open_it(leaks: LeakWatch) -> None:
    text = encrypt_document(SECRET, [IDENTITY.recipient])
    with leaks.raises(NoMatchingIdentity):
        decrypt_document(text, [AgeIdentity.generate()])


def tamper(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_an_altered_encrypted_value_fails_authentication(leaks: LeakWatch) -> None:
    text = encrypt_document(SECRET, [IDENTITY.recipient])
    token = yamlio.load(text)["data"]["password"]
    data = re.search(r"data:([^,]+)", token)
    assert data is not None
    flipped = ("A" if data.group(1)[0] != "A" else "B") + data.group(1)[1:]
    with leaks.raises(MacMismatch):
        decrypt_document(tamper(text, data.group(1), flipped), [IDENTITY])


def test_an_altered_plaintext_field_breaks_the_mac(leaks: LeakWatch) -> None:
    text = encrypt_document(SECRET, [IDENTITY.recipient])
    with leaks.raises(MacMismatch):
        decrypt_document(tamper(text, "namespace: prod", "namespace: dev"), [IDENTITY])


def test_a_removed_value_breaks_the_mac(leaks: LeakWatch) -> None:
    text = encrypt_document(SECRET, [IDENTITY.recipient])
    token = yamlio.load(text)["stringData"]["user"]
    with leaks.raises(MacMismatch):
        decrypt_document(tamper(text, f"stringData:\n  user: {token}\n", ""), [IDENTITY])


def test_values_swapped_between_keys_fail_authentication(leaks: LeakWatch) -> None:
    both = {**SECRET, "data": {"a": "MQ==", "b": "Mg=="}}
    written = yamlio.load(encrypt_document(both, [IDENTITY.recipient]))
    written["data"] = {"a": written["data"]["b"], "b": written["data"]["a"]}
    with leaks.raises(MacMismatch):
        decrypt_document(yamlio.dump(written), [IDENTITY])


def test_an_altered_lastmodified_breaks_the_mac(leaks: LeakWatch) -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    text = encrypt_document(SECRET, [IDENTITY.recipient], now=moment)
    with leaks.raises(MacMismatch):
        decrypt_document(tamper(text, "2024-05-06T07:08:09Z", "2024-05-06T07:08:10Z"), [IDENTITY])


def test_text_without_a_sops_block_is_not_a_sops_document(leaks: LeakWatch) -> None:
    with leaks.raises(NotSopsDocument):
        decrypt_document(yamlio.dump(SECRET), [IDENTITY])


def test_an_object_with_its_own_sops_key_is_refused(leaks: LeakWatch) -> None:
    with leaks.raises(UnsupportedValue):
        encrypt_document({**SECRET, "sops": {}}, [IDENTITY.recipient])


def test_encrypting_for_nobody_is_refused(leaks: LeakWatch) -> None:
    with leaks.raises(UnsupportedValue):
        encrypt_document(SECRET, [])


def test_the_decrypted_document_repr_hides_the_plaintext() -> None:
    opened = decrypt_document(encrypt_document(SECRET, [IDENTITY.recipient]), [IDENTITY])
    assert "aHVudGVyMg==" not in repr(opened)
