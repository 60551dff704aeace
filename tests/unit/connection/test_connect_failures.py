"""What a failed connection to Temporal means, from the SDK core's error text (these are
the texts it gave against a real TLS terminator), and reading credential files so that
errors name the flag and never show what is in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.settings import SettingsError, TemporalSettings, TemporalTls
from worker.temporal import FailureKind, TemporalConnectionError, check_files, classify

_PREFIX = "Failed client connect: "
SEEN: list[tuple[str, FailureKind]] = [
    (
        "`get_system_info` call error after connection: Status { code: Unknown, message: "
        '"transport error", source: Some(tonic::transport::Error(Transport, hyper::Error(Io, '
        'Custom { kind: InvalidData, error: "received fatal alert: CertificateRequired" }))) }',
        FailureKind.CERTIFICATE_REFUSED,
    ),
    (
        "`get_system_info` call error after connection: Status { code: Unknown, message: "
        '"transport error", source: Some(tonic::transport::Error(Transport, hyper::Error(Io, '
        'Custom { kind: InvalidData, error: "received fatal alert: UnknownCA" }))) }',
        FailureKind.CERTIFICATE_REFUSED,
    ),
    (
        "Server connection error: tonic::transport::Error(Transport, ConnectError(Custom { "
        "kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))",
        FailureKind.SERVER_UNTRUSTED,
    ),
    (
        "Server connection error: tonic::transport::Error(Transport, ConnectError(Custom { "
        "kind: InvalidData, error: InvalidMessage(InvalidContentType) }))",
        FailureKind.NOT_TLS,
    ),
    (
        "Server connection error: tonic::transport::Error(Transport, "
        "ConnectError(H2NotNegotiated))",
        FailureKind.NOT_TLS,
    ),
    (
        "Server connection error: tonic::transport::Error(Transport, "
        "InconsistentKeys(KeyMismatch))",
        FailureKind.CREDENTIALS,
    ),
    (
        'Server connection error: tonic::transport::Error(Transport, General("failed to parse '
        'private key as RSA, ECDSA, or EdDSA"))',
        FailureKind.CREDENTIALS,
    ),
    (
        "Server connection error: tonic::transport::Error(Transport, ConnectError(ConnectError("
        '"tcp connect error", 127.0.0.1:1, Os { code: 111, kind: ConnectionRefused, message: '
        '"Connection refused" })))',
        FailureKind.UNREACHABLE,
    ),
    (
        "`get_system_info` call error after connection: Status { code: Unauthenticated, "
        'message: "Request unauthorized." }',
        FailureKind.UNAUTHENTICATED,
    ),
]


# What the TLS probe (OpenSSL) reported against the same terminator.
PROBED: list[tuple[str, FailureKind]] = [
    ("TLSV13_ALERT_CERTIFICATE_REQUIRED", FailureKind.CERTIFICATE_REFUSED),
    ("TLSV1_ALERT_UNKNOWN_CA", FailureKind.CERTIFICATE_REFUSED),
    (
        "CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate",
        FailureKind.SERVER_UNTRUSTED,
    ),
    ("WRONG_VERSION_NUMBER", FailureKind.NOT_TLS),
    ("NO_H2", FailureKind.NOT_TLS),
]


@pytest.mark.parametrize(("text", "kind"), SEEN + PROBED)
def test_each_failure_the_sdk_reports_is_classified(text: str, kind: FailureKind) -> None:
    assert classify(RuntimeError(_PREFIX + text)).kind is kind


def test_a_missing_certificate_is_told_apart_from_a_refused_one() -> None:
    required = classify(RuntimeError("TLSV13_ALERT_CERTIFICATE_REQUIRED")).explanation
    refused = classify(RuntimeError("TLSV1_ALERT_UNKNOWN_CA")).explanation
    assert "requires a client certificate" in required
    assert "does not accept this client certificate" in refused


def test_the_connection_error_names_the_address_and_the_reason() -> None:
    error = TemporalConnectionError(
        "temporal:7233", classify(RuntimeError("received fatal alert: UnknownCA")), "cause"
    )
    assert str(error).startswith("cannot connect to Temporal at temporal:7233: ")
    assert "client certificate" in str(error)


def settings(
    *, ca: Path | None = None, cert: Path | None = None, key: Path | None = None
) -> TemporalSettings:
    return TemporalSettings("t:7233", "default", "q", "s", tls=TemporalTls(ca, cert, key))


def test_a_missing_file_is_an_error_naming_its_flag_and_variable(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"--temporal-tls-ca \(env GITOPS_REVERSER_TEMPORAL_TLS_CA\)"
    ):
        check_files(settings(ca=tmp_path / "absent.pem"))


def test_an_unreadable_key_file_is_named_and_its_content_is_not_shown(tmp_path: Path) -> None:
    cert = tmp_path / "tls.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    key = tmp_path / "tls.key"
    key.mkdir()  # reading a directory fails like an unreadable file
    with pytest.raises(SettingsError, match="--temporal-tls-key") as raised:
        check_files(settings(cert=cert, key=key))
    assert "BEGIN" not in str(raised.value)


def test_an_empty_api_key_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    key = tmp_path / "api-key"
    key.write_text("  \n")
    with pytest.raises(SettingsError, match=r"--temporal-api-key-file .* is empty"):
        check_files(TemporalSettings("t:7233", "default", "q", "s", api_key_file=key))


def test_an_api_key_file_that_is_not_text_is_refused_without_echoing_it(tmp_path: Path) -> None:
    key = tmp_path / "api-key"
    key.write_bytes(b"\xffsecret\xfe")
    with pytest.raises(SettingsError, match="does not hold a text API key") as raised:
        check_files(TemporalSettings("t:7233", "default", "q", "s", api_key_file=key))
    assert "secret" not in str(raised.value).replace(str(tmp_path), "")


def test_readable_files_pass(tmp_path: Path) -> None:
    for name in ("ca.pem", "tls.crt", "tls.key", "api-key"):
        (tmp_path / name).write_text("x")
    check_files(
        TemporalSettings(
            "t:7233",
            "default",
            "q",
            "s",
            tls=TemporalTls(
                ca=tmp_path / "ca.pem", cert=tmp_path / "tls.crt", key=tmp_path / "tls.key"
            ),
            api_key_file=tmp_path / "api-key",
        )
    )
