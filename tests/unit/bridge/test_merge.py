"""The status merge patch: applying it to the old status gives exactly the new one."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bridge.merge import merge_patch

_LEAVES = st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
_DOCS = st.recursive(
    st.dictionaries(st.sampled_from("abcd"), _LEAVES, max_size=4),
    lambda children: st.dictionaries(st.sampled_from("abcd"), children | _LEAVES, max_size=4),
    max_leaves=12,
)


def _apply(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 as the API server applies it."""
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            base = result.get(key)
            result[key] = _apply(base if isinstance(base, dict) else {}, value)
        else:
            result[key] = value
    return result


@given(_DOCS, _DOCS)
def test_applying_the_patch_to_the_old_document_gives_the_new_one(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    assert _apply(old, merge_patch(old, new)) == new


def test_a_removed_field_is_sent_as_null() -> None:
    assert merge_patch({"stream": {"queuedEvents": 3, "status": "Live"}}, {"stream": {}}) == {
        "stream": {"queuedEvents": None, "status": None}
    }


def test_equal_documents_need_no_patch() -> None:
    doc = {"phase": "RUNNING", "conditions": [{"type": "Ready"}]}
    assert merge_patch(doc, doc) == {}
