"""A real Kubernetes control plane on loopback: etcd + kube-apiserver, no kubelet.

Three identities authenticate with static tokens: an admin (system:masters) and the
users of the worker's and the bridge's ServiceAccounts, so the RBAC shipped in
``crds/rbac`` is what decides each process's requests, exactly as in a cluster.
No kube-controller-manager runs, so ClusterRole aggregation does not happen here:
tests that need the worker to read a type grant it with ``grant_worker_read``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import ssl
import subprocess
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.harness.pki import write_pki
from tests.harness.process import ManagedProcess, free_port, wait_until
from tests.harness.tools import Tools

__all__ = [
    "BRIDGE_SERVICE_ACCOUNT",
    "BRIDGE_USER",
    "FLUX_CRDS_DIR",
    "OPERATOR_NAMESPACE",
    "WORKER_SERVICE_ACCOUNT",
    "WORKER_USER",
    "ControlPlane",
    "Identity",
    "WorkerReadGrant",
    "grant_worker_read",
    "start_control_plane",
]

OPERATOR_NAMESPACE = "gitops-reverser-system"
WORKER_SERVICE_ACCOUNT = "gitops-reverser-worker"
BRIDGE_SERVICE_ACCOUNT = "gitops-reverser-bridge"
WORKER_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{WORKER_SERVICE_ACCOUNT}"
BRIDGE_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{BRIDGE_SERVICE_ACCOUNT}"
_SERVICE_ACCOUNT_GROUPS = (
    "system:serviceaccounts",
    f"system:serviceaccounts:{OPERATOR_NAMESPACE}",
    "system:authenticated",
)
FLUX_CRDS_DIR = Path(__file__).resolve().parent / "crds"
"""Stand-in CRDs for Flux kinds gitops-reverser reads (Flux is not installed here)."""


class Identity(StrEnum):
    """Who a request is sent as."""

    ADMIN = "admin"
    WORKER = "worker"
    BRIDGE = "bridge"


@dataclass(frozen=True)
class _User:
    name: str
    groups: tuple[str, ...]


_USERS = {
    Identity.ADMIN: _User("admin", ("system:masters",)),
    Identity.WORKER: _User(WORKER_USER, _SERVICE_ACCOUNT_GROUPS),
    Identity.BRIDGE: _User(BRIDGE_USER, _SERVICE_ACCOUNT_GROUPS),
}


@dataclass
class ControlPlane:
    server: str
    ca_cert: Path
    admin_kubeconfig: Path
    worker_kubeconfig: Path
    bridge_kubeconfig: Path
    kubectl_bin: Path
    processes: list[ManagedProcess] = field(default_factory=list)
    etcd_url: str = ""
    """etcd's client URL (loopback, no TLS): tests compact its history through it."""
    admin_token: str = field(default="", repr=False)

    def kubeconfig(self, identity: Identity) -> Path:
        return {
            Identity.ADMIN: self.admin_kubeconfig,
            Identity.WORKER: self.worker_kubeconfig,
            Identity.BRIDGE: self.bridge_kubeconfig,
        }[identity]

    def api_client(self, identity: Identity) -> client.ApiClient:
        return config.new_client_from_config(config_file=str(self.kubeconfig(identity)))

    def admin_client(self) -> client.ApiClient:
        return self.api_client(Identity.ADMIN)

    def worker_client(self) -> client.ApiClient:
        return self.api_client(Identity.WORKER)

    def bridge_client(self) -> client.ApiClient:
        return self.api_client(Identity.BRIDGE)

    def kubectl(
        self,
        *args: str,
        identity: Identity = Identity.ADMIN,
        check: bool = True,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.kubectl_bin), "--kubeconfig", str(self.kubeconfig(identity)), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def compact_etcd(self) -> int:
        """Compact etcd's history up to its current revision, as the API server's own periodic
        compaction does after about 5 minutes; returns that revision. A watch from an older
        resourceVersion that the API server serves from etcd then gets ``410 Gone``."""
        header = _etcd_post(self.etcd_url, "/v3/kv/range", {"key": _b64(b"\0"), "limit": 1})
        revision = int(header["header"]["revision"])
        _etcd_post(self.etcd_url, "/v3/kv/compaction", {"revision": revision, "physical": True})
        return revision

    def apiserver_ready(self) -> bool:
        """True once kube-apiserver answers ``/readyz`` with 200."""
        context = ssl.create_default_context(cafile=str(self.ca_cert))
        return _http_ok(f"{self.server}/readyz", token=self.admin_token, context=context)

    def stop_apiserver(self) -> None:
        """SIGTERM kube-apiserver by its pid, as the kubelet stops it; etcd keeps running.

        It stops listening at once but holds the watches it serves open, sending nothing,
        for up to a minute while it drains (measured: 60 s), so watchers learn nothing
        from their connections; ``restart_apiserver`` ends what is left of it."""
        self._apiserver().terminate()

    def restart_apiserver(self) -> None:
        """End the stopped kube-apiserver (SIGKILL if it still drains) and start it again on
        the same port, with the same flags and etcd; return once it is ready."""
        self._restart(_APISERVER, self.apiserver_ready)

    def freeze_apiserver(self) -> None:
        """SIGSTOP kube-apiserver: the kernel still accepts connections, nothing answers
        (a hung process, or a network path that drops everything)."""
        os.kill(self._apiserver().pid, signal.SIGSTOP)

    def thaw_apiserver(self) -> None:
        """SIGCONT kube-apiserver, if it still runs (a no-op when it is not frozen)."""
        process = self._apiserver()
        if process.alive():
            os.kill(process.pid, signal.SIGCONT)

    def stop_etcd(self) -> None:
        """Stop etcd by its pid (SIGTERM, then SIGKILL); kube-apiserver keeps running."""
        self._process(_ETCD).stop()

    def restart_etcd(self) -> None:
        """Start etcd again with the same data and ports; return once it is healthy."""
        self._restart(_ETCD, self.etcd_ready)

    def etcd_ready(self) -> bool:
        return _http_ok(f"{self.etcd_url}/health")

    def _restart(self, name: str, ready: Callable[[], bool]) -> None:
        stopped = self._process(name)
        stopped.stop(grace=1.0)
        restarted = ManagedProcess(
            name=stopped.name, argv=stopped.argv, log_path=stopped.log_path
        ).start()
        self.processes[self.processes.index(stopped)] = restarted
        restarted.wait_ready(ready, timeout=120)

    def _apiserver(self) -> ManagedProcess:
        return self._process(_APISERVER)

    def _process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


