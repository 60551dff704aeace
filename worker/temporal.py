"""Connecting to Temporal the one way every process of the project does.

The pydantic data converter is set on the client (workers inherit it), so every
workflow, activity, signal and query payload is a typed model on both sides.

TLS material and the API key are read from their files on every connection attempt (a
rotated Secret is picked up without a restart) and never logged: errors name the flag
and the file, not what is in it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from worker.settings import SettingsError, TemporalSettings, TemporalTls
from worker.tls_probe import probe_handshake

__all__ = [
    "ConnectFailure",
    "FailureKind",
    "TemporalConnectionError",
    "check_files",
    "classify",
    "connect",
]

_log = logging.getLogger(__name__)
_MAX_WAIT = 10.0
_REPEAT_LOG_EVERY = 30.0
"""A failure that repeats word for word is logged again only after this many seconds."""


class FailureKind(StrEnum):
    UNREACHABLE = "unreachable"
    """Nothing answers (yet): refused, reset, DNS. Retrying is the fix."""
    CERTIFICATE_REFUSED = "certificate-refused"
    """The server refused the TLS handshake: no client certificate or one it does not trust."""
    SERVER_UNTRUSTED = "server-untrusted"
    """The server's certificate does not chain to the CA bundle or does not carry the name."""
    NOT_TLS = "not-tls"
    """TLS was spoken to a plain endpoint, or the endpoint does not offer HTTP/2 (ALPN h2)."""
    UNAUTHENTICATED = "unauthenticated"
    """TLS held, but the server refused the credentials (API key, namespace access)."""
    CREDENTIALS = "credentials"
    """The client could not use its own certificate or key (unreadable, not PEM)."""


@dataclass(frozen=True)
class ConnectFailure:
    kind: FailureKind
    explanation: str


# Substrings of the SDK core's (rustls) error text or of the TLS probe's (OpenSSL)
# reason, most specific first.
_SIGNATURES: tuple[tuple[tuple[str, ...], FailureKind, str], ...] = (
    (
        ("CertificateRequired", "CERTIFICATE_REQUIRED"),
        FailureKind.CERTIFICATE_REFUSED,
        "the server requires a client certificate (TLS handshake refused); "
        "set --temporal-tls-cert and --temporal-tls-key",
    ),
    (
        ("received fatal alert", "ALERT_"),
        FailureKind.CERTIFICATE_REFUSED,
        "the server refused the TLS handshake: it does not accept this client certificate "
        "(signed by a CA it does not trust, expired, or revoked)",
    ),
    (
        ("InvalidCertificate", "CERTIFICATE_VERIFY_FAILED"),
        FailureKind.SERVER_UNTRUSTED,
        "the server's TLS certificate is not trusted: it does not chain to --temporal-tls-ca "
        "(or the system roots) or does not name the host (see --temporal-tls-server-name)",
    ),
    (
        ("InvalidContentType", "CorruptMessage", "WRONG_VERSION_NUMBER", "RECORD_LAYER"),
        FailureKind.NOT_TLS,
        "the endpoint does not speak TLS (is TLS on, but the server plain gRPC?)",
    ),
    (
        ("H2NotNegotiated", "NO_H2"),
        FailureKind.NOT_TLS,
        "the TLS endpoint does not offer HTTP/2 (ALPN h2), which gRPC needs; "
        "a TLS proxy in front of Temporal must announce h2",
    ),
    (
        ("Unauthenticated", "PermissionDenied", "Request unauthorized"),
        FailureKind.UNAUTHENTICATED,
        "the server refused the credentials (API key or client certificate not allowed "
        "for this namespace)",
    ),
    (
        ("InconsistentKeys", "KeyMismatch", "private key", "failed to parse"),
        FailureKind.CREDENTIALS,
        "the client certificate or key could not be used (not PEM, or not a matching pair)",
    ),
)


def classify(error: BaseException) -> ConnectFailure:
    """What a failed ``Client.connect`` means, from the SDK's error text. Pure."""
    text = str(error)
    for needles, kind, explanation in _SIGNATURES:
        if any(needle in text for needle in needles):
            return ConnectFailure(kind, explanation)
    return ConnectFailure(FailureKind.UNREACHABLE, "the server is not reachable")


