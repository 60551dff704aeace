from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.unit.sops.key_leaks import LeakWatch, key_leaks_in


@pytest.fixture(autouse=True)
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[LeakWatch]:
    """Fails the test when a log record or an expected exception carries key material."""
    caplog.set_level(logging.DEBUG)
    watch = LeakWatch()
    yield watch
    watch.add_log_records(caplog.records)
    assert key_leaks_in(watch.texts) == []