_APISERVER = "kube-apiserver"
_ETCD = "etcd"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _etcd_post(url: str, path: str, body: dict[str, object]) -> dict[str, Any]:
    """A call to etcd's v3 JSON gateway."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
    return answer


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


def _write_token_file(path: Path) -> dict[Identity, str]:
    """kube-apiserver's static-token file: a fresh token per identity, returned by identity."""
    tokens = {identity: secrets.token_hex(16) for identity in Identity}
    path.write_text(
        "".join(
            f"{tokens[identity]},{_USERS[identity].name},{identity.value},"
            f'"{",".join(_USERS[identity].groups)}"\n'
            for identity in Identity
        )
    )
    path.chmod(0o600)
    return tokens


def _start_etcd(tools: Tools, workdir: Path) -> tuple[ManagedProcess, str]:
    client_port, peer_port = free_port(), free_port()
    client_url = f"http://127.0.0.1:{client_port}"
    peer_url = f"http://127.0.0.1:{peer_port}"
    etcd = ManagedProcess(
        name=_ETCD,
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


def start_control_plane(
    tools: Tools, workdir: Path, crds_dir: Path, *, apiserver_flags: Sequence[str] = ()
) -> ControlPlane:
    """Start etcd and kube-apiserver, write kubeconfigs, install CRDs and RBAC from ``crds_dir``.

    ``apiserver_flags`` are added to kube-apiserver's command line (a test that needs, say,
    ``--watch-cache-sizes=configmaps#0`` starts its own control plane with them)."""
    pki = write_pki(workdir / "pki")
    tokens = workdir / "tokens.csv"
    token = _write_token_file(tokens)
    etcd, etcd_url = _start_etcd(tools, workdir)
    port = free_port()
    server = f"https://127.0.0.1:{port}"
    apiserver = ManagedProcess(
        name=_APISERVER,
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
            *apiserver_flags,
        ],
        log_path=workdir / "logs" / "kube-apiserver.log",
    ).start()
    plane = ControlPlane(
        server=server,
        ca_cert=pki.ca_cert,
        admin_kubeconfig=workdir / "admin.kubeconfig",
        worker_kubeconfig=workdir / "worker.kubeconfig",
        bridge_kubeconfig=workdir / "bridge.kubeconfig",
        kubectl_bin=tools.bin("kubectl"),
        processes=[etcd, apiserver],
        etcd_url=etcd_url,
        admin_token=token[Identity.ADMIN],
    )
    try:
        apiserver.wait_ready(plane.apiserver_ready, timeout=120)
        for identity in Identity:
            _write_kubeconfig(
                plane.kubeconfig(identity),
                server=server,
                ca_cert=pki.ca_cert,
                user=identity.value,
                token=token[identity],
            )
        install_manifests(plane, crds_dir)
    except BaseException:
        plane.stop()
        raise
    return plane


def install_manifests(plane: ControlPlane, crds_dir: Path) -> None:
    """Apply the project's CRDs, then the stand-in Flux CRDs (waiting until all are
    Established), then the project's RBAC (which declares the operator's namespace first:
    files apply in name order)."""
    plane.kubectl("apply", "--server-side", "-f", str(crds_dir / "bases"))
    plane.kubectl("apply", "--server-side", "-f", str(FLUX_CRDS_DIR))
    plane.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    plane.kubectl("apply", "--server-side", "-f", str(crds_dir / "rbac"))


