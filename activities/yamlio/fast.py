"""Writing yamlio's YAML directly, for the shapes whose spelling is known exactly.

The reference writer (:mod:`activities.yamlio.reference`, pure-Python ruamel) costs
over a millisecond per manifest, mostly in its event pipeline. Kubernetes manifests
use a handful of shapes: nested block mappings with string keys, block sequences,
strings, ints, bools, nulls and the odd float. This module spells exactly those the
way the reference does (same style decisions, same escapes, same indentation) and
raises :class:`Unproven` for anything else, so the caller hands the whole document to
the reference instead. Property tests hold the two to identical bytes; this module is
an optimisation, never a second dialect.

What it refuses (rare in manifests): non-``str`` keys, keys of 120 characters or more
or holding a line break (the reference writes those as ``?`` complex keys), the same
dict or list object appearing twice (the reference writes anchors), types other than
exactly ``dict``/``list``/``str``/``int``/``bool``/``float``/``None``, floats whose
text would not read back as a float, scalars long enough for the reference's line
width to matter, and a bare scalar as the whole document.

Pure text building; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from ruamel.yaml.emitter import Emitter
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from activities.yamlio.reference import FLOAT_TAG, NEEDS_ESCAPE, RESOLVERS, STR_TAG, float_text

__all__ = ["Unproven", "dump", "is_ambiguous"]

# The reference writer resolves plain scalars as YAML 1.2 when deciding on tags.
_WRITER_RESOLVER = VersionedResolver(version=(1, 2))
# The reference writes a key as `? key` once its length plus that of the `!!str` tag
# reaches 128; shorter keys leave a margin.
_MAX_SIMPLE_KEY = 120
# Far below the reference's line width (2**20), so it never folds what we write inline.
_MAX_INLINE = 50_000
# Spellings of strings up to this length are cached (keys, labels, repeated values).
_MAX_CACHED = 256
_LINE_BREAKS = re.compile("[\n\x85\u2028\u2029]")
# Characters the emitter's analysis calls special (only double quotes can carry them).
_SPECIAL = "[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff"
# Strings only double quotes carry: the reference escapes these or finds them special.
_QUOTED_ONLY = re.compile(f"{NEEDS_ESCAPE.pattern}|{_SPECIAL}")
# What the double-quoted writer escapes: quotes, backslashes, breaks and non-printables.
_DOUBLE_QUOTED_ESCAPE = re.compile(
    '["\\\\\x85\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]'
)
_ESCAPES: dict[str, str] = Emitter.ESCAPE_REPLACEMENTS
# A plain scalar may not start with these (YAML indicators, or a space).
_BAD_FIRST = frozenset("#,[]{}&*!|>'\"%@` ")


_Match = Callable[[str], "re.Match[str] | None"]


def _implicit_patterns() -> dict[str | None, tuple[_Match, ...]]:
    """The resolvers' non-string implicit patterns of both YAML versions, by first character."""
    table: dict[str | None, tuple[_Match, ...]] = {}
    for resolver in RESOLVERS:
        for first, entries in resolver.versioned_resolver.items():
            # Bound once: ruamel's patterns are lazy proxies, slow on every attribute access.
            matches = tuple(regexp.match for tag, regexp in entries if tag != STR_TAG)
            table[first] = table.get(first, ()) + matches
    return table


_IMPLICIT = _implicit_patterns()
_IMPLICIT_ANY_FIRST = _IMPLICIT.get(None, ())


class Unproven(Exception):
    """The data holds a shape this writer does not spell; use the reference writer."""


class _Literal(NamedTuple):
    """A literal block: its ``|`` header and its lines (``""`` for an empty line)."""

    header: str
    lines: tuple[str, ...]
    open_ended: bool  # `|+` chomping: the reference ends the document with `...`


def dump(data: Any) -> str:
    """The text ``reference.dump(data)`` produces, or :class:`Unproven`."""
    writer = _Writer()
    if type(data) is dict:
        if not data:
            return "{}\n"
        writer.mapping(data, 0)
    elif type(data) is list:
        if not data:
            return "[]\n"
        writer.sequence(data, 0)
    else:
        raise Unproven
    return writer.text()


