from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client

from tests.harness.tools import Tools
from tests.integration.encryption.binaries import Binaries
from tests.leak_watch import leak_watch_fixture
from tests.unit.sops.key_leaks import LeakWatch


@pytest.fixture
def binaries(tools: Tools, tmp_path: Path) -> Binaries:
    return Binaries(tools, tmp_path)


def _request_the_namespace(_watch: LeakWatch, request: pytest.FixtureRequest) -> None:
    # Requested during setup, so the namespace outlives the watch and its Events can be read.
    if "namespace" in request.fixturenames:
        request.getfixturevalue("namespace")


def _add_the_namespace_events(watch: LeakWatch, request: pytest.FixtureRequest) -> None:
    if "namespace" not in request.fixturenames:
        return
    namespace = request.getfixturevalue("namespace")
    core = client.CoreV1Api(request.getfixturevalue("k8s"))
    for event in core.list_namespaced_event(namespace).items:
        watch.add(f"event {event.reason}", f"{event.reason} {event.message}")


leaks = leak_watch_fixture(
    on_setup=[_request_the_namespace], on_teardown=[_add_the_namespace_events]
)
"""Fails the test when a log record, an expected exception or an Event carries a key."""
