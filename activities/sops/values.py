"""SOPS value encryption: one scalar to and from an ``ENC[AES256_GCM,...]`` token.

AES-256-GCM under the document's data key with a 32-byte random nonce; the 16-byte tag
is stored apart from the ciphertext, the authenticated data is the value's key path.
Also the byte form of a plaintext value that SOPS feeds into the document MAC.

Pure functions over bytes and strings; no YAML, no tree walking, no key unwrapping.
"""

from __future__ import annotations

import base64
import math
import os
import re
from decimal import Decimal
from typing import TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from activities.sops.errors import MacMismatch, NotSopsDocument, UnsupportedValue

__all__ = ["Scalar", "decrypt_scalar", "encrypt_scalar", "mac_bytes"]

Scalar: TypeAlias = str | int | float | bool

_NONCE_SIZE = 32
_TAG_SIZE = 16
_INT64 = range(-(2**63), 2**63)
_TOKEN = re.compile(
    r"ENC\[AES256_GCM,data:([A-Za-z0-9+/=]+),iv:([A-Za-z0-9+/=]+),"
    r"tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]"
)
# Go's strconv.ParseBool, which SOPS uses to read a decrypted bool.
_GO_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}


def _go_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'f', -1, 64)``: shortest round-trip digits, no exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format(Decimal(repr(value)).normalize(), "f")


def _plain_form(value: Scalar) -> tuple[str, str]:
    """The SOPS type name and the text SOPS encrypts (and hashes) for a plaintext value."""
    if isinstance(value, bool):
        return "bool", "True" if value else "False"
    if isinstance(value, int):
        if value not in _INT64:
            raise UnsupportedValue("integer outside the 64-bit range SOPS can read back")
        return "int", str(value)
    if isinstance(value, float):
        return "float", _go_float(value)
    if isinstance(value, str):
        return "str", value
    raise UnsupportedValue(f"values of type {type(value).__name__} cannot be encrypted")


def mac_bytes(value: Scalar) -> bytes:
    """The bytes SOPS adds to the document MAC for one plaintext leaf value."""
    return _plain_form(value)[1].encode()


def encrypt_scalar(value: Scalar, data_key: bytes, aad: str) -> str:
    """Encrypt one leaf value; the empty string stays empty, as SOPS leaves it."""
    if value == "" and isinstance(value, str):
        return ""
    kind, text = _plain_form(value)
    nonce = os.urandom(_NONCE_SIZE)
    sealed = AESGCM(data_key).encrypt(nonce, text.encode(), aad.encode())
    return (
        f"ENC[AES256_GCM,data:{_b64(sealed[:-_TAG_SIZE])},iv:{_b64(nonce)},"
        f"tag:{_b64(sealed[-_TAG_SIZE:])},type:{kind}]"
    )


def decrypt_scalar(token: str, data_key: bytes, aad: str) -> Scalar:
    """Decrypt one ``ENC[...]`` token into its typed value; ``""`` decrypts to ``""``."""
    if token == "":
        return ""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise NotSopsDocument("a value that must be encrypted is not an ENC[AES256_GCM,...] token")
    data, nonce, tag, kind = (match.group(i) for i in range(1, 5))
    try:
        plain = AESGCM(data_key).decrypt(_unb64(nonce), _unb64(data) + _unb64(tag), aad.encode())
    except InvalidTag:
        raise MacMismatch(
            "an encrypted value fails authentication (altered, or moved to another key)"
        ) from None
    return _typed(kind, plain.decode())


def _typed(kind: str, text: str) -> Scalar:
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return _GO_BOOLS[text]
    except (ValueError, KeyError):
        raise NotSopsDocument(f"a value of type {kind} does not parse as one") from None
    raise NotSopsDocument(f"values of type {kind!r} are not supported")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise NotSopsDocument("an ENC token holds invalid base64") from None