class _Writer:
    """Appends the lines of one document; remembers containers to refuse aliases."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.seen: set[int] = set()
        self.open_ended_at = -1

    def text(self) -> str:
        if self.open_ended_at == len(self.out):
            self.out.append("...\n")
        return "".join(self.out)

    def enter(self, node: dict[Any, Any] | list[Any]) -> None:
        if id(node) in self.seen:
            raise Unproven
        self.seen.add(id(node))

    def mapping(self, node: dict[Any, Any], indent: int) -> None:
        self.enter(node)
        pad = " " * indent
        for key, value in node.items():
            self.entry(f"{pad}{_key(key)}:", value, indent)

    def sequence(self, items: list[Any], indent: int) -> None:
        self.enter(items)
        pad = " " * indent
        for item in items:
            if type(item) in (dict, list) and item:
                # The item is written as if indented by two, then its first
                # line's indentation becomes the dash.
                start = len(self.out)
                self.collection(item, indent + 2)
                self.out[start] = f"{pad}- {self.out[start][indent + 2 :]}"
            else:
                self.entry(f"{pad}-", item, indent)

    def collection(self, node: dict[Any, Any] | list[Any], indent: int) -> None:
        if isinstance(node, dict):
            self.mapping(node, indent)
        else:
            self.sequence(node, indent)

    def entry(self, head: str, value: Any, indent: int) -> None:
        """``head`` (``key:`` or ``-``) followed by ``value``, which is indented under it."""
        kind = type(value)
        if kind is dict or kind is list:
            if value:
                self.out.append(head + "\n")
                # Block sequences under a key are not indented further than the key.
                self.collection(value, indent + 2 if kind is dict else indent)
                return
            self.enter(value)
            self.out.append(f"{head} {'{}' if kind is dict else '[]'}\n")
            return
        text = _string(value) if kind is str else _scalar(value)
        if isinstance(text, str):
            self.out.append(f"{head} {text}\n")
        else:
            self.literal(head, text, " " * (indent + 2))

    def literal(self, head: str, block: _Literal, pad: str) -> None:
        body = "".join(f"{pad}{line}\n" if line else "\n" for line in block.lines)
        self.out.append(f"{head} {block.header}\n{body}")
        if block.open_ended:
            self.open_ended_at = len(self.out)


def _scalar(value: object) -> str:
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float and isinstance(value, float):
        return _float(value)
    raise Unproven


def _float(value: float) -> str:
    text = float_text(value)
    if _WRITER_RESOLVER.resolve(ScalarNode, text, (True, False)) != FLOAT_TAG:
        raise Unproven
    if not _plain_allowed(text):
        raise Unproven
    return text


# typed: a str subclass (a StrEnum member) must not hit the entry of its equal str.
@lru_cache(maxsize=4096, typed=True)
def _key(key: object) -> str:
    if type(key) is not str or len(key) >= _MAX_SIMPLE_KEY or _LINE_BREAKS.search(key):
        raise Unproven
    text = _string(key)
    assert isinstance(text, str)  # no line breaks, so never a literal block
    return text


def _string(value: str) -> str | _Literal:
    """How the reference spells ``value`` as a block mapping value or sequence item."""
    return _short_string(value) if len(value) <= _MAX_CACHED else _spell(value)


@lru_cache(maxsize=16384)
def _short_string(value: str) -> str | _Literal:
    return _spell(value)


def _spell(value: str) -> str | _Literal:
    if "\n" in value and not NEEDS_ESCAPE.search(value):
        return _literal(value)
    if len(value) > _MAX_INLINE:
        raise Unproven
    if _QUOTED_ONLY.search(value) or is_ambiguous(value):
        return _double_quoted(value)
    if _plain_allowed(value):
        return value
    if "'" in value:
        return _double_quoted(value)
    return f"'{value}'"


def is_ambiguous(value: str) -> bool:
    """``reference.is_ambiguous`` without the resolver's per-call version lookups."""
    patterns = _IMPLICIT.get(value[:1], ()) + _IMPLICIT_ANY_FIRST
    return any(match(value) for match in patterns)


def _plain_allowed(value: str) -> bool:
    """The emitter's block-plain verdict for a non-empty one-line string without specials."""
    if value[0] in _BAD_FIRST or value[-1] in " :" or value.startswith(("---", "...")):
        return False
    if value[0] in "?:-" and (len(value) == 1 or value[1] == " "):
        return False
    return ": " not in value and " #" not in value


def _double_quoted(value: str) -> str:
    return '"' + _DOUBLE_QUOTED_ESCAPE.sub(_escape, value) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return "\\" + _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _literal(value: str) -> _Literal:
    indent_hint = "2" if value[0] in " \n" else ""
    if not value.endswith("\n"):
        chomp = "-"
    elif len(value) == 1 or value[-2] == "\n":
        chomp = "+"
    else:
        chomp = ""
    lines = value.split("\n")
    if value.endswith("\n"):
        lines.pop()
    return _Literal(f"|{indent_hint}{chomp}", tuple(lines), open_ended=chomp == "+")
