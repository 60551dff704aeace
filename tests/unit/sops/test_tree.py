"""Which leaves SOPS encrypts, their authenticated paths, and the MAC over a document."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from activities.sops.errors import UnsupportedValue
from activities.sops.tree import EncryptionRule, decrypt_tree, encrypt_tree
from activities.sops.values import decrypt_scalar
from tests.unit.sops.key_leaks import LeakWatch

KEY = bytes(32)
SECRETS_ONLY = EncryptionRule(encrypted_regex="^(data|stringData)$")


def sha512_upper(*chunks: bytes) -> str:
    return hashlib.sha512(b"".join(chunks)).hexdigest().upper()


@pytest.mark.parametrize(
    ("rule", "path", "encrypted"),
    [
        (SECRETS_ONLY, ("data", "password"), True),
        (SECRETS_ONLY, ("metadata", "name"), False),
        (SECRETS_ONLY, ("metadata", "annotations", "data"), True),
        (SECRETS_ONLY, ("metadata", "database"), False),
        (EncryptionRule(), ("metadata", "name"), True),
        (EncryptionRule(), ("note_unencrypted",), False),
        (EncryptionRule(unencrypted_suffix="_plain"), ("a", "b_plain", "c"), False),
        (EncryptionRule(encrypted_suffix="_secret"), ("token_secret",), True),
        (EncryptionRule(encrypted_suffix="_secret"), ("token",), False),
        (EncryptionRule(unencrypted_regex="^meta"), ("metadata", "x"), False),
        (EncryptionRule(encrypted_regex="pass"), ("spec", "my-password"), True),
    ],
)
def test_a_rule_matches_any_key_on_the_path(
    rule: EncryptionRule, path: tuple[str, ...], encrypted: bool
) -> None:
    assert rule.encrypts(path) is encrypted


def test_only_secret_payloads_are_encrypted() -> None:
    tree = {"kind": "Secret", "metadata": {"name": "db"}, "data": {"password": "cHc="}}
    encrypted, _ = encrypt_tree(tree, KEY, SECRETS_ONLY)
    assert encrypted["kind"] == "Secret"
    assert encrypted["metadata"] == {"name": "db"}
    assert encrypted["data"]["password"].startswith("ENC[AES256_GCM,")


def test_a_value_is_authenticated_with_its_key_path() -> None:
    encrypted, _ = encrypt_tree({"stringData": {"password": "pw"}}, KEY, SECRETS_ONLY)
    assert decrypt_scalar(encrypted["stringData"]["password"], KEY, "stringData:password:") == "pw"


def test_list_items_share_the_path_of_their_list() -> None:
    encrypted, _ = encrypt_tree({"data": {"list": ["a", "b"]}}, KEY, SECRETS_ONLY)
    assert [decrypt_scalar(item, KEY, "data:list:") for item in encrypted["data"]["list"]] == [
        "a",
        "b",
    ]


def test_the_mac_hashes_every_leaf_in_document_order_including_unencrypted_ones() -> None:
    tree = {"kind": "Secret", "immutable": True, "data": {"b": "2", "a": "1"}, "n": 7}
    _, mac = encrypt_tree(tree, KEY, SECRETS_ONLY)
    assert mac == sha512_upper(b"Secret", b"True", b"2", b"1", b"7")


def test_null_leaves_are_left_alone_and_out_of_the_mac() -> None:
    encrypted, mac = encrypt_tree({"data": {"gone": None, "kept": "x"}}, KEY, SECRETS_ONLY)
    assert encrypted["data"]["gone"] is None
    assert mac == sha512_upper(b"x")


def test_mac_only_encrypted_hashes_a_seed_and_the_encrypted_values_only() -> None:
    encrypted, _ = encrypt_tree({"kind": "Secret", "data": {"a": "1"}}, KEY, SECRETS_ONLY)
    _, mac = decrypt_tree(encrypted, KEY, SECRETS_ONLY, mac_only_encrypted=True)
    assert mac == sha512_upper(hashlib.sha256(b"sops").digest(), b"1")


def test_decrypting_restores_the_tree_and_reproduces_the_mac() -> None:
    tree: dict[str, Any] = {"metadata": {"name": "n"}, "data": {"a": "1", "e": "", "l": [1]}}
    encrypted, mac = encrypt_tree(tree, KEY, SECRETS_ONLY)
    assert decrypt_tree(encrypted, KEY, SECRETS_ONLY, mac_only_encrypted=False) == (tree, mac)


def test_non_string_keys_are_refused(leaks: LeakWatch) -> None:
    with leaks.raises(UnsupportedValue):
        encrypt_tree({"data": {1: "x"}}, KEY, SECRETS_ONLY)