class TemporalConnectionError(ConnectionError):
    """Connecting failed; the message says where, why and what to check, with no secret."""

    def __init__(self, address: str, failure: ConnectFailure, cause: str) -> None:
        self.address = address
        self.failure = failure
        super().__init__(
            f"cannot connect to Temporal at {address}: {failure.explanation} [{cause}]"
        )


def _read(path: Path, flag: str) -> bytes:
    env = "GITOPS_REVERSER_" + flag.removeprefix("--").replace("-", "_").upper()
    try:
        content = path.read_bytes()
    except OSError as error:
        raise SettingsError(
            f"{flag} (env {env}): cannot read {path}: {error.strerror or error}"
        ) from None
    if not content.strip():
        raise SettingsError(f"{flag} (env {env}): {path} is empty")
    return content


def _tls_config(tls: TemporalTls) -> TLSConfig:
    return TLSConfig(
        server_root_ca_cert=_read(tls.ca, "--temporal-tls-ca") if tls.ca else None,
        domain=tls.server_name,
        client_cert=_read(tls.cert, "--temporal-tls-cert") if tls.cert else None,
        client_private_key=_read(tls.key, "--temporal-tls-key") if tls.key else None,
    )


def _api_key(settings: TemporalSettings) -> str | None:
    if settings.api_key_file is None:
        return None
    content = _read(settings.api_key_file, "--temporal-api-key-file")
    try:
        return content.decode("ascii").strip()
    except UnicodeDecodeError:
        raise SettingsError(
            "--temporal-api-key-file (env GITOPS_REVERSER_TEMPORAL_API_KEY_FILE): "
            f"{settings.api_key_file} does not hold a text API key"
        ) from None


def check_files(settings: TemporalSettings) -> None:
    """Read every configured file once: a missing or unreadable one is a
    :class:`SettingsError` naming its flag, raised before any connection is tried."""
    if settings.tls is not None:
        _tls_config(settings.tls)
    _api_key(settings)


async def _explain(settings: TemporalSettings, error: RuntimeError) -> TemporalConnectionError:
    """The failure, looked at again with a TLS handshake of our own when the client's own
    text does not say (a certificate refused after a TLS 1.3 handshake reads as a closed
    connection)."""
    failure = classify(error)
    if failure.kind is not FailureKind.UNREACHABLE or settings.tls is None:
        return TemporalConnectionError(settings.address, failure, str(error))
    verdict = await asyncio.to_thread(probe_handshake, settings.address, settings.tls)
    if verdict is None:
        return TemporalConnectionError(settings.address, failure, str(error))
    return TemporalConnectionError(
        settings.address, classify(RuntimeError(verdict)), f"TLS handshake: {verdict}; {error}"
    )


async def _connect_once(settings: TemporalSettings) -> Client:
    tls: bool | TLSConfig = False if settings.tls is None else _tls_config(settings.tls)
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        data_converter=pydantic_data_converter,
        tls=tls,
        api_key=_api_key(settings),
    )


async def connect(settings: TemporalSettings, *, wait: bool = True) -> Client:
    """A client of ``settings``' namespace.

    Without ``wait`` the first failure raises :class:`TemporalConnectionError`. With it,
    every failure is retried (the server or a rotated certificate may arrive later) and
    logged: TLS and credential failures as errors, an unreachable server as a warning;
    the same failure again only every 30 s.
    """
    delay, attempt = 0.5, 0
    last: tuple[ConnectFailure, float] | None = None
    while True:
        attempt += 1
        try:
            return await _connect_once(settings)
        except RuntimeError as error:
            failure = await _explain(settings, error)
            if not wait:
                raise failure from None
        except SettingsError as error:
            if not wait:
                raise
            failure = TemporalConnectionError(
                settings.address,
                ConnectFailure(FailureKind.CREDENTIALS, str(error)),
                "file",
            )
        now = time.monotonic()
        # The SDK's wording varies between attempts; what failed is what must repeat.
        if last is None or last[0] != failure.failure or now - last[1] >= _REPEAT_LOG_EVERY:
            level = (
                logging.WARNING
                if failure.failure.kind is FailureKind.UNREACHABLE
                else logging.ERROR
            )
            _log.log(level, "%s; retrying in %.1fs (attempt %d)", failure, delay, attempt)
            last = (failure.failure, now)
        await asyncio.sleep(delay)
        delay = min(delay * 2, _MAX_WAIT)
