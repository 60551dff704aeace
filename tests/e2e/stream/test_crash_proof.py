"""Crash proof: two workers share the target while a generator makes 2,000 changes
(create, update, delete) across 200 objects of three kinds (ConfigMaps, Secrets and the
cluster-scoped ClusterRoles); a worker is killed with SIGKILL 5 times at random moments
and replaced each time, so two always run. The schedule is seeded (the seed is printed;
STREAM_CRASH_SEED replays one); the worker holding the stream is the one killed whenever
it runs, more than half the time just after its heartbeat was recorded (the riskiest
moment: the checkpoint is furthest ahead of the last one). Changes move through the
objects as a rolling working set (an object changes a few times, then stays quiet), so
a change lost by a crash is not hidden by a later one. At the end the Git tree under the
target path equals the sanitised live state of every selected object, Secrets compared
by decrypting.

With positions advanced before the push (activities/stream/positions.py broken on
purpose) this test failed with 5 differences: 3 stale ConfigMaps, a stale Secret and a
ClusterRole whose deletion was lost."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.e2e.stream.livestate import LiveTree, last_heartbeat, stream_holder
from tests.integration.encryption.binaries import Binaries

RBAC = "rbac.authorization.k8s.io"
KINDS = {"configmap": 120, "secret": 40, "clusterrole": 40}  # 200 objects
CHANGES = 2000
KILLS = 5
SPREAD = 60.0
"""Seconds the generator spreads its changes over, so the kills land among them."""
PUSH_INTERVAL = "3s"
MAX_COMMITS = 200
"""Pushes every 3 s (a burst of 100 changes at most between them): the widest window in
which the heartbeat could hold positions the remote does not, were they ever to advance
before the push."""
WORKING_SET = 30
"""Objects changing at any moment of the generator's run."""
SELECTED = (("configmaps", True), ("secrets", True), (f"clusterroles.{RBAC}", False))


class _Generator:
    """Applies ``CHANGES`` changes through the API: first every object is created, then
    random updates, deletes, and re-creates of deleted objects, in a background thread."""

    def __init__(self, api: client.ApiClient, namespace: str, rng: random.Random) -> None:
        # Any: the client takes plain dicts as bodies, its stubs want its model classes.
        self.core: Any = client.CoreV1Api(api)
        self.rbac: Any = client.RbacAuthorizationV1Api(api)
        self.namespace = namespace
        self.rng = rng
        self.objects = [(kind, f"{kind}-{i:03d}") for kind, n in KINDS.items() for i in range(n)]
        rng.shuffle(self.objects)  # the working set mixes the kinds
        self.exists: set[tuple[str, str]] = set()
        self.made: Counter[str] = Counter()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="generator", daemon=True)

    def role(self, name: str) -> str:
        return f"{self.namespace}-{name}"

    def _body(self, kind: str, name: str, version: int) -> dict[str, Any]:
        meta = {"name": name, "labels": {"test": self.namespace}}
        if kind == "configmap":
            return {"metadata": meta, "data": {"VERSION": str(version), "NAME": name}}
        if kind == "secret":
            return {"metadata": meta, "stringData": {"TOKEN": f"token-{name}-version-{version}"}}
        verbs = ["get", "list", "watch", "create", "update", "delete"][: 1 + version % 6]
        rule = {"apiGroups": [""], "resources": ["configmaps"], "verbs": verbs}
        return {"metadata": {**meta, "name": self.role(name)}, "rules": [rule]}

    def _call(self, operation: str, kind: str, name: str, body: dict[str, Any]) -> None:
        ns = self.namespace
        calls: dict[tuple[str, str], Callable[[], object]] = {
            ("create", "configmap"): lambda: self.core.create_namespaced_config_map(ns, body),
            ("update", "configmap"): lambda: self.core.patch_namespaced_config_map(name, ns, body),
            ("delete", "configmap"): lambda: self.core.delete_namespaced_config_map(name, ns),
            ("create", "secret"): lambda: self.core.create_namespaced_secret(ns, body),
            ("update", "secret"): lambda: self.core.patch_namespaced_secret(name, ns, body),
            ("delete", "secret"): lambda: self.core.delete_namespaced_secret(name, ns),
            ("create", "clusterrole"): lambda: self.rbac.create_cluster_role(body),
            ("update", "clusterrole"): lambda: self.rbac.patch_cluster_role(self.role(name), body),
            ("delete", "clusterrole"): lambda: self.rbac.delete_cluster_role(self.role(name)),
        }
        calls[(operation, kind)]()
        self.made[operation] += 1

    def _pick(self, progress: float) -> tuple[str, str]:
        """An object of the working set at ``progress`` (0..1) through the changes."""
        count = len(self.objects)
        first = int(progress * (count - WORKING_SET))
        return self.objects[first + self.rng.randrange(WORKING_SET)]

    def _pace(self, started: float, index: int) -> None:
        """Change ``index`` is made no earlier than its share of ``SPREAD``."""
        time.sleep(max(started + index * SPREAD / CHANGES - time.monotonic(), 0.0))

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for index, (kind, name) in enumerate(self.objects):
                self._pace(started, index)
                self._call("create", kind, name, self._body(kind, name, 0))
                self.exists.add((kind, name))
            rest = CHANGES - len(self.objects)
            for version in range(1, rest + 1):
                self._pace(started, len(self.objects) + version)
                kind, name = self._pick(version / rest)
                if (kind, name) not in self.exists:
                    self._call("create", kind, name, self._body(kind, name, version))
                    self.exists.add((kind, name))
                elif self.rng.random() < 0.25:
                    self._call("delete", kind, name, {})
                    self.exists.discard((kind, name))
                else:
                    self._call("update", kind, name, self._body(kind, name, version))
        except BaseException as error:  # noqa: BLE001 - raised again by join()
            self.error = error

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the generator is still running after {timeout}s"
        if self.error is not None:
            raise self.error


