"""A watch response arrives in chunks that cut lines anywhere; events are whole lines."""

from __future__ import annotations

from activities.kube_watch import LineBuffer


def _fed(chunks: list[bytes]) -> list[bytes]:
    buffer = LineBuffer()
    lines = [bytes(line) for chunk in chunks for line in buffer.feed(chunk)]
    if (last := buffer.rest()) is not None:
        lines.append(bytes(last))
    return lines


def test_a_line_cut_across_chunks_comes_out_whole() -> None:
    assert _fed([b'{"a":', b"1", b"}\n"]) == [b'{"a":1}']


def test_the_start_of_the_next_line_in_a_chunk_is_kept() -> None:
    assert _fed([b"one\ntw", b"o\nthr", b"ee\n"]) == [b"one", b"two", b"three"]


def test_blank_lines_are_dropped() -> None:
    assert _fed([b"\n\none\n \n"]) == [b"one"]


def test_a_last_line_without_its_end_is_the_rest() -> None:
    assert _fed([b"one\nlast"]) == [b"one", b"last"]


def test_nothing_comes_out_before_a_line_ends() -> None:
    assert LineBuffer().feed(b"x" * 100_000) == []
