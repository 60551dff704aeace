"""The chart lints, renders and is admitted by a real API server; what it renders holds
the promises of the design (CRDs as in crds/bases, hardened pods, search attributes)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.kube import ControlPlane
from tests.integration.install.chart import CHART, REPO_ROOT, Chart, documents
from workflows import search_attributes

SERVICE_MONITOR_CRD = Path(__file__).parent / "crds" / "servicemonitors.monitoring.coreos.com.yaml"

VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "external Temporal with TLS": {
        "temporal": {
            "mode": "external",
            "address": "temporal.example.internal:7233",
            "namespace": "gitops",
            "tls": {"enabled": True, "secretName": "temporal-client", "serverName": "temporal"},
        }
    },
    "external Temporal with an API key": {
        "temporal": {
            "mode": "external",
            "address": "gitops.a1b2c.tmprl.cloud:7233",
            "apiKey": {"secretName": "temporal-api-key"},
        }
    },
    "several worker replicas": {"worker": {"replicas": 5}, "bridge": {"replicas": 3}},
    "ServiceMonitor on": {"metrics": {"serviceMonitor": {"enabled": True}}},
    "no UI, no PDB, a secret grant": {
        "temporal": {"embedded": {"ui": {"enabled": False}}},
        "worker": {"podDisruptionBudget": {"enabled": False}},
        "rbac": {"secrets": {"namespaces": [{"namespace": "{namespace}", "create": True}]}},
    },
}


@pytest.fixture(scope="module")
def service_monitor_crd(control_plane: ControlPlane) -> Iterator[None]:
    control_plane.kubectl("apply", "-f", str(SERVICE_MONITOR_CRD))
    control_plane.kubectl(
        "wait", "--for=condition=Established", "-f", str(SERVICE_MONITOR_CRD), "--timeout=60s"
    )
    yield
    control_plane.kubectl("delete", "-f", str(SERVICE_MONITOR_CRD))


def _with_namespace(values: Any, namespace: str) -> Any:
    if isinstance(values, dict):
        return {key: _with_namespace(value, namespace) for key, value in values.items()}
    if isinstance(values, list):
        return [_with_namespace(value, namespace) for value in values]
    return values.replace("{namespace}", namespace) if isinstance(values, str) else values


def test_helm_lint_passes(chart: Chart) -> None:
    done = chart.run("lint", "--strict", str(CHART))

    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.usefixtures("service_monitor_crd")
@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_the_rendered_chart_is_admitted_by_the_api_server(
    chart: Chart,
    control_plane: ControlPlane,
    make_namespace: Callable[[], str],
    value_set: str,
) -> None:
    namespace = make_namespace()
    release = f"r{namespace}"  # unique cluster-scoped names: no clash with crds/rbac
    manifest = chart.render(
        _with_namespace(VALUE_SETS[value_set], namespace),
        release=release,
        namespace=namespace,
        include_crds=True,
    )

    done = control_plane.kubectl(
        "apply", "--dry-run=server", "-f", "-", stdin=manifest, check=False
    )

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == len(documents(manifest))


def test_the_chart_crds_are_byte_identical_to_crds_bases() -> None:
    bases = {path.name: path.read_bytes() for path in (REPO_ROOT / "crds" / "bases").glob("*")}
    shipped = {path.name: path.read_bytes() for path in (CHART / "crds").glob("*")}

    assert shipped == bases


def test_deploy_install_yaml_is_the_chart_rendered_with_defaults(chart: Chart) -> None:
    rendered = subprocess.run(
        [str(REPO_ROOT / "hack" / "render-install.sh"), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "HELM": str(chart.helm)},
    ).stdout

    assert rendered == (REPO_ROOT / "deploy" / "install.yaml").read_text(), (
        "deploy/install.yaml is out of date: run hack/render-install.sh"
    )


def _kinds(manifest: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents(manifest)}


def _pod_specs(manifest: str) -> dict[str, dict[str, Any]]:
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]
        for doc in documents(manifest)
        if doc["kind"] in {"Deployment", "StatefulSet"}
    }


def test_every_pod_runs_non_root_read_only_without_privileges(chart: Chart) -> None:
    hardened = {
        name: (
            spec["securityContext"]["runAsNonRoot"],
            spec["securityContext"]["seccompProfile"],
            [
                (
                    c["securityContext"]["readOnlyRootFilesystem"],
                    c["securityContext"]["allowPrivilegeEscalation"],
                    c["securityContext"]["capabilities"],
                    any(m["mountPath"] == "/tmp" for m in c["volumeMounts"]),
                    "requests" in c["resources"],
                )
                for c in spec["containers"]
            ],
        )
        for name, spec in _pod_specs(chart.render()).items()
    }

    expected = (True, {"type": "RuntimeDefault"}, [(True, False, {"drop": ["ALL"]}, True, True)])
    assert hardened == dict.fromkeys(
        ["gitops-reverser-worker", "gitops-reverser-bridge", "gitops-reverser-temporal"], expected
    )


def test_worker_and_bridge_probe_healthz_on_their_metrics_ports(chart: Chart) -> None:
    specs = _pod_specs(chart.render())

    def probes(name: str) -> tuple[Any, ...]:
        container = specs[name]["containers"][0]
        return (
            container["ports"][0]["containerPort"],
            container["readinessProbe"]["httpGet"],
            container["livenessProbe"]["httpGet"],
        )

    healthz = {"path": "/healthz", "port": "metrics"}
    assert probes("gitops-reverser-worker") == (8080, healthz, healthz)
    assert probes("gitops-reverser-bridge") == (8081, healthz, healthz)


def test_by_default_two_bridges_one_worker_with_a_disruption_budget(chart: Chart) -> None:
    objects = _kinds(chart.render())

    assert objects["Deployment", "gitops-reverser-bridge"]["spec"]["replicas"] == 2
    assert objects["Deployment", "gitops-reverser-worker"]["spec"]["replicas"] == 1
    assert objects["PodDisruptionBudget", "gitops-reverser-worker"]["spec"]["maxUnavailable"] == 1


def test_the_embedded_temporal_registers_the_projects_search_attributes(chart: Chart) -> None:
    temporal = _pod_specs(chart.render())["gitops-reverser-temporal"]["containers"][0]
    registered = {
        arg.removeprefix("--search-attribute=")
        for arg in temporal["args"]
        if arg.startswith("--search-attribute=")
    }

    assert registered == {
        f"{key.name}={key.indexed_value_type.name.title()}" for key in search_attributes.ALL
    }


def test_the_embedded_temporal_keeps_its_sqlite_file_on_a_claim(chart: Chart) -> None:
    temporal = _kinds(chart.render())["StatefulSet", "gitops-reverser-temporal"]["spec"]
    container = temporal["template"]["spec"]["containers"][0]
    data_mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "data")

    assert temporal["replicas"] == 1
    assert [claim["metadata"]["name"] for claim in temporal["volumeClaimTemplates"]] == ["data"]
    assert f"--db-filename={data_mount}/temporal.db" in container["args"]


def _env(spec: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in spec["containers"][0]["env"] if "value" in e}


def test_worker_and_bridge_get_the_same_temporal_connection(chart: Chart) -> None:
    specs = _pod_specs(chart.render(VALUE_SETS["external Temporal with TLS"]))
    worker, bridge = _env(specs["gitops-reverser-worker"]), _env(specs["gitops-reverser-bridge"])
    tls = "/etc/gitops-reverser/temporal-tls"

    assert {k: v for k, v in worker.items() if k != "GITOPS_REVERSER_METRICS_ADDRESS"} == {
        "GITOPS_REVERSER_TEMPORAL_ADDRESS": "temporal.example.internal:7233",
        "GITOPS_REVERSER_TEMPORAL_NAMESPACE": "gitops",
        "GITOPS_REVERSER_TASK_QUEUE": "gitops-reverser",
        "GITOPS_REVERSER_STATUS_TASK_QUEUE": "gitops-reverser-status",
        "GITOPS_REVERSER_TEMPORAL_TLS": "true",
        "GITOPS_REVERSER_TEMPORAL_TLS_CA": f"{tls}/ca.crt",
        "GITOPS_REVERSER_TEMPORAL_TLS_CERT": f"{tls}/tls.crt",
        "GITOPS_REVERSER_TEMPORAL_TLS_KEY": f"{tls}/tls.key",
        "GITOPS_REVERSER_TEMPORAL_TLS_SERVER_NAME": "temporal",
    }
    assert {k: v for k, v in bridge.items() if k != "GITOPS_REVERSER_METRICS_ADDRESS"} == {
        k: v for k, v in worker.items() if k != "GITOPS_REVERSER_METRICS_ADDRESS"
    }
    assert (
        worker["GITOPS_REVERSER_METRICS_ADDRESS"],
        bridge["GITOPS_REVERSER_METRICS_ADDRESS"],
    ) == (
        ":8080",
        ":8081",
    )


def test_the_tls_secret_is_mounted_where_the_settings_point(chart: Chart) -> None:
    worker = _pod_specs(chart.render(VALUE_SETS["external Temporal with TLS"]))[
        "gitops-reverser-worker"
    ]
    volume = next(v for v in worker["volumes"] if v["name"] == "temporal-tls")
    mount = next(m for m in worker["containers"][0]["volumeMounts"] if m["name"] == "temporal-tls")

    assert volume["secret"]["secretName"] == "temporal-client"
    assert (mount["mountPath"], mount["readOnly"]) == ("/etc/gitops-reverser/temporal-tls", True)


def test_an_api_key_is_read_from_a_mounted_secret_file_over_tls(chart: Chart) -> None:
    specs = _pod_specs(chart.render(VALUE_SETS["external Temporal with an API key"]))
    env = _env(specs["gitops-reverser-bridge"])
    volume = next(
        v for v in specs["gitops-reverser-bridge"]["volumes"] if v["name"] == "temporal-api-key"
    )

    assert env["GITOPS_REVERSER_TEMPORAL_API_KEY_FILE"] == (
        "/etc/gitops-reverser/temporal-api-key/api-key"
    )
    assert env["GITOPS_REVERSER_TEMPORAL_TLS"] == "true"
    assert volume["secret"]["secretName"] == "temporal-api-key"


def test_external_mode_runs_no_temporal_of_its_own(chart: Chart) -> None:
    kinds = {kind for kind, _ in _kinds(chart.render(VALUE_SETS["external Temporal with TLS"]))}

    assert "StatefulSet" not in kinds