@pytest.fixture
def crash_scenario(two_workers: Operator, scenario: Scenario) -> Iterator[Scenario]:
    """Two workers, ClusterRoles readable; the test's ClusterRoles deleted at the end."""
    scenario.grant([(RBAC, "clusterroles")], cluster_wide=True)
    yield scenario
    scenario.plane.kubectl("delete", "clusterroles", "-l", f"test={scenario.namespace}")


def _wait_for_a_heartbeat(scenario: Scenario, timeout: float = 12.0) -> None:
    """Until the server records the stream's next heartbeat: the moment its checkpoint is
    furthest ahead of the previous one, where positions that ran ahead of the push would
    be lost by a kill."""
    before = last_heartbeat(scenario)
    deadline = time.monotonic() + timeout
    while last_heartbeat(scenario) == before and time.monotonic() < deadline:
        time.sleep(0.05)


def test_five_sigkills_of_two_workers_during_2000_changes_lose_nothing(
    operator: Operator,
    crash_scenario: Scenario,
    k8s: client.ApiClient,
    binaries: Binaries,
) -> None:
    s = crash_scenario
    seed = int(os.environ.get("STREAM_CRASH_SEED") or time.time_ns() % 1_000_000)
    print(f"seed {seed} (STREAM_CRASH_SEED={seed} replays the changes and kill moments)")
    rng = random.Random(seed)  # noqa: S311 - a replayable test schedule, not a secret
    provider = s.provider(max_commits=MAX_COMMITS)
    provider["spec"]["push"]["interval"] = PUSH_INTERVAL
    s.apply(
        s.credentials(),
        provider,
        s.target(),
        s.watch_rule(),
        s.cluster_watch_rule(group=RBAC, resources=("clusterroles",)),
    )
    s.wait("mirror", "Ready=true", timeout=90)
    generator = _Generator(k8s, s.namespace, random.Random(rng.random()))  # noqa: S311
    started = time.monotonic()
    generator.thread.start()
    moves: list[float] = []
    for kill in range(1, KILLS + 1):
        time.sleep(rng.uniform(0.5, 6.0))
        after_heartbeat = rng.random() < 0.6
        if after_heartbeat:
            _wait_for_a_heartbeat(s)
        attempt, holder = stream_holder(operator, s)
        alive = [w for w in operator.workers if w.alive()]
        victim = holder or rng.choice(alive)
        role = "holding the stream" if holder else "(the stream is between attempts)"
        victim.kill()
        killed_at = time.monotonic()
        operator.workers.remove(victim)
        when = "just after a heartbeat" if after_heartbeat else "at a random moment"
        print(
            f"kill {kill} at {killed_at - started:5.1f}s {when}: worker {victim.pid} {role}, "
            f"{sum(generator.made.values())} changes made"
        )
        operator.start_worker()
        if holder is not None:

            def moved(before: int = attempt) -> bool:
                now, running = stream_holder(operator, s)
                return now > before and running is not None

            s.until(moved, "the stream moved to a live worker", timeout=60)
            moves.append(time.monotonic() - killed_at)
            print(f"  the stream moved (attempt {attempt + 1}+) {moves[-1]:.1f}s after the kill")
    generator.join(timeout=120)
    made = time.monotonic() - started
    print(f"{sum(generator.made.values())} changes {dict(generator.made)} in {made:.1f}s")
    assert sum(generator.made.values()) == CHANGES
    tree = LiveTree(s, binaries, SELECTED)
    took = tree.wait_equal(timeout=120)
    print(f"tree equal to the live state ({tree.compared} objects) {took:.1f}s after the last")
    if moves:
        print(f"stream moves after SIGKILL: {', '.join(f'{m:.1f}s' for m in moves)}")
    assert moves, "at least one kill hit the worker holding the stream"
    assert len([w for w in operator.workers if w.alive()]) >= 2
