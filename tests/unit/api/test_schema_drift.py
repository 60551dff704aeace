"""The pydantic models and the CRD schemas describe the same API.

The CRDs are the source of truth for validation (CEL rules live only there); the models
mirror their structure. These tests fail as soon as the two drift apart: a field added,
renamed or dropped on one side, a changed default, a required flag, an enum value, a
bound.
"""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from tests.unit.api.manifests import crds, openapi_schema
from tests.unit.api.schema_view import crd_view, model_view
from workflows.api import (
    ClusterWatchRuleSpec,
    GitProviderSpec,
    GitProviderStatus,
    GitTargetSpec,
    GitTargetStatus,
    WatchRuleSpec,
    WatchRuleStatus,
)
from workflows.api.base import ApiModel

MODELS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "GitProvider": (GitProviderSpec, GitProviderStatus),
    "GitTarget": (GitTargetSpec, GitTargetStatus),
    "WatchRule": (WatchRuleSpec, WatchRuleStatus),
    "ClusterWatchRule": (ClusterWatchRuleSpec, WatchRuleStatus),
}


def _crd_part(kind: str, part: str) -> dict[str, object]:
    return crd_view(openapi_schema(kind)["properties"][part])


def test_every_crd_has_models() -> None:
    assert set(crds()) == set(MODELS)


@pytest.mark.parametrize("kind", MODELS)
def test_spec_model_matches_crd_schema(kind: str) -> None:
    spec_model, _ = MODELS[kind]
    assert model_view(spec_model) == _crd_part(kind, "spec")


@pytest.mark.parametrize("kind", MODELS)
def test_status_model_matches_crd_schema(kind: str) -> None:
    _, status_model = MODELS[kind]
    assert model_view(status_model) == _crd_part(kind, "status")


class _PushWithOtherDefault(ApiModel):
    interval: str = Field(default="5m", max_length=32)
    max_commits: int = Field(default=20, ge=1, le=1000)


class _PushWithoutMaxCommits(ApiModel):
    interval: str = Field(default="1m", max_length=32)


class _PushWithLooserBound(ApiModel):
    interval: str = Field(default="1m", max_length=32)
    max_commits: int = Field(default=20, ge=0, le=1000)


class _EncryptionWithExtraProvider(ApiModel):
    provider: Literal["sops", "vault"] = "sops"
    secret_ref: dict[str, str]
    generate_when_missing: bool = False


def _push_schema() -> dict[str, object]:
    push = openapi_schema("GitProvider")["properties"]["spec"]["properties"]["push"]
    view = crd_view(push)
    view.pop("default")
    return view


@pytest.mark.parametrize(
    "drifted",
    [_PushWithOtherDefault, _PushWithoutMaxCommits, _PushWithLooserBound],
    ids=["changed default", "missing field", "looser bound"],
)
def test_drift_check_notices_a_model_that_differs_from_the_crd(drifted: type[BaseModel]) -> None:
    assert model_view(drifted) != _push_schema()


def test_drift_check_notices_an_enum_value_the_crd_does_not_allow() -> None:
    spec = openapi_schema("GitTarget")["properties"]["spec"]["properties"]
    crd_provider = crd_view(spec["encryption"])["properties"]["provider"]
    assert model_view(_EncryptionWithExtraProvider)["properties"]["provider"] != crd_provider
