"""Fixtures for the API tests: typed access to our kinds as admin, the worker and the bridge."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import ControlPlane
from tests.integration.api.resources import Objects


@pytest.fixture
def objects(k8s: client.ApiClient) -> Objects:
    return Objects(k8s)


@pytest.fixture
def worker_client(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.worker_client()


@pytest.fixture
def bridge_client(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.bridge_client()


@pytest.fixture
def cluster_name(objects: Objects) -> Iterator[str]:
    """A unique name for a ClusterWatchRule, deleted (if it was created) after the test."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    yield name
    try:
        objects.delete("ClusterWatchRule", name, None)
    except ApiException as error:
        if error.status != 404:
            raise
