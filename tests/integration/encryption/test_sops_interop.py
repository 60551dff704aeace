"""Interop with the real binaries: sops and age read what we write, and we read what sops writes."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from activities import yamlio
from activities.sops import (
    AgeIdentity,
    MacMismatch,
    decrypt_document,
    encrypt_document,
    render_sops_config,
)
from activities.sops.values import decrypt_scalar
from tests.integration.encryption.binaries import Binaries
from tests.unit.sops.key_leaks import LeakWatch
from tests.unit.sops.strategies import TRICKY_STRINGS, secrets, typed

IDENTITY = AgeIdentity.generate()
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "".join(base64.b64encode(bytes([i]) * 48).decode() + "\n" for i in range(20))
    + "-----END RSA PRIVATE KEY-----\n"
)


def secret(**payload: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "app", "namespace": "prod"},
        "type": "Opaque",
        **payload,
    }


SHAPES = {
    "data": secret(data={"password": "aHVudGVyMg==", "user": "YWRtaW4="}),
    "stringData": secret(stringData={"password": "hunter2"}),
    "data and stringData": secret(data={"a": "YQ=="}, stringData={"b": "b"}),
    "empty values": secret(data={"empty": ""}, stringData={"blank": ""}),
    "unicode": secret(stringData={"greeting": "héllo wörld ✓ 秘密 🔑"}),
    "multi-line PEM": secret(stringData={"tls.key": PEM}),
    "number-like": secret(stringData={"port": "5432", "octal": "0777", "exp": "1e3"}),
    "bool-like": secret(stringData={"a": "true", "b": "yes", "c": "off", "d": "n"}),
    "date-like": secret(stringData={"day": "2024-01-01", "at": "2024-01-01T10:00:00Z"}),
    "null-like": secret(stringData={"a": "null", "b": "~"}),
    "long value": secret(data={"blob": base64.b64encode(bytes(range(256)) * 400).decode()}),
    "many keys": secret(
        data={f"key-{i:03d}": base64.b64encode(b"%d" % i).decode() for i in range(300)}
    ),
    "every tricky string": secret(stringData={f"k{i}": s for i, s in enumerate(TRICKY_STRINGS)}),
    "tricky plaintext fields": {
        **secret(data={"a": "YQ=="}),
        "metadata": {
            "name": "app",
            "namespace": "prod",
            "labels": {"app.kubernetes.io/version": "1.10", "enabled": "true"},
            "annotations": {k: v for k, v in zip("abcdefghij", TRICKY_STRINGS[1:11], strict=True)},
        },
        "immutable": True,
    },
    "tls": {**secret(data={"tls.crt": "Y2VydA==", "tls.key": "a2V5"}), "type": "kubernetes.io/tls"},
}


@pytest.mark.parametrize("obj", SHAPES.values(), ids=SHAPES.keys())
def test_sops_decrypts_what_we_encrypt_to_the_same_secret(
    binaries: Binaries, obj: dict[str, Any]
) -> None:
    plain = binaries.sops_decrypt(encrypt_document(obj, [IDENTITY.recipient]), IDENTITY.reveal())
    assert typed(plain) == typed(obj)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(obj=secrets)
def test_sops_decrypts_any_secret_we_encrypt(binaries: Binaries, obj: dict[str, Any]) -> None:
    plain = binaries.sops_decrypt(encrypt_document(obj, [IDENTITY.recipient]), IDENTITY.reveal())
    assert typed(plain) == typed(obj)


def test_each_of_several_recipients_decrypts_with_sops(binaries: Binaries) -> None:
    other = AgeIdentity.generate()
    text = encrypt_document(SHAPES["data"], [IDENTITY.recipient, other.recipient])
    for identity in (IDENTITY, other):
        assert binaries.sops_decrypt(text, identity.reveal()) == SHAPES["data"]


def test_age_decrypts_the_armored_data_key_that_opens_the_values(binaries: Binaries) -> None:
    key_file = binaries.age_keygen()
    identity = AgeIdentity.parse(key_file.read_text())
    written = yamlio.load(encrypt_document(SHAPES["stringData"], [identity.recipient]))
    data_key = binaries.age_decrypt(written["sops"]["age"][0]["enc"], key_file)
    assert len(data_key) == 32
    token = written["stringData"]["password"]
    assert decrypt_scalar(token, data_key, "stringData:password:") == "hunter2"


def sops_encrypt(binaries: Binaries, plain: str, recipient: str, *rule: str) -> str:
    path = binaries.workdir / "plain.yaml"
    path.write_text(plain)
    done = binaries.sops("--encrypt", "--age", recipient, *rule, str(path))
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "rule",
    [
        ("--encrypted-regex", "^(data|stringData)$"),
        (),
        ("--unencrypted-regex", "^(apiVersion|kind|metadata)$"),
        ("--encrypted-regex", "^(data|stringData)$", "--mac-only-encrypted"),
    ],
    ids=["encrypted_regex", "default rule", "unencrypted_regex", "mac_only_encrypted"],
)
def test_we_decrypt_secrets_sops_encrypted(binaries: Binaries, rule: tuple[str, ...]) -> None:
    obj = SHAPES["every tricky string"] | {"data": {"pem": base64.b64encode(PEM.encode()).decode()}}
    text = sops_encrypt(binaries, yamlio.dump(obj), IDENTITY.recipient, *rule)
    assert typed(decrypt_document(text, [IDENTITY]).plaintext) == typed(obj)


def test_we_decrypt_typed_values_sops_encrypted(binaries: Binaries) -> None:
    plain = (
        "spec:\n  replicas: 3\n  ratio: 0.25\n  big: 1.0e+20\n  on: true\n"
        "  list:\n  - 1\n  - two\n  nothing: null\n"
    )
    text = sops_encrypt(binaries, plain, IDENTITY.recipient)
    assert typed(decrypt_document(text, [IDENTITY]).plaintext) == typed(yamlio.load(plain))


def test_a_tampered_plaintext_field_fails_for_sops_and_for_us(
    binaries: Binaries, leaks: LeakWatch
) -> None:
    text = encrypt_document(SHAPES["data"], [IDENTITY.recipient])
    altered = text.replace("namespace: prod", "namespace: dev")
    path = binaries.workdir / "altered.sops.yaml"
    path.write_text(altered)
    assert binaries.sops("--decrypt", str(path), key=IDENTITY.reveal()).returncode != 0
    with leaks.raises(MacMismatch):
        decrypt_document(altered, [IDENTITY])


def test_a_tampered_value_fails_for_sops_and_for_us(binaries: Binaries, leaks: LeakWatch) -> None:
    written = yamlio.load(encrypt_document(SHAPES["data"], [IDENTITY.recipient]))
    written["data"]["password"], written["data"]["user"] = (
        written["data"]["user"],
        written["data"]["password"],
    )
    altered = yamlio.dump(written)
    path = binaries.workdir / "altered.sops.yaml"
    path.write_text(altered)
    assert binaries.sops("--decrypt", str(path), key=IDENTITY.reveal()).returncode != 0
    with leaks.raises(MacMismatch):
        decrypt_document(altered, [IDENTITY])


def test_sops_encrypts_in_a_target_folder_as_we_do_using_the_rendered_config(
    binaries: Binaries, tmp_path: Path
) -> None:
    folder = tmp_path / "clusters" / "prod"
    folder.mkdir(parents=True)
    (folder / ".sops.yaml").write_text(render_sops_config([IDENTITY.recipient]))
    (folder / "app.sops.yaml").write_text(yamlio.dump(SHAPES["data"]))
    done = binaries.sops("--encrypt", "--in-place", "app.sops.yaml", cwd=folder)
    assert done.returncode == 0, done.stderr
    written = yamlio.load((folder / "app.sops.yaml").read_text())
    assert written["metadata"] == SHAPES["data"]["metadata"]
    assert written["sops"]["encrypted_regex"] == "^(data|stringData)$"
    assert [stanza["recipient"] for stanza in written["sops"]["age"]] == [IDENTITY.recipient]
    assert decrypt_document(yamlio.dump(written), [IDENTITY]).plaintext == SHAPES["data"]
