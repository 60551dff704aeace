"""Credentials from a Secret's data: the shape each transport needs, and no leaks."""

from __future__ import annotations

import pytest

from activities.git import (
    CredentialsInvalid,
    HttpCredentials,
    SshCredentials,
    credentials_from_secret,
)
from activities.git.credentials import redact, redact_url

KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretkeymaterial\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)
KNOWN_HOSTS = b"[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Q=\n"
SSH_URL = "ssh://git@example.com/org/repo.git"
HTTPS_URL = "https://example.com/org/repo.git"


class TestSsh:
    def test_flux_identity_and_known_hosts(self) -> None:
        creds = credentials_from_secret(
            SSH_URL,
            {"identity": KEY, "identity.pub": b"ssh-ed25519 AAAA x\n", "known_hosts": KNOWN_HOSTS},
        )
        assert creds == SshCredentials(
            private_key=KEY.decode(), known_hosts=KNOWN_HOSTS, public_key="ssh-ed25519 AAAA x"
        )

    def test_kubernetes_ssh_auth_secret_key_name(self) -> None:
        creds = credentials_from_secret(
            "git@example.com:org/repo.git", {"ssh-privatekey": KEY, "known_hosts": KNOWN_HOSTS}
        )
        assert isinstance(creds, SshCredentials)

    def test_password_is_the_key_passphrase(self) -> None:
        creds = credentials_from_secret(
            SSH_URL, {"identity": KEY, "known_hosts": KNOWN_HOSTS, "password": b"pp"}
        )
        assert isinstance(creds, SshCredentials)
        assert creds.passphrase == "pp"

    def test_known_hosts_is_required(self) -> None:
        with pytest.raises(CredentialsInvalid, match="known_hosts"):
            credentials_from_secret(SSH_URL, {"identity": KEY})

    def test_known_hosts_without_a_host_line_is_invalid(self) -> None:
        with pytest.raises(CredentialsInvalid, match="known_hosts"):
            credentials_from_secret(SSH_URL, {"identity": KEY, "known_hosts": b"# nothing\n"})

    def test_private_key_is_required(self) -> None:
        with pytest.raises(CredentialsInvalid, match="private key"):
            credentials_from_secret(SSH_URL, {"known_hosts": KNOWN_HOSTS})

    def test_text_that_is_not_a_key_is_invalid(self) -> None:
        with pytest.raises(CredentialsInvalid, match="identity"):
            credentials_from_secret(SSH_URL, {"identity": b"hunter2", "known_hosts": KNOWN_HOSTS})

    def test_ssh_url_without_a_secret_is_invalid(self) -> None:
        with pytest.raises(CredentialsInvalid):
            credentials_from_secret(SSH_URL, None)


class TestHttp:
    def test_username_and_password(self) -> None:
        creds = credentials_from_secret(HTTPS_URL, {"username": b"bot", "password": b"pw\n"})
        assert creds == HttpCredentials(username="bot", password="pw")

    def test_token_alone_uses_a_placeholder_user(self) -> None:
        creds = credentials_from_secret(HTTPS_URL, {"token": b"ghp_abc"})
        assert creds == HttpCredentials(username="git", password="ghp_abc")

    def test_password_without_username_is_invalid(self) -> None:
        with pytest.raises(CredentialsInvalid, match="username"):
            credentials_from_secret(HTTPS_URL, {"password": b"pw"})

    def test_ssh_only_secret_for_an_https_url_is_invalid(self) -> None:
        with pytest.raises(CredentialsInvalid, match="password nor token"):
            credentials_from_secret(HTTPS_URL, {"identity": KEY, "known_hosts": KNOWN_HOSTS})

    def test_public_https_repository_needs_no_secret(self) -> None:
        assert credentials_from_secret(HTTPS_URL, None) is None


class TestOther:
    def test_file_url_needs_no_credentials(self) -> None:
        assert credentials_from_secret("file:///srv/repo.git", {"token": b"t"}) is None

    def test_unsupported_scheme_is_invalid_without_echoing_user_info(self) -> None:
        with pytest.raises(CredentialsInvalid) as caught:
            credentials_from_secret("ftp://user:tok3n@example.com/repo", None)
        assert "tok3n" not in str(caught.value)

    def test_secret_values_stay_out_of_repr(self) -> None:
        ssh = credentials_from_secret(
            SSH_URL, {"identity": KEY, "known_hosts": KNOWN_HOSTS, "password": b"pp-secret"}
        )
        https = credentials_from_secret(HTTPS_URL, {"username": b"bot", "password": b"pw-secret"})
        assert "secretkeymaterial" not in repr(ssh)
        assert "pp-secret" not in repr(ssh)
        assert "pw-secret" not in repr(https)


class TestRedaction:
    def test_url_with_user_token_and_an_at_sign_in_the_path_loses_only_the_user_info(
        self,
    ) -> None:
        url = "https://user:tok3n@example.com/org/repo@v1.git"
        assert redact_url(url) == "https://example.com/org/repo@v1.git"

    def test_url_without_user_info_keeps_an_at_sign_in_its_path(self) -> None:
        assert redact_url("https://example.com/org/repo@v1.git") == (
            "https://example.com/org/repo@v1.git"
        )

    def test_password_holding_an_at_sign_is_removed_whole(self) -> None:
        assert redact_url("https://user:p@ss@example.com:8443/repo.git") == (
            "https://example.com:8443/repo.git"
        )

    def test_scp_like_url_holds_no_secret_and_is_kept(self) -> None:
        assert redact_url("git@example.com:org/repo.git") == "git@example.com:org/repo.git"

    def test_user_info_of_every_url_in_a_message_is_removed(self) -> None:
        message = "unexpected http status 401 for https://user:tok3n@example.com/org/re@po.git"
        assert redact(message) == "unexpected http status 401 for https://example.com/org/re@po.git"

    def test_the_credential_password_is_masked_wherever_it_appears(self) -> None:
        message = "remote: invalid token tok3n"
        assert "tok3n" not in redact(message, HttpCredentials("user", "tok3n"))
