"""Event-to-push latency: each written event's wait ends with the push that holds it."""

from __future__ import annotations

from activities.stream.latency import PushLatency


def test_a_push_ends_the_wait_of_every_change_it_holds_and_no_other() -> None:
    latency = PushLatency()
    latency.submitted(1, received_at=10.0)
    latency.submitted(2, received_at=10.5)
    latency.submitted(3, received_at=11.0)
    assert latency.pushed(2, now=12.0) == [2.0, 1.5]
    assert latency.pushed(2, now=13.0) == []
    assert latency.pushed(3, now=13.0) == [2.0]


def test_nothing_is_measured_before_anything_is_pushed() -> None:
    latency = PushLatency()
    latency.submitted(1, received_at=1.0)
    assert latency.pushed(0, now=5.0) == []