@dataclass
class WorkerReadGrant:
    """A test-only ClusterRole reading some types, bound to the worker's ServiceAccount.

    Stands in for what an administrator opts in to through aggregation, which needs
    kube-controller-manager (not run here). Calling it, or leaving its ``with`` block,
    deletes the role and its binding, then waits until the worker is denied again what
    it was denied before the grant (``newly_allowed``). Revoke overlapping grants in
    reverse order, as pytest finalizers and nested ``with`` blocks do.
    """

    plane: ControlPlane
    name: str
    resources: tuple[tuple[str, str], ...]
    namespace: str | None
    newly_allowed: tuple[tuple[str, str], ...]

    def __call__(self) -> None:
        self.revoke()

    def __enter__(self) -> WorkerReadGrant:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.revoke()

    def revoke(self) -> None:
        rbac = client.RbacAuthorizationV1Api(self.plane.admin_client())
        if self.namespace is None:
            _delete_if_present(rbac.delete_cluster_role_binding, self.name)
        else:
            _delete_if_present(rbac.delete_namespaced_role_binding, self.name, self.namespace)
        _delete_if_present(rbac.delete_cluster_role, self.name)
        self._wait_until_worker_may(allowed=False)

    def _wait_until_worker_may(self, *, allowed: bool) -> None:
        # The RBAC authorizer reads roles from a watch cache: a change is seen a moment
        # after the write returns, so wait until the server itself gives the new answer.
        wait_until(
            lambda: all(
                _worker_may(self.plane, group, resource, self.namespace) is allowed
                for group, resource in self.newly_allowed
            ),
            timeout=30,
            what=f"worker {'allowed' if allowed else 'denied'} by {self.name}",
            interval=0.05,
        )


def grant_worker_read(
    plane: ControlPlane, *, resources: list[tuple[str, str]], namespace: str | None
) -> WorkerReadGrant:
    """Let the worker get, list and watch ``resources`` ((group, resource) pairs, "" for
    the core group) in ``namespace`` (a RoleBinding), or in the whole cluster when it is
    None (a ClusterRoleBinding; the only way to grant cluster-scoped kinds).

    Returns once the API server authorizes the worker; the result revokes the grant when
    called or used as a context manager.
    """
    if not resources:
        raise ValueError("grant_worker_read needs at least one (group, resource)")
    grant = WorkerReadGrant(
        plane,
        name=f"gitops-reverser-test-read-{uuid.uuid4().hex[:8]}",
        resources=tuple(resources),
        namespace=namespace,
        newly_allowed=tuple(
            (group, resource)
            for group, resource in resources
            if not _worker_may(plane, group, resource, namespace)
        ),
    )
    rbac = client.RbacAuthorizationV1Api(plane.admin_client())
    rbac.create_cluster_role(
        client.V1ClusterRole(
            metadata=client.V1ObjectMeta(name=grant.name, labels=_TEST_GRANT_LABELS),
            rules=[
                client.V1PolicyRule(
                    api_groups=[group], resources=[resource], verbs=["get", "list", "watch"]
                )
                for group, resource in resources
            ],
        )
    )
    _bind_to_worker(rbac, grant.name, namespace)
    grant._wait_until_worker_may(allowed=True)
    return grant


_TEST_GRANT_LABELS = {"app.kubernetes.io/name": "gitops-reverser-test-harness"}


def _bind_to_worker(rbac: client.RbacAuthorizationV1Api, role: str, namespace: str | None) -> None:
    metadata = client.V1ObjectMeta(name=role, namespace=namespace, labels=_TEST_GRANT_LABELS)
    role_ref = client.V1RoleRef(
        api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role
    )
    subjects = [
        client.RbacV1Subject(
            kind="ServiceAccount", name=WORKER_SERVICE_ACCOUNT, namespace=OPERATOR_NAMESPACE
        )
    ]
    if namespace is None:
        rbac.create_cluster_role_binding(
            client.V1ClusterRoleBinding(metadata=metadata, role_ref=role_ref, subjects=subjects)
        )
    else:
        rbac.create_namespaced_role_binding(
            namespace, client.V1RoleBinding(metadata=metadata, role_ref=role_ref, subjects=subjects)
        )


def _worker_may(plane: ControlPlane, group: str, resource: str, namespace: str | None) -> bool:
    review = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user=WORKER_USER,
            groups=list(_SERVICE_ACCOUNT_GROUPS),
            resource_attributes=client.V1ResourceAttributes(
                verb="watch", group=group, resource=resource, namespace=namespace
            ),
        )
    )
    answer = client.AuthorizationV1Api(plane.admin_client()).create_subject_access_review(review)
    return bool(answer.status and answer.status.allowed)


def _delete_if_present(delete: Callable[..., object], *args: str) -> None:
    try:
        delete(*args)
    except ApiException as error:
        if error.status != 404:
            raise
