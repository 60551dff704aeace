"""The remote down for 30 s in the middle of a burst: EventStreamLive goes False with the
cause within seconds, changes keep being made, it comes back True once the remote is up
on the same port, and every change lands (the tree equals the live state). The same for
a remote that answers but refuses pushes (503) for 10 s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.e2e.stream.livestate import LiveTree
from tests.harness.git import RestartableHttpServer
from tests.integration.encryption.binaries import Binaries

OBJECTS = 20
SECRETS = 5
OUTAGE = 30.0
REFUSAL = 10.0
LIVE = "EventStreamLive"


def _live(scenario: Scenario) -> tuple[str, str, str]:
    for found in scenario.status("mirror").get("conditions") or []:
        if found["type"] == LIVE:
            return found["status"], found["reason"], found.get("message", "")
    return "", "", ""


class _Burst:
    """Changes made in the background, one round of updates (and a delete, a re-create)
    every ``pause`` seconds, until stopped."""

    def __init__(self, scenario: Scenario, pause: float = 0.5) -> None:
        self.scenario = scenario
        self.pause = pause
        self.rounds = 0
        self.changes = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="burst", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        s = self.scenario
        try:
            while not self._stop.is_set():
                self.rounds += 1
                round_ = str(self.rounds)
                s.apply(
                    *(s.config_map(f"burst-{i}", {"ROUND": round_}) for i in range(OBJECTS)),
                    *(
                        s.secret(f"burst-secret-{i}", {"TOKEN": f"secret-value-{i}-round-{round_}"})
                        for i in range(SECRETS)
                    ),
                )
                self.changes += OBJECTS + SECRETS
                victim = f"burst-{self.rounds % OBJECTS}"
                s.delete("configmap", victim, wait=False)
                self.changes += 1
                self._stop.wait(self.pause)
        except BaseException as error:  # noqa: BLE001 - raised again by stop()
            self.error = error


def _outage(
    s: Scenario,
    binaries: Binaries,
    *,
    seconds: float,
    begin: Callable[[], None],
    end: Callable[[], None],
) -> None:
    """Ready, a burst running, ``begin`` the outage for ``seconds`` then ``end`` it:
    EventStreamLive goes False/Disconnected naming the cause, then True, and every
    change made meanwhile lands."""
    s.apply(s.credentials(), s.provider(max_commits=50), s.target(), s.watch_rule())
    s.wait("mirror", "Ready=true", timeout=90)
    s.until(lambda: _live(s)[0] == "True", "EventStreamLive=True", timeout=30)
    burst = _Burst(s)
    burst.start()
    try:
        time.sleep(3)
        before = burst.changes
        begin()
        down_at = time.monotonic()
        s.until(lambda: _live(s)[0] == "False", "EventStreamLive=False", timeout=25)
        went_false = time.monotonic() - down_at
        status, reason, message = _live(s)
        print(f"EventStreamLive=False/{reason} {went_false:.1f}s after the outage began")
        print(f"  message: {message}")
        assert reason == "Disconnected", (status, reason, message)
        assert message, "the cause is named"
        time.sleep(max(seconds - (time.monotonic() - down_at), 0))
        during = burst.changes - before
        end()
        up_at = time.monotonic()
        s.until(lambda: _live(s)[0] == "True", "EventStreamLive=True again", timeout=60)
        came_back = time.monotonic() - up_at
        print(f"EventStreamLive=True {came_back:.1f}s after the outage ended")
        time.sleep(3)
    finally:
        burst.stop()
    print(f"{burst.changes} changes in {burst.rounds} rounds, {during} during the outage")
    assert during > 0, "changes kept being made during the outage"
    tree = LiveTree(s, binaries, (("configmaps", True), ("secrets", True)))
    took = tree.wait_equal(timeout=60)
    print(f"tree equal to the live state ({tree.compared} objects) {took:.1f}s after the burst")
    assert tree.compared >= OBJECTS - 1 + SECRETS
    assert _live(s)[0] == "True"


def test_the_remote_down_for_30_s_mid_burst_goes_not_live_comes_back_and_loses_nothing(
    operator: Operator,
    outage_scenario: Scenario,
    remote_server: RestartableHttpServer,
    binaries: Binaries,
) -> None:
    def back() -> None:
        assert not remote_server.is_up
        remote_server.up()  # the same port

    _outage(outage_scenario, binaries, seconds=OUTAGE, begin=remote_server.down, end=back)


def test_a_remote_refusing_pushes_mid_burst_goes_not_live_comes_back_and_loses_nothing(
    operator: Operator, scenario: Scenario, binaries: Binaries
) -> None:
    remote = scenario.remote
    try:
        _outage(
            scenario,
            binaries,
            seconds=REFUSAL,
            begin=remote.refuse_pushes,
            end=lambda: remote.refuse_pushes(False),
        )
    finally:
        remote.refuse_pushes(False)
