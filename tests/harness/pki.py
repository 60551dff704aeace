"""Throwaway certificates and keys for loopback servers (tests and demo only).

Two sets: the kube-apiserver's (a CA, a serving certificate, a service-account key) and
a mutual-TLS set for a TLS terminator in front of Temporal (a CA that signs the server
and a client certificate, plus a client certificate from an unrelated CA, which the
server must refuse).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["ApiServerPki", "KeyPair", "MutualTlsPki", "write_mutual_tls_pki", "write_pki"]


@dataclass(frozen=True)
class ApiServerPki:
    ca_cert: Path
    serving_cert: Path
    serving_key: Path
    service_account_key: Path


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, as two PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class MutualTlsPki:
    ca_cert: Path
    """The CA that signed ``server`` and ``client`` (clients trust it; the server demands it)."""
    server: KeyPair
    """Serving certificate for 127.0.0.1 and localhost."""
    client: KeyPair
    """A client certificate the server accepts."""
    foreign_client: KeyPair
    """A client certificate signed by another CA: the server must refuse it."""
    foreign_ca_cert: Path


@dataclass(frozen=True)
class _Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


_SERVER_NAMES = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _validity() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(hours=1), now + dt.timedelta(days=7)


def _authority(common_name: str) -> _Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    start, end = _validity()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _Authority(key, cert)


def _leaf(
    authority: _Authority,
    common_name: str,
    *,
    names: list[x509.GeneralName] | None = None,
    usage: x509.ObjectIdentifier | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    start, end = _validity()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return key, builder.sign(authority.key, hashes.SHA256())


def _write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _write_pair(
    directory: Path, stem: str, pair: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
) -> KeyPair:
    key, cert = pair
    written = KeyPair(cert=directory / f"{stem}.crt", key=directory / f"{stem}.key")
    _write_cert(written.cert, cert)
    written.key.write_bytes(_pem_key(key))
    written.key.chmod(0o600)
    return written


def write_pki(directory: Path) -> ApiServerPki:
    """A CA, a serving certificate for 127.0.0.1/localhost, and a service-account key."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = _authority("gitops-reverser-test-ca")
    serving = _write_pair(
        directory, "apiserver", _leaf(authority, "kube-apiserver", names=_SERVER_NAMES)
    )
    pki = ApiServerPki(
        ca_cert=_write_cert(directory / "ca.crt", authority.cert),
        serving_cert=serving.cert,
        serving_key=serving.key,
        service_account_key=directory / "sa.key",
    )
    pki.service_account_key.write_bytes(_pem_key(rsa.generate_private_key(65537, 2048)))
    return pki


def write_mutual_tls_pki(directory: Path) -> MutualTlsPki:
    """A CA with a serving and a client certificate, and a client certificate of another CA."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = _authority("gitops-reverser-test-temporal-ca")
    foreign = _authority("gitops-reverser-test-foreign-ca")
    server_usage, client_usage = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
    return MutualTlsPki(
        ca_cert=_write_cert(directory / "ca.crt", authority.cert),
        server=_write_pair(
            directory,
            "server",
            _leaf(authority, "temporal-frontend", names=_SERVER_NAMES, usage=server_usage),
        ),
        client=_write_pair(
            directory, "client", _leaf(authority, "gitops-reverser", usage=client_usage)
        ),
        foreign_client=_write_pair(
            directory, "foreign-client", _leaf(foreign, "gitops-reverser", usage=client_usage)
        ),
        foreign_ca_cert=_write_cert(directory / "foreign-ca.crt", foreign.cert),
    )
