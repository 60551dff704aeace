"""A worker stopped for longer than the API server keeps watch history: on restart the
stream's positions are gone (410), the target re-lists, and the repo is corrected,
deletions included.

The API server's watch cache would serve old resourceVersions from memory, so this
module runs its own control plane with the cache off for ConfigMaps and Secrets
(``--watch-cache-sizes=...#0``): their watches are served by etcd, and compacting etcd
is what expires them, as the API server's own compaction does after about 5 minutes.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
import yaml
from kubernetes import client

from tests.e2e.lifecycle.conftest import Operator, Scenario, own_control_plane
from tests.harness.kube import ControlPlane
from tests.harness.tools import Tools
from tests.integration.encryption.binaries import Binaries
from workflows.lifecycle.messages import ActivityName

_EXPIRED = 'gitops_reverser_relists_total{cause="expired"}'


@pytest.fixture(scope="module")
def control_plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """This module's own control plane: ConfigMap and Secret watches are served by etcd."""
    yield from own_control_plane(
        tools, tmp_path_factory, "kube-uncached", ["--watch-cache-sizes=configmaps#0,secrets#0"]
    )


@pytest.fixture(scope="module")
def k8s(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.admin_client()


def _tree(scenario: Scenario) -> dict[str, bytes]:
    """Every file under the target's folder for its namespace, at the tip of main."""
    return scenario.remote.files(f"{scenario.folder()}/{scenario.namespace}")


def _snapshots_scheduled(scenario: Scenario) -> int:
    return scenario.scheduled().count(ActivityName.SNAPSHOT.value)


def _live(scenario: Scenario) -> dict[str, dict[str, str]]:
    core = client.CoreV1Api(scenario.plane.admin_client())
    live: dict[str, dict[str, str]] = {}
    for found in core.list_namespaced_config_map(scenario.namespace).items:
        name = str(found.metadata.name) if found.metadata else ""
        if name != "kube-root-ca.crt":  # excluded by default, never in Git
            live[scenario.object_file(scenario.namespace, "configmaps", name)] = dict(
                found.data or {}
            )
    return live


def _config_maps_match(scenario: Scenario) -> bool:
    tree = _tree(scenario)
    in_git = {
        path: (yaml.safe_load(content) or {}).get("data") or {}
        for path, content in tree.items()
        if "/configmaps/" in path
    }
    return in_git == _live(scenario)


def test_a_worker_stopped_past_the_watch_history_relists_and_corrects_the_repo(
    operator: Operator, scenario: Scenario, binaries: Binaries
) -> None:
    scenario.apply(
        scenario.config_map("kept", {"v": "1"}),
        scenario.config_map("changed", {"v": "1"}),
        scenario.config_map("gone", {"v": "1"}),
        scenario.secret("token", {"TOKEN": "first-value"}),
        scenario.secret("dropped", {"TOKEN": "dropped-value"}),
        scenario.credentials(),
        scenario.provider(),
        scenario.watch_rule(),
        scenario.target(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    gone = scenario.object_file(scenario.namespace, "configmaps", "gone")
    dropped = scenario.object_file(scenario.namespace, "secrets", "dropped")
    scenario.until(lambda: {gone, dropped} <= set(_tree(scenario)), "the snapshot in Git")

    operator.workers.pop().kill()
    # While no worker runs: create, update and delete, then let the history go.
    scenario.apply(
        scenario.config_map("born", {"v": "new"}),
        scenario.config_map("changed", {"v": "2"}),
        scenario.secret("token", {"TOKEN": "second-value"}),
    )
    scenario.delete("configmap", "gone")
    scenario.delete("secret", "dropped")
    scenario.plane.compact_etcd()

    started = time.monotonic()
    worker = operator.start_worker()
    deadline = time.monotonic() + 60
    while not (_config_maps_match(scenario) and dropped not in _tree(scenario)):
        assert time.monotonic() < deadline, (
            f"the repo is not equal to the live objects after 60s: {sorted(_tree(scenario))}\n"
            f"activities: {scenario.scheduled()}\nstatus: {scenario.status('mirror')}"
        )
        time.sleep(0.2)
    corrected = time.monotonic() - started

    tree = _tree(scenario)
    assert gone not in tree
    assert scenario.object_file(scenario.namespace, "configmaps", "born") in tree
    encrypted = tree[scenario.object_file(scenario.namespace, "secrets", "token")]
    assert b"second-value" not in encrypted
    assert base64.b64encode(b"second-value") not in encrypted
    key = base64.b64decode(scenario.get("secret", "sops-age-key")["data"]["SOPS_AGE_KEY"]).decode()
    decrypted = binaries.sops_decrypt(encrypted.decode(), key)
    assert base64.b64decode(decrypted["data"]["TOKEN"]) == b"second-value"
    # Why it re-listed: the new worker's snapshot was for an expired history, and the
    # workflow ran a second snapshot (the first was the initial one).
    assert worker.metric(_EXPIRED) == 1
    assert _snapshots_scheduled(scenario) == 2
    scenario.wait("mirror", "Ready=true")
    print(f"repo corrected {corrected:.1f}s after the new worker started")
