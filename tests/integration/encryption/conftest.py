from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.harness.tools import Tools
from tests.integration.encryption.binaries import Binaries
from tests.unit.sops.key_leaks import LeakWatch, watching


@pytest.fixture
def binaries(tools: Tools, tmp_path: Path) -> Binaries:
    return Binaries(tools, tmp_path)


@pytest.fixture(autouse=True)
def leaks(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LeakWatch]:
    """Fails the test when a log record, an expected exception or an Event carries a key."""
    # Requested here, so the namespace outlives this fixture and its Events can be read.
    namespace = (
        request.getfixturevalue("namespace") if "namespace" in request.fixturenames else None
    )
    with watching(request, caplog, monkeypatch) as watch:
        yield watch
    if namespace is not None:
        core = client.CoreV1Api(request.getfixturevalue("k8s"))
        for event in core.list_namespaced_event(namespace).items:
            watch.add(f"event {event.reason}", f"{event.reason} {event.message}")
    assert watch.leaks() == []
