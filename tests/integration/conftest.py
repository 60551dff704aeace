"""The credential leak watch over the git integration tests.

It lives one folder up so that tests/integration/git/conftest.py stays with the
engineers who own the git tests; it applies only to tests in that folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.git import GitServers
from tests.unit.sops.key_leaks import LeakWatch, watching

_GIT_TESTS = Path(__file__).parent / "git"


@pytest.fixture(autouse=True)
def credential_leaks(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LeakWatch | None]:
    """Fails a git test when a log record or an expected exception carries a credential.

    Private keys are found by their marker; the harness's HTTP passwords and SSH keys
    are looked for exactly (and in base64) whenever the test uses the git servers.
    """
    if not request.path.is_relative_to(_GIT_TESTS):
        yield None
        return
    with watching(request, caplog, monkeypatch) as watch:
        if "git_servers" in request.fixturenames:
            remember_harness_credentials(watch, request.getfixturevalue("git_servers"))
        yield watch
    assert watch.leaks() == []


def remember_harness_credentials(watch: LeakWatch, servers: GitServers) -> None:
    for password, _mode in servers.http_users.values():
        watch.remember(password)
    for credential in (servers.ssh_rw, servers.ssh_ro):
        watch.remember(credential.private_key)
        for line in credential.private_key.splitlines():
            if not line.startswith("-----"):
                watch.remember(line)
