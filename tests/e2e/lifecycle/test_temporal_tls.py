"""Connecting to a Temporal that demands mutual TLS, configured through environment the
way the chart configures it.

A real TLS terminator (HAProxy) on loopback stands in front of the dev server and
requires a client certificate from the test CA; the operator's processes get only its
address. A wrong or missing certificate is a clear error within seconds, never a hang,
and no private key or API key shows up in any output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.lifecycle.conftest import Scenario
from tests.harness.kube import ControlPlane, Identity
from tests.harness.operator import REPO_ROOT, OperatorProcess, Queues, start_bridge, start_worker
from tests.harness.pki import KeyPair, MutualTlsPki, write_mutual_tls_pki
from tests.harness.process import ManagedProcess, wait_until
from tests.harness.temporal import TemporalServer
from tests.harness.tls_proxy import TlsProxy, start_tls_proxy
from tests.harness.tools import Tools

ENV = "GITOPS_REVERSER_TEMPORAL_"
API_KEY = "tmprl-api-key-d0n0tl0g-7f3a9c"


@dataclass
class Endpoints:
    pki: MutualTlsPki
    mutual: TlsProxy
    """Demands a client certificate of the test CA."""
    server_only: TlsProxy
    """TLS without client certificates (where an API key authenticates)."""
    workdir: Path


@pytest.fixture(scope="module")
def endpoints(
    tools: Tools, temporal: TemporalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Endpoints]:
    workdir = tmp_path_factory.mktemp("temporal-tls")
    pki = write_mutual_tls_pki(workdir / "pki")
    mutual = start_tls_proxy(tools, workdir, pki, temporal.address)
    try:
        server_only = start_tls_proxy(
            tools, workdir, pki, temporal.address, require_client_cert=False
        )
    except BaseException:
        mutual.stop()
        raise
    yield Endpoints(pki, mutual, server_only, workdir)
    server_only.stop()
    mutual.stop()


def connection(proxy: TlsProxy, client: KeyPair | None) -> dict[str, str]:
    env = {f"{ENV}ADDRESS": proxy.address, f"{ENV}TLS_CA": str(proxy.pki.ca_cert)}
    if client is not None:
        env |= {f"{ENV}TLS_CERT": str(client.cert), f"{ENV}TLS_KEY": str(client.key)}
    return env


def key_material(pki: MutualTlsPki) -> list[str]:
    """Lines of every private key body, and the API key: none may appear in any output."""
    lines = [API_KEY, "PRIVATE KEY"]
    for pair in (pki.server, pki.client, pki.foreign_client):
        lines += [line for line in pair.key.read_text().splitlines() if "-----" not in line]
    return lines


def assert_no_key_material(text: str, pki: MutualTlsPki) -> None:
    leaked = [line for line in key_material(pki) if line in text]
    assert not leaked, f"key material in output: {len(leaked)} line(s)"


def cli(argv: list[str], env: dict[str, str], *, timeout: float = 30) -> tuple[int, str, float]:
    """``gitops-reverser ARGV`` with ``env`` added; (exit code, stdout + stderr, seconds)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "worker.cli", *argv],
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.fixture(scope="module")
def mutual_tls_operator(
    control_plane: ControlPlane, temporal: TemporalServer, endpoints: Endpoints
) -> Iterator[list[OperatorProcess]]:
    """A worker and a bridge whose only way to Temporal is the mutual-TLS proxy; they
    outlive each test's scenario, so its GitTargets can finish their deletion."""
    queues, workdir = Queues(), endpoints.workdir
    env = connection(endpoints.mutual, endpoints.pki.client)
    started = [start_worker(control_plane, temporal, queues, workdir, env)]
    try:
        started.append(start_bridge(control_plane, temporal, queues, workdir, env))
    except BaseException:
        started[0].stop()
        raise
    yield started
    for process in started:
        process.stop()


