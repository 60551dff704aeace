"""Fencing: a worker frozen with SIGSTOP past its heartbeat timeout, then resumed after the
other worker took its stream over, pushes nothing stale: the tree still equals the live
state.

The worker is frozen in the middle of a push of changes that are about to become stale:
its git server is held (SIGSTOP) until the push interval has passed, so the worker's
flush waits on it, and only then is the worker frozen and the server let go. The same
objects change again, and the other worker's new attempt writes them. Once resumed, the
frozen worker's flush goes on in its thread whatever Temporal tells the stream (its
cancellation cannot stop a push under way): the push is rejected, the remote having
moved, and the writer re-applies the stale changes on the new tip. The fence refuses
them there.

With the fence check off (``_TreeEditor._hold`` in activities/git/commits.py refusing
nothing) this test failed: the resumed worker's re-applied push put the 10 stale
ConfigMaps over the new attempt's."""

from __future__ import annotations

import time

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.e2e.stream.livestate import LiveTree, stream_holder
from tests.harness.git import RestartableHttpServer
from tests.harness.operator import OperatorProcess
from tests.integration.encryption.binaries import Binaries

CONFIGMAPS = 10
PUSH_INTERVAL = 4
RE_APPLIED = "re-applying pending changes"
"""What a branch writer logs when its push was rejected because the remote moved."""


def _received(worker: OperatorProcess) -> float:
    """Watch events the worker's streams received (this module's operator has one target)."""
    return worker.metric("gitops_reverser_events_received_total")


def test_a_worker_resumed_after_its_stream_moved_pushes_nothing_stale(
    two_workers: Operator,
    outage_scenario: Scenario,
    remote_server: RestartableHttpServer,
    binaries: Binaries,
) -> None:
    s, operator = outage_scenario, two_workers
    provider = s.provider(max_commits=100)
    provider["spec"]["push"]["interval"] = f"{PUSH_INTERVAL}s"
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
    remote_server.pause()
    try:
        time.sleep(PUSH_INTERVAL + 1.5)  # the flush of v2 is under way, waiting on git
        frozen.pause()
    finally:
        remote_server.resume()
    frozen_at = time.monotonic()
    try:
        assert b"2, stale" not in b"".join(tree.files().values()), "v2 is held unpushed"
        s.apply(*(s.config_map(name, {"VERSION": "3"}) for name in names))

        def moved() -> bool:
            now, holder = stream_holder(operator, s)
            return now > attempt and holder is not None and holder is not frozen

        s.until(moved, "the stream moved to the other worker", timeout=60)
        print(f"the stream moved {time.monotonic() - frozen_at:.1f}s after SIGSTOP")
        print(f"tree equal to v3 {tree.wait_equal(timeout=30):.1f}s after it moved")
        rejected = frozen.log().count(RE_APPLIED)
    finally:
        frozen.resume()
    resumed_at = time.monotonic()

    s.until(
        lambda: frozen.log().count(RE_APPLIED) > rejected,
        "the resumed worker's rejected push",
        timeout=30,
    )
    print(f"its push was rejected {time.monotonic() - resumed_at:.1f}s after SIGCONT")
    time.sleep(2)  # a re-applied push the fence let through lands within this
    assert tree.mismatches() == []
    assert s.condition("mirror", "EventStreamLive") == ("True", "Registered")
