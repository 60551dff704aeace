"""A second look at a failed TLS connection: one plain TLS handshake, to learn why.

With TLS 1.3 a server judges the client certificate after the client considers the
handshake done, so the gRPC client often sees only "connection closed" and cannot tell
a refused certificate from a server that went away. A handshake of our own, followed by
a short read, receives the server's alert (certificate required, unknown CA) and names
it. Used only after a connection failed; it reads the same files the client was given
and never shows what is in them.
"""

from __future__ import annotations

import socket
import ssl

from worker.settings import TemporalTls

__all__ = ["probe_handshake", "split_address"]

_VERDICT_WAIT = 1.0
"""How long to wait after the handshake for the server's verdict on our certificate."""


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` as (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def _no_password() -> bytes:
    raise ValueError("the client key is encrypted; give it unencrypted (PEM, PKCS#8)")


def _context(tls: TemporalTls) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(tls.ca) if tls.ca else None)
    if tls.cert is not None and tls.key is not None:
        context.load_cert_chain(str(tls.cert), str(tls.key), password=_no_password)
    context.set_alpn_protocols(["h2"])
    return context


def probe_handshake(address: str, tls: TemporalTls, *, timeout: float = 5.0) -> str | None:
    """What refused a TLS connection to ``address``, in OpenSSL's words
    (``TLSV13_ALERT_CERTIFICATE_REQUIRED``, ``CERTIFICATE_VERIFY_FAILED: ...``,
    ``NO_H2``), or ``None`` when the handshake holds or nothing answers at all."""
    host, port = split_address(address)
    try:
        context = _context(tls)
        name = tls.server_name or host
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=name) as conn,
        ):
            if conn.selected_alpn_protocol() != "h2":
                return "NO_H2"
            conn.settimeout(_VERDICT_WAIT)
            conn.recv(1)
    except ssl.SSLCertVerificationError as error:
        return f"CERTIFICATE_VERIFY_FAILED: {error.verify_message}"
    except ssl.SSLError as error:
        return str(error.reason or error.__class__.__name__)
    except (TimeoutError, ValueError, OSError):
        # A read timeout means the server accepted us; the others are not about TLS.
        return None
    return None
