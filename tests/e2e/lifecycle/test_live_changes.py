"""Live changes: every create, update and delete of a selected object becomes its file change."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import yaml

from tests.e2e.lifecycle.conftest import Operator, Scenario, unique
from tests.integration.encryption.binaries import Binaries

RBAC = "rbac.authorization.k8s.io"


@pytest.fixture
def live(operator: Operator, scenario: Scenario) -> Iterator[Scenario]:
    scenario.grant([(RBAC, "clusterroles")], cluster_wide=True)
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
        scenario.cluster_watch_rule(group=RBAC, resources=("clusterroles",)),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    yield scenario


def _content(scenario: Scenario, path: str) -> dict[str, object] | None:
    raw = scenario.file(path)
    return yaml.safe_load(raw) if raw is not None else None


def test_a_config_map_created_updated_and_deleted_becomes_each_file_change(live: Scenario) -> None:
    path = live.object_file(live.namespace, "configmaps", "live-settings")
    live.apply(live.config_map("live-settings", {"MODE": "one"}))
    live.until(lambda: (_content(live, path) or {}).get("data") == {"MODE": "one"}, "created")
    live.apply(live.config_map("live-settings", {"MODE": "two"}))
    live.until(lambda: (_content(live, path) or {}).get("data") == {"MODE": "two"}, "updated")
    live.delete("configmap", "live-settings")
    live.until(lambda: live.file(path) is None, "deleted")


def test_a_secret_created_updated_and_deleted_stays_encrypted_in_each_change(
    live: Scenario, binaries: Binaries
) -> None:
    path = live.object_file(live.namespace, "secrets", "live-token")
    key = base64.b64decode(live.get("secret", "sops-age-key")["data"]["SOPS_AGE_KEY"]).decode()

    def token() -> bytes | None:
        raw = live.file(path)
        if raw is None:
            return None
        assert b"first-value" not in raw and b"second-value" not in raw
        decrypted = binaries.sops_decrypt(raw.decode(), key)
        return base64.b64decode(decrypted["data"]["TOKEN"])

    live.apply(live.secret("live-token", {"TOKEN": "first-value"}))
    live.until(lambda: token() == b"first-value", "created")
    live.apply(live.secret("live-token", {"TOKEN": "second-value"}))
    live.until(lambda: token() == b"second-value", "updated")
    live.delete("secret", "live-token")
    live.until(lambda: live.file(path) is None, "deleted")


def test_a_cluster_scoped_object_created_updated_and_deleted_becomes_each_file_change(
    live: Scenario,
) -> None:
    name = unique("live-role")
    path = live.object_file(None, "clusterroles", name, group=RBAC)
    role = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
    }
    live.apply(role)
    live.until(lambda: live.file(path) is not None, "created")
    role["rules"] = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    live.apply(role)
    live.until(lambda: (_content(live, path) or {}).get("rules") == role["rules"], "updated")
    live.plane.kubectl("delete", "clusterrole", name)
    live.until(lambda: live.file(path) is None, "deleted")


def test_a_written_event_is_counted_per_target_and_kind_and_its_push_latency_observed(
    live: Scenario, operator: Operator
) -> None:
    worker = operator.workers[-1]
    labels = f'{{kind="ConfigMap",target="{live.namespace}/mirror"}}'
    written = worker.metric(f"gitops_reverser_events_written_total{labels}")
    pushed = worker.metric("gitops_reverser_event_to_push_seconds_count")
    path = live.object_file(live.namespace, "configmaps", "counted")
    live.apply(live.config_map("counted", {"A": "1"}))
    live.until(lambda: live.file(path) is not None, "created")
    live.until(
        lambda: worker.metric("gitops_reverser_event_to_push_seconds_count") > pushed,
        "the push latency observed",
    )
    assert worker.metric(f"gitops_reverser_events_written_total{labels}") == written + 1
    queued = f'gitops_reverser_stream_queued_events{{target="{live.namespace}/mirror"}}'
    live.until(lambda: f"{queued} 0.0" in worker.metrics().splitlines(), "nothing left queued")
