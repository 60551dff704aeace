"""The MAC is computed over our values, so what yamlio writes must read back as them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities import yamlio
from tests.unit.sops.strategies import TRICKY_STRINGS


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(TRICKY_STRINGS)))
def test_every_string_reads_back_as_itself_as_key_and_as_value(text: str) -> None:
    document = {"value": text, text or "empty": "key"}
    assert yamlio.load(yamlio.dump(document)) == document


@pytest.mark.parametrize("text", ["a\r\nb\r\n", "\x1f\n", "x\n\x85y", "a\u2028b\n", "a\x7fb\n"])
def test_line_breaks_and_controls_in_multi_line_strings_survive(text: str) -> None:
    assert yamlio.load(yamlio.dump({"a": text})) == {"a": text}
