"""A user applies a provider, a target and rules, waits for Ready, and finds the cluster in Git."""

from __future__ import annotations

import base64
import subprocess
import sys

import yaml

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.harness.operator import REPO_ROOT
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


def test_a_reflector_copy_never_reaches_git(operator: Operator, scenario: Scenario) -> None:
    copy = scenario.secret("reflected", {"TOKEN": "copied-value"})
    copy["metadata"]["annotations"] = {
        "reflector.v1.k8s.emberstack.com/reflects": "other/source",
        "reflector.v1.k8s.emberstack.com/auto-reflects": "True",
    }
    cm_copy = scenario.config_map("reflected-settings", {"A": "1"})
    cm_copy["metadata"]["annotations"] = {"reflector.v1.k8s.emberstack.com/reflects": "o/s"}
    scenario.apply(
        copy,
        cm_copy,
        scenario.config_map("own", {"A": "1"}),
        scenario.credentials(),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    assert scenario.file(scenario.object_file(scenario.namespace, "configmaps", "own"))
    scenario.apply(scenario.config_map("reflected-settings", {"A": "2"}) | cm_copy)  # a live change
    scenario.apply(scenario.config_map("own", {"A": "2"}))
    own = scenario.object_file(scenario.namespace, "configmaps", "own")
    scenario.until(
        lambda: yaml.safe_load(scenario.file(own) or b"{}").get("data") == {"A": "2"},
        "a live change landed",
    )
    assert scenario.file(scenario.object_file(scenario.namespace, "secrets", "reflected")) is None
    assert (
        scenario.file(scenario.object_file(scenario.namespace, "configmaps", "reflected-settings"))
        is None
    )


def test_gate_transitions_are_events_and_the_status_command_shows_the_target(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.target(key=None),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    events = scenario.plane.kubectl(
        "get",
        "events",
        "-n",
        scenario.namespace,
        "--field-selector",
        "involvedObject.kind=GitTarget,involvedObject.name=mirror",
        "-o",
        "jsonpath={range .items[*]}{.reason}{' '}{end}",
    ).stdout.split()
    assert {"AccessVerified", "PathInitialized", "Completed", "Registered", "Reconciled"} <= set(
        events
    )
    table = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.cli",
            "status",
            "-n",
            scenario.namespace,
            f"--kubeconfig={scenario.plane.admin_kubeconfig}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=REPO_ROOT,
    ).stdout
    header, row = table.splitlines()
    assert header.split()[:4] == ["NAMESPACE", "NAME", "PHASE", "READY"]
    assert row.split()[:6] == [scenario.namespace, "mirror", "RUNNING", "True", "-", "Reconciled"]


def test_no_operator_log_line_carries_key_material(operator: Operator, scenario: Scenario) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.secret("app-token", {"TOKEN": "another-s3cret"}),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    key = base64.b64decode(scenario.get("secret", "sops-age-key")["data"]["SOPS_AGE_KEY"]).decode()
    logs = "".join(
        process.process.log_path.read_text() for process in [*operator.workers, *operator.bridges]
    )
    assert "AGE-SECRET-KEY" not in logs.upper()
    assert key.strip() not in logs
    assert "another-s3cret" not in logs
    assert scenario.remote.http_rw.password not in logs
