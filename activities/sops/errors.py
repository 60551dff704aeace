"""Typed failures of the SOPS codec.

Messages say what is wrong with a document or a key without ever quoting key material
or decrypted values, so they are safe to log, to put into Events and into conditions.
"""

from __future__ import annotations

__all__ = [
    "InvalidIdentity",
    "InvalidRecipient",
    "MacMismatch",
    "NoMatchingIdentity",
    "NotSopsDocument",
    "SopsError",
    "UnsupportedValue",
]


class SopsError(Exception):
    """Base of every codec failure."""


class NotSopsDocument(SopsError):
    """The text is not a SOPS v3 YAML document this codec can open (what is wrong is said)."""


class MacMismatch(SopsError):
    """The document fails authentication: a value's GCM tag or the document MAC is wrong.

    Either way the file was altered after it was written (or a value was moved to
    another key path), and nothing read from it can be trusted.
    """


class NoMatchingIdentity(SopsError):
    """None of the given age identities opens any of the document's data keys."""


class UnsupportedValue(SopsError):
    """The object holds something SOPS cannot carry faithfully (e.g. a non-string key)."""


class InvalidIdentity(SopsError):
    """Key text that is not exactly one usable age X25519 identity."""


class InvalidRecipient(SopsError):
    """Text that is not an age X25519 recipient (``age1...``)."""
