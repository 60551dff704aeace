"""One value to and from an ENC[AES256_GCM,...] token, and its bytes in the MAC."""

from __future__ import annotations

import base64
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities.sops.errors import MacMismatch, NotSopsDocument, UnsupportedValue
from activities.sops.values import Scalar, decrypt_scalar, encrypt_scalar, mac_bytes
from tests.unit.sops.key_leaks import LeakWatch

KEY = bytes(range(32))
TOKEN = re.compile(r"ENC\[AES256_GCM,data:(\S+),iv:(\S+),tag:(\S+),type:(\w+)\]")

scalars = st.one_of(
    st.text(min_size=1),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False),
)


def parts(token: str) -> tuple[bytes, bytes, bytes, str]:
    match = TOKEN.fullmatch(token)
    assert match is not None
    data, iv, tag, kind = match.groups()
    return base64.b64decode(data), base64.b64decode(iv), base64.b64decode(tag), kind


def test_a_token_carries_a_32_byte_nonce_and_a_16_byte_tag() -> None:
    data, iv, tag, kind = parts(encrypt_scalar("hunter2", KEY, "data:password:"))
    assert (len(data), len(iv), len(tag), kind) == (7, 32, 16, "str")


def test_every_encryption_draws_a_fresh_nonce() -> None:
    assert encrypt_scalar("same", KEY, "a:") != encrypt_scalar("same", KEY, "a:")


def test_the_empty_string_stays_empty() -> None:
    assert encrypt_scalar("", KEY, "data:empty:") == ""
    assert decrypt_scalar("", KEY, "data:empty:") == ""


@given(scalars)
def test_a_value_decrypts_to_itself_with_its_type(value: str | int | bool | float) -> None:
    back = decrypt_scalar(encrypt_scalar(value, KEY, "a:b:"), KEY, "a:b:")
    assert (type(back), back) == (type(value), value)


@pytest.mark.parametrize(
    ("value", "kind"), [("1", "str"), (1, "int"), (1.5, "float"), (True, "bool")]
)
def test_the_token_names_the_value_type(value: str | int | float | bool, kind: str) -> None:
    assert parts(encrypt_scalar(value, KEY, "a:"))[3] == kind


def test_a_value_moved_to_another_path_fails_authentication(leaks: LeakWatch) -> None:
    token = encrypt_scalar("secret", KEY, "data:a:")
    with leaks.raises(MacMismatch):
        decrypt_scalar(token, KEY, "data:b:")


def test_a_value_under_another_data_key_fails_authentication(leaks: LeakWatch) -> None:
    token = encrypt_scalar("secret", KEY, "data:a:")
    with leaks.raises(MacMismatch):
        decrypt_scalar(token, os.urandom(32), "data:a:")


def test_a_flipped_ciphertext_bit_fails_authentication(leaks: LeakWatch) -> None:
    data, iv, tag, _ = parts(encrypt_scalar("secret", KEY, "a:"))
    flipped = bytes([data[0] ^ 1]) + data[1:]
    token = (
        f"ENC[AES256_GCM,data:{base64.b64encode(flipped).decode()},"
        f"iv:{base64.b64encode(iv).decode()},tag:{base64.b64encode(tag).decode()},type:str]"
    )
    with leaks.raises(MacMismatch):
        decrypt_scalar(token, KEY, "a:")


def test_a_plaintext_where_a_token_belongs_is_rejected(leaks: LeakWatch) -> None:
    with leaks.raises(NotSopsDocument):
        decrypt_scalar("hunter2", KEY, "data:password:")


def test_integers_beyond_64_bits_are_refused(leaks: LeakWatch) -> None:
    with leaks.raises(UnsupportedValue):
        encrypt_scalar(2**63, KEY, "a:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("héllo", "héllo".encode()),
        (42, b"42"),
        (-7, b"-7"),
        (True, b"True"),
        (False, b"False"),
        (1.5, b"1.5"),
        (3.0, b"3"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"0.0000001"),
        (-0.0, b"-0"),
        (float("inf"), b"+Inf"),
    ],
)
def test_mac_bytes_spell_values_as_sops_does(value: Scalar, expected: bytes) -> None:
    assert mac_bytes(value) == expected
