"""Fencing: a worker frozen with SIGSTOP past its heartbeat timeout, then resumed after the
other worker took its stream over, pushes nothing stale: the tree still equals the live
state.

The frozen worker holds changes it has not pushed (pushes wait for a 4 s interval) when
it is frozen; the same objects then change again, so what it holds is older than what
the new attempt writes. Once resumed, its stream pushes at once (its interval is long
past) before Temporal's answer to its next heartbeat can cancel it.

With the fence check off (``_TreeEditor._hold`` in activities/git/commits.py refusing
nothing) this test failed: the resumed worker pushed its 10 stale ConfigMaps over the
new attempt's."""

from __future__ import annotations

import time

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.e2e.stream.livestate import LiveTree, stream_holder
from tests.harness.operator import OperatorProcess
from tests.integration.encryption.binaries import Binaries

CONFIGMAPS = 10
PUSH_INTERVAL = "4s"
REFUSED = "gave way to"
"""What the frozen worker's branch writer logs for each change a newer fence refuses."""


def _received(worker: OperatorProcess) -> float:
    """Watch events the worker's streams received (this module's operator has one target)."""
    return worker.metric("gitops_reverser_events_received_total")


def test_a_worker_resumed_after_its_stream_moved_pushes_nothing_stale(
    two_workers: Operator, scenario: Scenario, binaries: Binaries
) -> None:
    s, operator = scenario, two_workers
    provider = s.provider(max_commits=100)
    provider["spec"]["push"]["interval"] = PUSH_INTERVAL
    s.apply(s.credentials(), provider, s.target(), s.watch_rule(resources=("configmaps",)))
    s.wait("mirror", "Ready=true", timeout=90)
    names = [f"fenced-{i}" for i in range(CONFIGMAPS)]
    tree = LiveTree(s, binaries, (("configmaps", True),))
    s.apply(*(s.config_map(name, {"VERSION": "1"}) for name in names))
    tree.wait_equal(timeout=30)
    attempt, frozen = stream_holder(operator, s)
    assert frozen is not None, "a worker runs the stream"

    seen = _received(frozen)
    s.apply(*(s.config_map(name, {"VERSION": "2, stale once frozen"}) for name in names))
    s.until(lambda: _received(frozen) >= seen + CONFIGMAPS, "the holder received v2")
    frozen.pause()
    frozen_at = time.monotonic()
    try:
        pushed = b"".join(tree.files().values())
        assert b"2, stale" not in pushed, "the frozen worker holds v2 unpushed"
        s.apply(*(s.config_map(name, {"VERSION": "3"}) for name in names))

        def moved() -> bool:
            now, holder = stream_holder(operator, s)
            return now > attempt and holder is not None and holder is not frozen

        s.until(moved, "the stream moved to the other worker", timeout=60)
        print(f"the stream moved {time.monotonic() - frozen_at:.1f}s after SIGSTOP")
        print(f"tree equal to v3 {tree.wait_equal(timeout=30):.1f}s after it moved")
    finally:
        frozen.resume()
    resumed_at = time.monotonic()

    s.until(lambda: REFUSED in frozen.log(), "the resumed worker tried its stale push", timeout=30)
    print(f"the resumed worker's stale changes were refused {time.monotonic() - resumed_at:.1f}s")
    time.sleep(2)  # a push the fence let through would be on the remote by now
    assert tree.mismatches() == []
    assert s.condition("mirror", "EventStreamLive") == ("True", "Registered")
