"""The git tests' leak watch looks for the harness's own credentials."""

from __future__ import annotations

import base64

from tests.harness.git import GitRemote
from tests.unit.sops.key_leaks import LeakWatch, key_leaks_in


def found(watch: LeakWatch, text: str) -> bool:
    return key_leaks_in([("text", text)], watch.secrets) == ["text"]


def test_an_http_password_is_looked_for(git_remote: GitRemote, credential_leaks: LeakWatch) -> None:
    assert found(credential_leaks, f"auth failed for {git_remote.http_rw.password}")
    assert found(credential_leaks, f"auth failed for {git_remote.http_ro.password}")


def test_an_http_password_in_base64_is_looked_for(
    git_remote: GitRemote, credential_leaks: LeakWatch
) -> None:
    basic = f"{git_remote.http_rw.username}:{git_remote.http_rw.password}"
    assert found(credential_leaks, f"Authorization: Basic {base64.b64encode(basic.encode())!r}")


def test_a_line_of_an_ssh_private_key_is_looked_for(
    git_remote: GitRemote, credential_leaks: LeakWatch
) -> None:
    line = git_remote.ssh_rw.private_key.splitlines()[1]
    assert found(credential_leaks, f"could not parse {line}")
