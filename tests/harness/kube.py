"""A real Kubernetes control plane on loopback: etcd + kube-apiserver, no kubelet.

Two identities authenticate with static tokens: an admin (system:masters) and the
operator's own ServiceAccount user, so the RBAC shipped in ``crds/rbac`` is what
decides the operator's requests, exactly as in a cluster.
"""

from __future__ import annotations

import secrets
import ssl
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client, config

from tests.harness.pki import write_pki
from tests.harness.process import ManagedProcess, free_port
from tests.harness.tools import Tools

__all__ = [
    "OPERATOR_NAMESPACE",
    "OPERATOR_SERVICE_ACCOUNT",
    "OPERATOR_USER",
    "ControlPlane",
    "start_control_plane",
]

OPERATOR_NAMESPACE = "gitops-reverser-system"
OPERATOR_SERVICE_ACCOUNT = "gitops-reverser"
OPERATOR_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{OPERATOR_SERVICE_ACCOUNT}"
_OPERATOR_GROUPS = (
    "system:serviceaccounts",
    f"system:serviceaccounts:{OPERATOR_NAMESPACE}",
    "system:authenticated",
)


@dataclass
class ControlPlane:
    server: str
    ca_cert: Path
    admin_kubeconfig: Path
    operator_kubeconfig: Path
    kubectl_bin: Path
    processes: list[ManagedProcess] = field(default_factory=list)

    def admin_client(self) -> client.ApiClient:
        return config.new_client_from_config(config_file=str(self.admin_kubeconfig))

    def operator_client(self) -> client.ApiClient:
        return config.new_client_from_config(config_file=str(self.operator_kubeconfig))

    def kubectl(
        self, *args: str, as_operator: bool = False, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        kubeconfig = self.operator_kubeconfig if as_operator else self.admin_kubeconfig
        return subprocess.run(
            [str(self.kubectl_bin), "--kubeconfig", str(kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def _write_kubeconfig(path: Path, *, server: str, ca_cert: Path, user: str, token: str) -> None:
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: {server}
    certificate-authority: {ca_cert}
users:
- name: {user}
  user:
    token: {token}
contexts:
- name: local
  context:
    cluster: local
    user: {user}
current-context: local
"""
    )
    path.chmod(0o600)


def _start_etcd(tools: Tools, workdir: Path) -> tuple[ManagedProcess, str]:
    client_port, peer_port = free_port(), free_port()
    client_url = f"http://127.0.0.1:{client_port}"
    peer_url = f"http://127.0.0.1:{peer_port}"
    etcd = ManagedProcess(
        name="etcd",
        argv=[
            str(tools.bin("etcd")),
            "--name=harness",
            f"--data-dir={workdir / 'etcd-data'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=harness={peer_url}",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ],
        log_path=workdir / "logs" / "etcd.log",
    ).start()
    etcd.wait_ready(lambda: _http_ok(f"{client_url}/health"), timeout=60)
    return etcd, client_url


def _http_ok(url: str, *, token: str | None = None, context: ssl.SSLContext | None = None) -> bool:
    request = urllib.request.Request(url)  # noqa: S310 - loopback URLs we built
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=2, context=context) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def start_control_plane(tools: Tools, workdir: Path, crds_dir: Path) -> ControlPlane:
    """Start etcd and kube-apiserver, write kubeconfigs, install CRDs and RBAC from ``crds_dir``."""
    pki = write_pki(workdir / "pki")
    admin_token, operator_token = secrets.token_hex(16), secrets.token_hex(16)
    tokens = workdir / "tokens.csv"
    tokens.write_text(
        f'{admin_token},admin,admin,"system:masters"\n'
        f'{operator_token},{OPERATOR_USER},operator,"{",".join(_OPERATOR_GROUPS)}"\n'
    )
    tokens.chmod(0o600)
    etcd, etcd_url = _start_etcd(tools, workdir)
    port = free_port()
    server = f"https://127.0.0.1:{port}"
    apiserver = ManagedProcess(
        name="kube-apiserver",
        argv=[
            str(tools.bin("kube-apiserver")),
            f"--etcd-servers={etcd_url}",
            f"--cert-dir={workdir / 'pki'}",
            f"--tls-cert-file={pki.serving_cert}",
            f"--tls-private-key-file={pki.serving_key}",
            f"--secure-port={port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--service-account-issuer=https://127.0.0.1",
            f"--service-account-key-file={pki.service_account_key}",
            f"--service-account-signing-key-file={pki.service_account_key}",
            f"--token-auth-file={tokens}",
            "--authorization-mode=RBAC",
            "--disable-admission-plugins=ServiceAccount",
            "--enable-priority-and-fairness=false",
            "--profiling=false",
            "--v=1",
        ],
        log_path=workdir / "logs" / "kube-apiserver.log",
    ).start()
    plane = ControlPlane(
        server=server,
        ca_cert=pki.ca_cert,
        admin_kubeconfig=workdir / "admin.kubeconfig",
        operator_kubeconfig=workdir / "operator.kubeconfig",
        kubectl_bin=tools.bin("kubectl"),
        processes=[etcd, apiserver],
    )
    try:
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        apiserver.wait_ready(
            lambda: _http_ok(f"{server}/readyz", token=admin_token, context=context), timeout=120
        )
        _write_kubeconfig(
            plane.admin_kubeconfig,
            server=server,
            ca_cert=pki.ca_cert,
            user="admin",
            token=admin_token,
        )
        _write_kubeconfig(
            plane.operator_kubeconfig,
            server=server,
            ca_cert=pki.ca_cert,
            user="operator",
            token=operator_token,
        )
        install_manifests(plane, crds_dir)
    except BaseException:
        plane.stop()
        raise
    return plane


def install_manifests(plane: ControlPlane, crds_dir: Path) -> None:
    """Apply the project's CRDs (waiting until Established), then its RBAC (which declares
    the operator's namespace first: files apply in name order)."""
    plane.kubectl("apply", "--server-side", "-f", str(crds_dir / "bases"))
    plane.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    plane.kubectl("apply", "--server-side", "-f", str(crds_dir / "rbac"))
