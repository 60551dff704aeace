"""A watch position advances only over events whose changes are on the remote."""

from __future__ import annotations

from activities.stream.positions import Positions


def test_a_position_stays_until_the_change_of_its_event_is_pushed() -> None:
    positions = Positions(pushed={"core/v1/configmaps": "100"})
    positions.submitted("core/v1/configmaps", "105", sequence=7)
    assert positions.advance(pushed_through=6) is False
    assert positions.pushed == {"core/v1/configmaps": "100"}
    assert positions.advance(pushed_through=7) is True
    assert positions.pushed == {"core/v1/configmaps": "105"}


def test_a_bookmark_waits_for_the_changes_submitted_before_it() -> None:
    positions = Positions(pushed={"w": "1"})
    positions.submitted("w", "5", sequence=3)
    positions.reached("w", "9")
    positions.advance(pushed_through=2)
    assert positions.pushed == {"w": "1"}
    positions.advance(pushed_through=3)
    assert positions.pushed == {"w": "9"}


def test_a_bookmark_with_nothing_pending_advances_at_once() -> None:
    positions = Positions(pushed={})
    positions.reached("w", "42")
    assert positions.advance(pushed_through=0) is True
    assert positions.pushed == {"w": "42"}


def test_positions_of_different_watches_move_independently_in_sequence_order() -> None:
    positions = Positions(pushed={})
    positions.submitted("a", "10", sequence=1)
    positions.submitted("b", "11", sequence=2)
    positions.submitted("a", "12", sequence=3)
    positions.advance(pushed_through=2)
    assert positions.pushed == {"a": "10", "b": "11"}
    assert positions.waiting == 1
