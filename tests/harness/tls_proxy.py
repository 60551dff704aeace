"""A real TLS terminator (HAProxy) on loopback that demands a client certificate.

The Temporal dev server serves plain gRPC only; putting stunnel in front of it is how the
tests prove that the worker, the bridge and the CLI speak mutual TLS to a Temporal
frontend as a production cluster or Temporal Cloud would ask them to. The proxy forwards
the decrypted bytes as plain TCP to the frontend, so HTTP/2 passes through untouched.
It must announce ALPN ``h2``: the SDK's gRPC client refuses a TLS connection without it,
which rules out stunnel (5.68 has no ALPN support).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from tests.harness.pki import MutualTlsPki
from tests.harness.process import ManagedProcess, free_port
from tests.harness.tools import Tools

__all__ = ["TlsProxy", "start_tls_proxy"]


@dataclass
class TlsProxy:
    address: str
    """host:port clients dial (TLS)."""
    upstream: str
    pki: MutualTlsPki
    process: ManagedProcess

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.stop()


def _config(
    pki: MutualTlsPki, bundle: Path, port: int, upstream: str, *, require_client_cert: bool
) -> str:
    """TCP mode: bytes pass through untouched; TLS ends here and ``alpn h2`` is announced,
    without which the gRPC client of the Temporal SDK drops the connection
    (``H2NotNegotiated``)."""
    return "\n".join(
        [
            "global",
            "    log stderr format raw local0 info",
            "defaults",
            "    mode tcp",
            "    log global",
            "    option tcplog",
            "    timeout connect 5s",
            # Worker long polls last about a minute; keep idle streams well beyond that.
            "    timeout client 5m",
            "    timeout server 5m",
            "frontend temporal",
            f"    bind 127.0.0.1:{port} ssl crt {bundle} ca-file {pki.ca_cert}"
            f" verify {'required' if require_client_cert else 'none'} alpn h2"
            " ssl-min-ver TLSv1.2",
            "    default_backend dev_server",
            "backend dev_server",
            f"    server frontend {upstream}",
            "",
        ]
    )


def _answers_tls(port: int, pki: MutualTlsPki) -> bool:
    """A full handshake with the good client certificate succeeds."""
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    context.load_cert_chain(str(pki.client.cert), str(pki.client.key))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1"),
        ):
            return True
    except OSError:
        return False


def start_tls_proxy(
    tools: Tools,
    workdir: Path,
    pki: MutualTlsPki,
    upstream: str,
    *,
    require_client_cert: bool = True,
) -> TlsProxy:
    """HAProxy on a free 127.0.0.1 port, forwarding to ``upstream`` (host:port); without
    ``require_client_cert`` it asks for none (server-side TLS only, as for API keys)."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = workdir / f"tls-proxy-{port}.pem"
    bundle.write_bytes(pki.server.cert.read_bytes() + pki.server.key.read_bytes())
    bundle.chmod(0o600)
    config = workdir / f"tls-proxy-{port}.cfg"
    config.write_text(_config(pki, bundle, port, upstream, require_client_cert=require_client_cert))
    process = ManagedProcess(
        name="haproxy",
        # -db: stay in the foreground, so the pid we hold is the proxy itself.
        argv=[str(tools.bin("haproxy")), "-db", "-f", str(config)],
        log_path=workdir / "logs" / f"tls-proxy-{port}.log",
    ).start()
    process.wait_ready(lambda: _answers_tls(port, pki), timeout=20)
    return TlsProxy(address=f"127.0.0.1:{port}", upstream=upstream, pki=pki, process=process)
