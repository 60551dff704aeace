"""yamlio.dump writes the reference's bytes, directly for manifest shapes, and reads back."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.representer import RepresenterError

from activities import yamlio
from activities.yamlio import fast, reference
from tests.unit.yamlio.strategies import (
    AMBIGUOUS_WORDS,
    TRICKY_STRINGS,
    any_keys,
    documents,
    strings,
    typed,
)


class Colour(StrEnum):
    RED = "red"


number_or_date_like = st.from_regex(r"[-+.0-9_:eExXoObB]{1,12}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*")


def direct(data: Any) -> str | None:
    """The direct writer's text, or None where it leaves the document to the reference."""
    try:
        return fast.dump(data)
    except fast.Unproven:
        return None


class TestSameBytesAsTheReference:
    @settings(max_examples=400, deadline=None)
    @given(documents(any_keys))
    def test_any_document_is_written_as_the_reference_writes_it(self, data: Any) -> None:
        assert yamlio.dump(data) == reference.dump(data)

    @settings(max_examples=400, deadline=None)
    @given(documents())
    def test_documents_with_one_line_keys_are_written_directly(self, data: Any) -> None:
        assert direct(data) == reference.dump(data)

    @pytest.mark.parametrize("text", TRICKY_STRINGS)
    def test_tricky_string_is_spelled_as_the_reference_spells_it_anywhere(self, text: str) -> None:
        nested = {"a": {"b": [text, {"c": text, "d": [text]}]}}
        for data in ({"k": text}, [text], nested, {"a": [[text, text], {text: [text]}]}):
            assert yamlio.dump(data) == reference.dump(data)

    @pytest.mark.parametrize("text", [t for t in TRICKY_STRINGS if "\n" not in t][:80])
    def test_tricky_one_line_key_is_written_directly(self, text: str) -> None:
        assert direct({text: text, "x": {text: [text]}}) == reference.dump(
            {text: text, "x": {text: [text]}}
        )


class TestQuotingDecision:
    @settings(max_examples=1000, deadline=None)
    @given(st.one_of(strings, number_or_date_like, st.sampled_from(AMBIGUOUS_WORDS)))
    def test_ambiguity_is_decided_as_the_reference_resolvers_decide_it(self, text: str) -> None:
        assert fast.is_ambiguous(text) == reference.is_ambiguous(text)


class TestReadsBack:
    @settings(max_examples=300, deadline=None)
    @given(documents(any_keys, nan=False))
    def test_what_is_written_reads_back_as_the_same_values(self, data: Any) -> None:
        assert typed(yamlio.load(yamlio.dump(data))) == typed(data)


class TestSpelling:
    @pytest.mark.parametrize(
        ("value", "written"),
        [
            ("plain words", "plain words"),
            ("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
            ("yes", '"yes"'),
            ("0777", '"0777"'),
            ("1e3", '"1e3"'),
            ("2024-01-01", '"2024-01-01"'),
            ("", '""'),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("it's: x", '"it\'s: x"'),
            ("trailing ", "'trailing '"),
            ("tab\there", '"tab\\there"'),
            ("cr\r\n", '"cr\\r\\n"'),
            ("bom\ufeff", '"bom\\uFEFF"'),
            ("nel\x85", '"nel\\N"'),
            ("héllo ✓ 😀", "héllo ✓ 😀"),
            (-7, "-7"),
            (True, "true"),
            (None, "null"),
            (1e20, "1.0e+20"),
            (float("-inf"), "-.inf"),
        ],
    )
    def test_scalar_is_spelled_in_the_reference_style(self, value: object, written: str) -> None:
        assert direct({"k": value}) == f"k: {written}\n" == reference.dump({"k": value})

    @pytest.mark.parametrize(
        ("value", "written"),
        [
            ("a\nb", "k: |-\n  a\n  b\n"),
            ("a\n", "k: |\n  a\n"),
            ("a\n\n", "k: |+\n  a\n\n...\n"),
            ("\na", "k: |2-\n\n  a\n"),
            (" a\nb ", "k: |2-\n   a\n  b \n"),
            ("a\n  \n\tb\n", "k: |\n  a\n    \n  \tb\n"),
        ],
    )
    def test_multi_line_string_is_a_literal_block(self, value: str, written: str) -> None:
        assert direct({"k": value}) == written == reference.dump({"k": value})

    def test_sequences_sit_at_their_key_and_mappings_start_on_the_dash(self) -> None:
        data = {"l": [[1, [2]], {"a": {"b": [{"c": "x\ny"}]}}, {}, []], "e": {}}
        assert direct(data) == (
            "l:\n- - 1\n  - - 2\n- a:\n    b:\n    - c: |-\n        x\n        y\n"
            "- {}\n- []\ne: {}\n"
        )
        assert direct(data) == reference.dump(data)

    def test_empty_document_is_a_flow_collection(self) -> None:
        assert direct({}) == "{}\n" == reference.dump({})
        assert direct([]) == "[]\n" == reference.dump([])


class TestLeftToTheReference:
    @pytest.mark.parametrize(
        "data",
        [
            pytest.param({"k" * 123: 1}, id="long key"),
            pytest.param({"a\nb": 1}, id="multi-line key"),
            pytest.param({1: "a"}, id="int key"),
            pytest.param({"k": (1, 2)}, id="tuple"),
            pytest.param({"k": "x" * 60_000 + "\t"}, id="long one-line string"),
            pytest.param("scalar", id="bare scalar"),
        ],
    )
    def test_unproven_shape_is_written_by_the_reference(self, data: Any) -> None:
        assert direct(data) is None
        assert yamlio.dump(data) == reference.dump(data)

    @pytest.mark.parametrize("data", [{"k": Colour.RED}, {"red": 1, "x": {Colour.RED: 1}}])
    def test_str_subclass_is_refused_as_the_reference_refuses_it(self, data: Any) -> None:
        assert direct({"red": 1}) == "red: 1\n"  # the equal str's spelling is cached
        assert direct(data) is None
        with pytest.raises(RepresenterError):
            yamlio.dump(data)

    def test_shared_object_keeps_the_reference_anchor(self) -> None:
        shared = {"a": 1}
        data = {"p": shared, "q": shared}
        assert direct(data) is None
        assert yamlio.dump(data) == "p: &id001\n  a: 1\nq: *id001\n"

    def test_long_multi_line_value_is_still_written_directly(self) -> None:
        script = "echo hello world\n" * 10_000
        assert direct({"run.sh": script}) == reference.dump({"run.sh": script})


class TestYaml11Readers:
    """PyYAML reads YAML 1.1, as go-yaml v2 and sigs.k8s.io/yaml do: our floats stay floats."""

    @given(st.floats(allow_nan=False))
    def test_every_float_reads_back_as_the_same_float_in_yaml_1_1(self, value: float) -> None:
        read = pyyaml.safe_load(yamlio.dump({"v": value}))["v"]

        assert type(read) is float
        assert read == value

    @pytest.mark.parametrize(
        ("value", "spelled"), [(1e-06, "1.0e-06"), (1e20, "1.0e+20"), (1.5e-07, "1.5e-07")]
    )
    def test_an_exponent_always_has_a_decimal_point(self, value: float, spelled: str) -> None:
        assert yamlio.dump({"v": value}) == f"v: {spelled}\n"
