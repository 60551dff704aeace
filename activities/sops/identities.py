"""age X25519 identities and recipients as the codec and the key bootstrap see them.

An :class:`AgeIdentity` never shows its secret in ``repr``/``str``; the only way to the
key text is :meth:`AgeIdentity.reveal`, called where the key is stored. Parsing errors
say what is wrong (and on which line) but never quote the text they were given.

Pure: no reading of files, environment or Kubernetes; callers hand in the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyrage
from pyrage import x25519

from activities.sops.errors import InvalidIdentity, InvalidRecipient

__all__ = ["AgeIdentity", "parse_recipient", "recipients_hash"]

_IDENTITY_PREFIX = "AGE-SECRET-KEY-1"


class AgeIdentity:
    """One age X25519 identity and the recipient derived from it."""

    __slots__ = ("_identity", "recipient")

    def __init__(self, identity: x25519.Identity) -> None:
        self._identity = identity
        self.recipient: str = str(identity.to_public())

    @classmethod
    def generate(cls) -> AgeIdentity:
        """A fresh identity from the operating system's random source."""
        return cls(x25519.Identity.generate())

    @classmethod
    def parse(cls, text: str) -> AgeIdentity:
        """Read an age key file's text: exactly one identity, ``#`` comments and blank lines."""
        found: list[str] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not line.upper().startswith(_IDENTITY_PREFIX):
                raise InvalidIdentity(f"line {number} is neither a comment nor an age identity")
            found.append(line)
        if not found:
            raise InvalidIdentity("holds no age identity")
        if len(found) > 1:
            raise InvalidIdentity(f"holds {len(found)} identities; exactly one is required")
        try:
            return cls(x25519.Identity.from_str(found[0]))
        except pyrage.IdentityError:
            raise InvalidIdentity("holds an identity that is not a valid age X25519 key") from None

    def reveal(self) -> str:
        """The secret key text (``AGE-SECRET-KEY-1...``); only for storing it in a Secret."""
        return str(self._identity)

    def unwrap(self, armored: bytes) -> bytes:
        """Decrypt an age file (armored or binary) addressed to this identity."""
        plain: bytes = pyrage.decrypt(armored, [self._identity])
        return plain

    def __repr__(self) -> str:
        return f"AgeIdentity(recipient={self.recipient!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AgeIdentity) and other.recipient == self.recipient

    def __hash__(self) -> int:
        return hash(self.recipient)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("AgeIdentity is not picklable: key material stays in memory")


def parse_recipient(text: str) -> str:
    """Validate an ``age1...`` recipient and return its canonical form."""
    try:
        return str(x25519.Recipient.from_str(text.strip()))
    except pyrage.RecipientError:
        raise InvalidRecipient("not a valid age X25519 recipient (age1...)") from None


def recipients_hash(recipients: Iterable[str]) -> str:
    """A stable digest of a recipient set (order and duplicates do not matter), for status."""
    canonical = "\n".join(sorted({parse_recipient(r) for r in recipients}))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
