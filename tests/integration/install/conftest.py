"""Fixtures for the install tests: the chart (helm from the tool cache) and fresh
namespaces to render it into."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client

from tests.harness.tools import Tools
from tests.integration.install.chart import Chart


@pytest.fixture(scope="session")
def chart(tools: Tools) -> Chart:
    return Chart(tools.bin("helm"))


@pytest.fixture(scope="module")
def make_namespace(k8s: client.ApiClient) -> Iterator[Callable[[], str]]:
    """Create namespaces on demand for a module; deletion is requested at its end (no
    controller finishes it)."""
    core = client.CoreV1Api(k8s)
    made: list[str] = []

    def make() -> str:
        name = f"t-{uuid.uuid4().hex[:8]}"
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        made.append(name)
        return name

    yield make
    for name in made:
        core.delete_namespace(name)
