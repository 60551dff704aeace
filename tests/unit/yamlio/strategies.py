"""Hypothesis strategies for Kubernetes-like data, leaning on what YAML writers misspell."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "AMBIGUOUS_WORDS",
    "TRICKY_STRINGS",
    "any_keys",
    "documents",
    "one_line_keys",
    "scalars",
    "strings",
    "typed",
]

_LINE_BREAKS = re.compile("[\n\x85\u2028\u2029]")

# Plain forms some YAML 1.1 or 1.2 resolver reads as a bool, null, number or date.
AMBIGUOUS_WORDS = [
    *("y", "Y", "n", "N", "yes", "No", "on", "OFF", "true", "False", "TRUE"),
    *("null", "Null", "~", "", "<<", "="),
    *("0", "123", "-7", "+1", "0777", "0o17", "0x1F", "0b101", "1_000", "1:30", "190:20:30"),
    *("3.14", "-.5", "1e3", "1E-3", "6.8523015e+5", ".inf", "-.Inf", ".NaN", "685_230.15"),
    *("2024-01-01", "2024-1-1", "2024-01-01T10:00:00Z", "2001-12-14 21:59:43.10 -5"),
]
TRICKY_STRINGS = [
    *AMBIGUOUS_WORDS,
    *(" leading", "trailing ", " ", "  ", "a  b", "a: b", "a:b", "a:", ":", ": a", "::"),
    *("# c", "a #b", "a#b", "#", "- a", "-", "-a", "--", "---", "--- a", "...", "...a"),
    *("? a", "?", "?a", "a?", "[a]", "{a}", "a,b", "a, b", "a]", "*x", "&x", "!x", "|", ">"),
    *("%x", "@x", "`x", "'q'", "it's", "it's: x", '"q"', 'say "hi"', "back\\slash", "a\\"),
    *("tab\there", "\t", "nul\x00", "bell\x07", "esc\x1b", "del\x7f", "nel\x85", "nbsp\xa0"),
    *("ls\u2028", "ps\u2029", "bom\ufeff", "\ufffe", "\uffff", "\U0001f600 smile", "héllo ✓ 秘密"),
    *("\ud800", "a\udfff\nb", "\U0010ffff", "\xa0lead", "trail\xa0", "\u3000 wide", "\ufeff\n"),
    *("cr\r", "a\r\nb\r\n", "\r\n", "\n", "\n\n", "a\n", "a\n\n", "a\n\n\n", "\na", " \na"),
    *("a \nb", "a\n b", "a\n\tb\n", "line one\nline two", "x\n  \ny\n", "# x\n- y\n", "---\n"),
    *("...\n", "a\n...\n", "k: v\nl: w\n", "'\n'", '"\n"', "\\\n\\", "a\u00a0\nb"),
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    "https://example.com/a?b=c&d=e#frag",
    "x" * 130,
]

strings = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(max_size=30),
    st.text(alphabet=" \t\n\r:#-'\"\\ab0.?", max_size=12),
    st.from_regex(r"[A-Za-z0-9_./-]{1,20}", fullmatch=True),
)
# Keys as manifests have them: one line, shorter than the 128 that makes a `? ` key.
one_line_keys = st.one_of(
    strings.filter(lambda key: len(key) < 120 and not _LINE_BREAKS.search(key)),
    st.sampled_from(["name", "n", "on", "yes", "y", "null", "1", "2.0", "x" * 119]),
)

any_keys = st.one_of(strings, one_line_keys)


def scalars(*, nan: bool = True) -> st.SearchStrategy[Any]:
    return st.one_of(strings, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=nan))


def documents(
    keys: st.SearchStrategy[str] = one_line_keys, *, nan: bool = True, max_leaves: int = 30
) -> st.SearchStrategy[Any]:
    """Nested dicts and lists of scalars (dict or list at the top, as manifests are)."""
    values = st.recursive(
        scalars(nan=nan),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=max_leaves,
    )
    return st.one_of(st.dictionaries(keys, values, max_size=6), st.lists(values, max_size=4))


def typed(node: Any) -> Any:
    """A form of ``node`` where key order, ``1``/``True``/``1.0``/``"1"`` and ``-0.0``/``0.0``
    differences show: every scalar as (type name, repr)."""
    if isinstance(node, dict):
        return [(typed(key), typed(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [typed(item) for item in node]
    return (type(node).__name__, repr(node))
