"""Git credentials from a Kubernetes Secret's ``data`` (base64-decoded bytes).

Follows Flux's conventions so one Secret serves both: SSH uses ``identity`` (or
``ssh-privatekey`` of a ``kubernetes.io/ssh-auth`` Secret), optional
``identity.pub``, and ``known_hosts``, which is required because host keys are
always checked strictly; ``password`` there is the key's passphrase. HTTP(S)
uses ``username`` with ``password`` or ``token`` (``token`` alone uses the user
name ``git``, which hosts ignore for tokens).

Which shape is needed follows from the URL. Errors name missing or malformed
keys, never values; secret fields are left out of ``repr``.
Parses only: no network, no files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from activities.git.errors import CredentialsInvalid
from activities.git.known_hosts import entries

__all__ = [
    "Credentials",
    "HttpCredentials",
    "SshCredentials",
    "Transport",
    "credentials_from_secret",
    "redact",
    "redact_url",
    "transport_of",
]

_SCP_LIKE = re.compile(r"^[^/:@]+@[^/:]+:")
# scheme://user-info@ : the user-info runs to the last "@" before the path starts.
_USER_INFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s?#]*@")
_MASK = "***"
_ANY_USER = "git"


class Transport(StrEnum):
    FILE = "file"
    SSH = "ssh"
    HTTP = "http"


@dataclass(frozen=True)
class SshCredentials:
    private_key: str = field(repr=False)
    known_hosts: bytes
    public_key: str | None = None
    passphrase: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class HttpCredentials:
    username: str
    password: str = field(repr=False)


Credentials = SshCredentials | HttpCredentials


def transport_of(url: str) -> Transport:
    """The transport a remote URL uses; ``CredentialsInvalid`` for schemes we do not speak."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        if _SCP_LIKE.match(url):
            return Transport.SSH
        if url.startswith("/"):
            return Transport.FILE
    schemes = {
        "file": Transport.FILE,
        "ssh": Transport.SSH,
        "http": Transport.HTTP,
        "https": Transport.HTTP,
    }
    if scheme.lower() in schemes:
        return schemes[scheme.lower()]
    raise CredentialsInvalid(f"unsupported git URL scheme in {redact_url(url)}")


def credentials_from_secret(url: str, data: Mapping[str, bytes] | None) -> Credentials | None:
    """The credentials the URL's transport needs from ``data``; ``None`` when it needs none."""
    transport = transport_of(url)
    if transport is Transport.SSH:
        if data is None:
            raise CredentialsInvalid("an SSH URL needs a Secret with identity and known_hosts")
        return _ssh(data)
    if transport is Transport.HTTP and data is not None:
        return _http(data)
    return None


def _ssh(data: Mapping[str, bytes]) -> SshCredentials:
    key_name = next((name for name in ("identity", "ssh-privatekey") if data.get(name)), None)
    if key_name is None:
        raise CredentialsInvalid("Secret has no SSH private key (identity or ssh-privatekey)")
    private_key = _text(data, key_name)
    if "PRIVATE KEY-----" not in private_key:
        raise CredentialsInvalid(f"Secret key {key_name} is not a PEM or OpenSSH private key")
    known_hosts = data.get("known_hosts")
    if not known_hosts:
        raise CredentialsInvalid("Secret has no known_hosts; SSH host keys are always verified")
    if not any(True for _ in entries(known_hosts)):
        raise CredentialsInvalid("Secret key known_hosts has no host key line")
    return SshCredentials(
        private_key=private_key,
        known_hosts=known_hosts,
        public_key=_text(data, "identity.pub").strip() if data.get("identity.pub") else None,
        passphrase=_text(data, "password") if data.get("password") else None,
    )


def _http(data: Mapping[str, bytes]) -> HttpCredentials:
    given = next((name for name in ("password", "token") if data.get(name)), None)
    if given is None:
        raise CredentialsInvalid("Secret has neither password nor token for an HTTP(S) URL")
    username = _text(data, "username") if data.get("username") else None
    if username is None and given == "password":
        raise CredentialsInvalid("Secret has a password but no username")
    return HttpCredentials(
        username=username or _ANY_USER, password=_text(data, given).rstrip("\r\n")
    )


def _text(data: Mapping[str, bytes], name: str) -> str:
    try:
        return data[name].decode()
    except UnicodeDecodeError:
        raise CredentialsInvalid(f"Secret key {name} is not UTF-8 text") from None


def redact_url(url: str) -> str:
    """The URL without its user-info part, which may hold a token: safe for messages.

    Only the authority loses its user-info; an ``@`` in the path stays. An scp-like
    ``git@host:path`` names a user, never a secret, and is kept as it is.
    """
    if "://" not in url:
        authority = url.split("/", 1)[0]
        user, at, _ = authority.rpartition("@")
        return url[len(user) + 1 :] if at and ":" in user else url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def redact(text: str, credentials: Credentials | None = None) -> str:
    """``text`` (e.g. a libgit2 message) with URL user-info removed and secrets masked."""
    text = _USER_INFO.sub(r"\g<scheme>", text)
    if credentials is None:
        return text
    secrets = (
        (credentials.passphrase,)
        if isinstance(credentials, SshCredentials)
        else (credentials.password,)
    )
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return text
