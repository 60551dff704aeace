"""A user applies a provider, a target and rules, waits for Ready, and finds the cluster in Git."""

from __future__ import annotations

import base64

import yaml

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.integration.encryption.binaries import Binaries


def test_a_target_reaches_ready_with_its_objects_in_git_and_its_secret_encrypted(
    operator: Operator, scenario: Scenario, binaries: Binaries
) -> None:
    scenario.grant([("", "namespaces")], cluster_wide=True)
    scenario.apply(
        scenario.credentials(),
        scenario.config_map("app-settings", {"LOG_LEVEL": "info"}),
        scenario.secret("app-token", {"TOKEN": "s3cr3t-value"}),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
        scenario.cluster_watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    scenario.wait("mirror", "SnapshotSynced=true", timeout=5)

    folder = scenario.folder()
    config_map = scenario.file(f"{folder}/{scenario.namespace}/core/configmaps/app-settings.yaml")
    assert config_map is not None
    assert yaml.safe_load(config_map) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app-settings", "namespace": scenario.namespace},
        "data": {"LOG_LEVEL": "info"},
    }
    namespace_file = scenario.file(f"{folder}/_cluster/core/namespaces/{scenario.namespace}.yaml")
    assert namespace_file is not None and scenario.namespace.encode() in namespace_file

    encrypted = scenario.file(f"{folder}/{scenario.namespace}/core/secrets/app-token.sops.yaml")
    assert encrypted is not None and b"s3cr3t-value" not in encrypted
    assert base64.b64encode(b"s3cr3t-value") not in encrypted
    key = scenario.get("secret", "sops-age-key")["data"]["SOPS_AGE_KEY"]
    decrypted = binaries.sops_decrypt(encrypted.decode(), base64.b64decode(key).decode())
    assert base64.b64decode(decrypted["data"]["TOKEN"]) == b"s3cr3t-value"
    assert (
        scenario.file(f"{folder}/{scenario.namespace}/core/secrets/sops-age-key.sops.yaml") is None
    )

    status = scenario.status("mirror")
    assert status["phase"] == "RUNNING"
    assert status["snapshot"]["stats"]["created"] >= 3
    assert status["snapshot"]["lastCommit"] in scenario.commits()
    assert status["encryption"]["recipient"].startswith("age1")
    assert scenario.file(f"{folder}/.sops.yaml") is not None
    assert scenario.file(f"{folder}/README.md") is not None
