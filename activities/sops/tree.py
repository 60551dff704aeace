"""Walking a document the way SOPS does: which leaves are encrypted, and the MAC over them.

Leaves are visited in document order (mapping insertion order, list order); a leaf's
path is the keys leading to it, list items adding nothing. ``None`` leaves are skipped
entirely, as SOPS skips YAML nulls. The MAC is SHA-512 over the plaintext bytes of the
leaves, written as 128 uppercase hex digits.

Pure functions over in-memory trees; no YAML text, no key handling.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from activities.sops.errors import NotSopsDocument, UnsupportedValue
from activities.sops.values import Scalar, decrypt_scalar, encrypt_scalar, mac_bytes

__all__ = ["EncryptionRule", "decrypt_tree", "encrypt_tree"]

DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
# SOPS starts the hash with these bytes when only encrypted values are authenticated.
_MAC_ONLY_ENCRYPTED_SEED = hashlib.sha256(b"sops").digest()

_Leaf: TypeAlias = Callable[[Scalar, tuple[str, ...]], Scalar]


@dataclass(frozen=True)
class EncryptionRule:
    """The one SOPS rule that decides which leaves are encrypted (at most one field set)."""

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""

    def encrypts(self, path: tuple[str, ...]) -> bool:
        """Whether SOPS encrypts the leaf at ``path`` (regexes are unanchored searches)."""
        if self.encrypted_regex:
            return any(re.search(self.encrypted_regex, key) for key in path)
        if self.unencrypted_regex:
            return not any(re.search(self.unencrypted_regex, key) for key in path)
        if self.encrypted_suffix:
            return any(key.endswith(self.encrypted_suffix) for key in path)
        suffix = self.unencrypted_suffix or DEFAULT_UNENCRYPTED_SUFFIX
        return not any(key.endswith(suffix) for key in path)


class _Mac:
    def __init__(self, *, only_encrypted: bool) -> None:
        self._hash = hashlib.sha512()
        self.only_encrypted = only_encrypted
        if only_encrypted:
            self._hash.update(_MAC_ONLY_ENCRYPTED_SEED)

    def add(self, value: Scalar, *, encrypted: bool) -> None:
        if encrypted or not self.only_encrypted:
            self._hash.update(mac_bytes(value))

    def hexdigest(self) -> str:
        return self._hash.hexdigest().upper()


def encrypt_tree(
    tree: Mapping[str, Any], data_key: bytes, rule: EncryptionRule
) -> tuple[dict[str, Any], str]:
    """A copy of ``tree`` with the rule's leaves encrypted, and the MAC of its plaintext."""
    mac = _Mac(only_encrypted=False)

    def leaf(value: Scalar, path: tuple[str, ...]) -> Scalar:
        encrypted = rule.encrypts(path)
        mac.add(value, encrypted=encrypted)
        return encrypt_scalar(value, data_key, _aad(path)) if encrypted else value

    return _map_mapping(tree, (), leaf), mac.hexdigest()


def decrypt_tree(
    tree: Mapping[str, Any], data_key: bytes, rule: EncryptionRule, *, mac_only_encrypted: bool
) -> tuple[dict[str, Any], str]:
    """A copy of ``tree`` with the rule's leaves decrypted, and the MAC of the result."""
    mac = _Mac(only_encrypted=mac_only_encrypted)

    def leaf(value: Scalar, path: tuple[str, ...]) -> Scalar:
        encrypted = rule.encrypts(path)
        if encrypted:
            if not isinstance(value, str):
                raise NotSopsDocument(f"value at {_aad(path)!r} should be encrypted but is not")
            value = decrypt_scalar(value, data_key, _aad(path))
        mac.add(value, encrypted=encrypted)
        return value

    return _map_mapping(tree, (), leaf), mac.hexdigest()


def _aad(path: tuple[str, ...]) -> str:
    return "".join(f"{key}:" for key in path)


def _map_mapping(node: Mapping[str, Any], path: tuple[str, ...], leaf: _Leaf) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if not isinstance(key, str):
            raise UnsupportedValue(f"mapping key of type {type(key).__name__}; SOPS needs strings")
        out[key] = _map_node(value, (*path, key), leaf)
    return out


def _map_node(node: Any, path: tuple[str, ...], leaf: _Leaf) -> Any:
    if node is None:
        return None
    if isinstance(node, Mapping):
        return _map_mapping(node, path, leaf)
    if isinstance(node, list | tuple):
        return [_map_node(item, path, leaf) for item in node]
    if isinstance(node, str | int | float):  # bool is an int
        return leaf(node, path)
    raise UnsupportedValue(f"value of type {type(node).__name__} at {_aad(path)!r}")
