"""The one check both stream tests end with: the Git tree under the target's path equals
the sanitised live state of every selected object (files that are not object files,
the folder's README and ``.sops.yaml``, are left out).

Each live object is turned into what the product must hold for it (``object_file``: its
path and rendered bytes, or the reason it is skipped); every file under the path must
be one of those and every expected file must be there. Plain files compare byte for
byte with ``render()`` of the live object; Secrets are decrypted with sops and compare
with the sanitised live Secret (their ciphertext differs on every encryption).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from activities.manifests import is_object_file, sanitise
from activities.objects import Skip, object_file
from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.harness.operator import OperatorProcess
from tests.integration.encryption.binaries import Binaries

__all__ = ["LiveTree", "last_heartbeat", "stream_attempt", "stream_holder"]

KEY_SECRET = "sops-age-key"


@dataclass
class LiveTree:
    """Compares a scenario's target folder with the live objects of ``selected``:
    (resource, namespaced) pairs, as ``kubectl get`` names them."""

    scenario: Scenario
    binaries: Binaries
    selected: tuple[tuple[str, bool], ...]
    target: str = "mirror"
    _decrypted: dict[bytes, Any] = field(default_factory=dict)
    compared: int = 0

    def live(self) -> Iterable[tuple[str, dict[str, Any]]]:
        for resource, namespaced in self.selected:
            where = ["-n", self.scenario.namespace] if namespaced else []
            found = self.scenario.plane.kubectl("get", resource, *where, "-o", "json")
            for item in json.loads(found.stdout)["items"]:
                yield resource.split(".", 1)[0], item

    def files(self) -> dict[str, bytes]:
        return self.scenario.remote.files(self.scenario.folder(self.target))

    def mismatches(self) -> list[str]:
        """Every difference between Git and the live objects (empty: they are equal)."""
        folder = self.scenario.folder(self.target)
        files = self.files()
        problems: list[str] = []
        expected: set[str] = set()
        self.compared = 0
        for resource, obj in self.live():
            wanted = object_file(obj, resource, folder, None, lambda _path: None)
            name = obj["metadata"]["name"]
            if wanted.skip in (Skip.NOISE, Skip.REPLICA) or (
                wanted.skip == Skip.SECRET_REFUSED and name == KEY_SECRET
            ):
                continue
            expected.add(wanted.path)
            content = files.get(wanted.path)
            if content is None:
                problems.append(f"missing {wanted.path}")
                continue
            self.compared += 1
            if wanted.skip == Skip.SECRET_REFUSED:
                problems.extend(self._secret_differs(wanted.path, content, obj))
            elif content != wanted.content:
                problems.append(f"differs {wanted.path}")
        objects = {path for path in files if is_object_file(folder, path)}
        problems.extend(f"extra {path}" for path in sorted(objects - expected))
        return problems

    def wait_equal(self, *, timeout: float) -> float:
        """Poll until the tree equals the live state; seconds it took. Fails naming the
        differences left."""
        started = time.monotonic()
        problems = self.mismatches()
        while problems:
            if time.monotonic() - started > timeout:
                shown = "\n".join(problems[:30])
                raise AssertionError(
                    f"{len(problems)} differences after {timeout}s:\n{shown}\n"
                    f"status: {self.scenario.status(self.target)}"
                )
            time.sleep(1)
            problems = self.mismatches()
        return time.monotonic() - started

    def _secret_differs(self, path: str, content: bytes, obj: dict[str, Any]) -> list[str]:
        if b"sops:" not in content:
            return [f"not encrypted {path}"]
        for value in (obj.get("data") or {}).values():
            plain = base64.b64decode(value)
            if len(plain) >= 12 and plain in content:  # short values match by chance
                return [f"plaintext value in {path}"]
        if content not in self._decrypted:
            self._decrypted[content] = self.binaries.sops_decrypt(content.decode(), self._age_key())
        if self._decrypted[content] != sanitise(obj):
            return [f"differs (decrypted) {path}"]
        return []

    def _age_key(self) -> str:
        found = self.scenario.get("secret", KEY_SECRET)
        return base64.b64decode(found["data"]["SOPS_AGE_KEY"]).decode()


def stream_attempt(scenario: Scenario, target: str = "mirror") -> tuple[int, str, str]:
    """The stream activity's (attempt, state, last worker identity) from ``describe``."""
    found = _stream_activity(scenario, target)
    if found is None:
        return 0, "", ""
    return (
        int(found.get("attempt", 1)),
        str(found.get("state", "")),
        str(found.get("lastWorkerIdentity", "")),
    )


def stream_holder(operator: Operator, scenario: Scenario) -> tuple[int, OperatorProcess | None]:
    """The stream's attempt and the live worker running it (``None``: between attempts)."""
    attempt, state, identity = stream_attempt(scenario)
    pid = identity.split("@", 1)[0]
    if state != "PENDING_ACTIVITY_STATE_STARTED":
        return attempt, None
    found = [w for w in operator.workers if w.alive() and str(w.pid) == pid]
    return attempt, found[0] if found else None


def last_heartbeat(scenario: Scenario, target: str = "mirror") -> str:
    """When the server last recorded the stream's heartbeat (its checkpoint), as shown."""
    found = _stream_activity(scenario, target) or {}
    return str(found.get("lastHeartbeatTime", ""))


def _stream_activity(scenario: Scenario, target: str) -> dict[str, Any] | None:
    shown = scenario.workflow_json("describe", target)
    try:
        pending = json.loads(shown.stdout).get("pendingActivities") or []
    except json.JSONDecodeError:
        return None
    for activity in pending:
        if str(activity.get("activityId", "")).startswith("stream-"):
            return dict(activity)
    return None
