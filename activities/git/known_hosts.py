"""Reading OpenSSH known_hosts text: is a host listed at all?

libgit2 tells us only that a host key did not verify; whether the host was
unknown or listed with another key (a possible attack, or a rotated key) is
decided here from the same known_hosts, including hashed (``|1|``) entries,
``[host]:port`` forms, wildcards and negations.

Pure functions over bytes; never reads ``~/.ssh``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterator

__all__ = ["entries", "host_is_listed"]

_HASHED = "|1|"
_DEFAULT_PORT = 22


def entries(known_hosts: bytes) -> Iterator[tuple[str, str, str]]:
    """``(host patterns, key type, key)`` of every host line (markers and comments skipped)."""
    for raw in known_hosts.decode(errors="replace").splitlines():
        fields = raw.split()
        if not fields or fields[0].startswith("#") or fields[0].startswith("@"):
            continue
        if len(fields) >= 3:
            yield fields[0], fields[1], fields[2]


def host_is_listed(known_hosts: bytes, host: str, port: int | None) -> bool:
    """True when some line of ``known_hosts`` names ``host`` on ``port`` (any key)."""
    name = host if port in (None, _DEFAULT_PORT) else f"[{host}]:{port}"
    return any(_patterns_match(patterns, name) for patterns, _, _ in entries(known_hosts))


def _patterns_match(patterns: str, name: str) -> bool:
    if patterns.startswith(_HASHED):
        return _hashed_match(patterns, name)
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if _wildcard(pattern.removeprefix("!")).fullmatch(name.lower()):
            if negated:
                return False
            matched = True
    return matched


def _wildcard(pattern: str) -> re.Pattern[str]:
    """OpenSSH host patterns know only ``*`` and ``?``; brackets are literal (``[host]:port``)."""
    escaped = re.escape(pattern.lower())
    return re.compile(escaped.replace(r"\*", ".*").replace(r"\?", "."))


def _hashed_match(entry: str, name: str) -> bool:
    try:
        salt_b64, digest_b64 = entry[len(_HASHED) :].split("|", 1)
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except (ValueError, binascii.Error):
        return False
    expected = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(expected, digest)