def test_worker_and_bridge_reach_ready_through_mutual_tls(
    mutual_tls_operator: list[OperatorProcess], endpoints: Endpoints, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.config_map("settings", {"A": "1"}),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    assert scenario.file(f"{scenario.folder()}/{scenario.namespace}/core/configmaps/settings.yaml")
    for process in mutual_tls_operator:
        assert_no_key_material(process.process.log_path.read_text(), endpoints.pki)


def test_resync_with_a_certificate_of_another_ca_fails_within_seconds_naming_the_certificate(
    endpoints: Endpoints,
) -> None:
    env = connection(endpoints.mutual, endpoints.pki.foreign_client)
    code, output, seconds = cli(["resync", "team/any"], env)
    assert code == 1, output
    assert seconds < 10, f"took {seconds:.1f}s"
    assert f"cannot connect to Temporal at {endpoints.mutual.address}" in output
    assert "refused the TLS handshake" in output and "client certificate" in output
    assert "Traceback" not in output
    assert_no_key_material(output, endpoints.pki)


def test_resync_without_a_client_certificate_fails_within_seconds_saying_one_is_required(
    endpoints: Endpoints,
) -> None:
    code, output, seconds = cli(["resync", "team/any"], connection(endpoints.mutual, None))
    assert code == 1, output
    assert seconds < 10, f"took {seconds:.1f}s"
    assert "requires a client certificate" in output
    assert "--temporal-tls-cert" in output
    assert "Traceback" not in output


def refusals(proxy: TlsProxy) -> int:
    return proxy.process.log_path.read_text().count("SSL client certificate not trusted")


def test_a_worker_with_a_refused_certificate_keeps_retrying_and_logs_a_clear_error(
    control_plane: ControlPlane, endpoints: Endpoints
) -> None:
    """It keeps trying (a rotated certificate or a fixed server may come), saying why, and
    says it once while the same failure repeats."""
    env = connection(endpoints.mutual, endpoints.pki.foreign_client)
    refused_before = refusals(endpoints.mutual)
    worker = ManagedProcess(
        name="worker-refused",
        argv=[
            sys.executable,
            "-m",
            "worker.cli",
            "worker",
            f"--kubeconfig={control_plane.kubeconfig(Identity.WORKER)}",
            "--metrics-address=127.0.0.1:0",
            f"--cache-dir={endpoints.workdir / 'refused-cache'}",
        ],
        log_path=endpoints.workdir / "logs" / "worker-refused.log",
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        cwd=REPO_ROOT,
    ).start()
    try:
        wait_until(
            lambda: "refused the TLS handshake" in worker.log_path.read_text(),
            timeout=15,
            what="the worker's TLS error",
        )
        wait_until(  # retries back off 0.5, 1, 2 s; each attempt is slow on busy cores
            lambda: refusals(endpoints.mutual) - refused_before >= 6,
            timeout=45,
            what="three refused attempts",
        )
        assert worker.alive()
    finally:
        worker.stop()
    log = worker.log_path.read_text()
    assert "ERROR" in log and f"cannot connect to Temporal at {endpoints.mutual.address}" in log
    assert "retrying in" in log
    assert log.count("cannot connect to Temporal") == 1, log
    assert_no_key_material(log, endpoints.pki)


def test_a_missing_client_key_file_stops_the_worker_at_start_naming_the_flag(
    endpoints: Endpoints,
) -> None:
    env = connection(endpoints.mutual, endpoints.pki.client)
    env[f"{ENV}TLS_KEY"] = str(endpoints.workdir / "absent.key")
    code, output, seconds = cli(["worker", "--kubeconfig=/nonexistent"], env)
    assert code == 2, output
    assert "--temporal-tls-key (env GITOPS_REVERSER_TEMPORAL_TLS_KEY)" in output
    assert "absent.key" in output
    assert seconds < 10


def test_an_api_key_over_tls_connects_and_is_never_shown(endpoints: Endpoints) -> None:
    key_file = endpoints.workdir / "api-key"
    key_file.write_text(API_KEY + "\n")
    env = {
        f"{ENV}ADDRESS": endpoints.server_only.address,
        f"{ENV}TLS_CA": str(endpoints.pki.ca_cert),
        f"{ENV}API_KEY_FILE": str(key_file),
    }
    code, output, _ = cli(["--log-level=DEBUG", "resync", "team/absent"], env)
    # Connected: the server answered that no such workflow runs.
    assert code == 1 and "no running workflow gittarget/team/absent" in output, output
    assert_no_key_material(output, endpoints.pki)


def test_a_server_certificate_outside_the_ca_bundle_is_reported_as_untrusted(
    endpoints: Endpoints,
) -> None:
    env = connection(endpoints.mutual, endpoints.pki.client)
    env[f"{ENV}TLS_CA"] = str(endpoints.pki.foreign_ca_cert)
    code, output, seconds = cli(["resync", "team/any"], env)
    assert code == 1, output
    assert seconds < 10, f"took {seconds:.1f}s"
    assert "server's TLS certificate is not trusted" in output


def test_tls_towards_a_plain_grpc_endpoint_says_it_does_not_speak_tls(
    temporal: TemporalServer, endpoints: Endpoints
) -> None:
    env = connection(endpoints.mutual, endpoints.pki.client)
    env[f"{ENV}ADDRESS"] = temporal.address
    code, output, seconds = cli(["resync", "team/any"], env)
    assert code == 1, output
    assert seconds < 10, f"took {seconds:.1f}s"
    assert "does not speak TLS" in output
