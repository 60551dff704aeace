"""Writing an encrypted SOPS document as YAML text, fast, byte for byte as yamlio writes it.

``yamlio.dump`` (pure-Python ruamel) costs about 1.5 ms for a small Secret, which alone
would eat most of the speed-up of encrypting in-process. Encrypted documents are almost
entirely shapes with one obvious spelling: nested mappings, ``ENC[...]`` tokens, short
names, the armored data keys. This module writes exactly those shapes directly and hands
any document holding something else (floats, empty collections, nested lists, strings
with spaces, quotes or non-ASCII, long keys...) to ``yamlio.dump`` unchanged. A property
test holds the two writers to identical output, so the fast path is an optimisation,
never a second dialect.

Pure text building; no I/O.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from activities import yamlio

__all__ = ["emit"]

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
# Strings written plain (or, when a resolver would misread them, double-quoted) with no
# escaping: printable ASCII without spaces, quotes, backslashes or YAML indicators that
# matter at the start (the first character is alphanumeric, '_', '/', '.' or '^', and
# no '...' document marker), and not ending in ':'.
_SIMPLE = re.compile(r"(?!\.\.\.)[A-Za-z0-9_/.^][A-Za-z0-9_/.^$|=+:,@()\[\]-]*(?<!:)")
_B64 = "[A-Za-z0-9+/=]+"
_TOKEN = re.compile(rf"ENC\[AES256_GCM,data:{_B64},iv:{_B64},tag:{_B64},type:[a-z]+\]")
# Lines of a literal block: printable ASCII, no leading or trailing whitespace.
_BLOCK_LINE = re.compile(r"[!-~](?:[ -~]*[!-~])?")
_MAX_SIMPLE_KEY = 128


class _NotSimple(Exception):
    """The document holds a shape only the general writer spells correctly."""


def emit(document: dict[str, Any]) -> str:
    """The YAML text ``yamlio.dump(document)`` would produce."""
    lines: list[str] = []
    try:
        _mapping(document, 0, lines)
    except _NotSimple:
        return yamlio.dump(document)
    return "".join(lines)


def _mapping(node: dict[str, Any], indent: int, out: list[str]) -> None:
    if not node:
        raise _NotSimple
    pad = " " * indent
    for key, value in node.items():
        head = f"{pad}{_key(key)}:"
        if isinstance(value, dict):
            out.append(head + "\n")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list):
            out.append(head + "\n")
            _sequence(value, indent, out)
        elif isinstance(value, str) and "\n" in value:
            out.append(f"{head} {_literal(value, indent + 2)}")
        else:
            out.append(f"{head} {_scalar(value)}\n")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    if not items:
        raise _NotSimple
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            start = len(out)
            _mapping(item, indent + 2, out)
            out[start] = f"{pad}- {out[start][indent + 2 :]}"
        elif isinstance(item, list) or (isinstance(item, str) and "\n" in item):
            raise _NotSimple
        else:
            out.append(f"{pad}- {_scalar(item)}\n")


def _key(key: object) -> str:
    if not isinstance(key, str) or len(key) >= _MAX_SIMPLE_KEY:
        raise _NotSimple
    return _string(key)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    raise _NotSimple


def _string(value: str) -> str:
    if _TOKEN.fullmatch(value):
        return value
    if value == "":
        return '""'
    if _SIMPLE.fullmatch(value) is None:
        raise _NotSimple
    return f'"{value}"' if _is_ambiguous(value) else value


@lru_cache(maxsize=4096)
def _is_ambiguous(value: str) -> bool:
    """True when some YAML version would resolve the plain scalar to a non-string."""
    return any(
        resolver.resolve(ScalarNode, value, (True, False)) != _STR_TAG for resolver in _RESOLVERS
    )


def _literal(value: str, indent: int) -> str:
    body = value.removesuffix("\n")
    lines = body.split("\n")
    if body.endswith("\n") or not all(_BLOCK_LINE.fullmatch(line) for line in lines):
        raise _NotSimple
    chomp = "" if value.endswith("\n") else "-"
    pad = " " * indent
    return f"|{chomp}\n" + "".join(f"{pad}{line}\n" for line in lines)
