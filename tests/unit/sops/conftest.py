from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.sops.key_leaks import LeakWatch, watching


@pytest.fixture(autouse=True)
def leaks(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LeakWatch]:
    """Fails the test when a log record or an expected exception carries key material."""
    with watching(request, caplog, monkeypatch) as watch:
        yield watch
    assert watch.leaks() == []
