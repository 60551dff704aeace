"""The typed models read and write the objects exactly as the API server stores them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from tests.unit.api.manifests import openapi_schema, samples
from workflows.api import (
    ClusterWatchRule,
    GitProvider,
    GitStatus,
    GitTarget,
    GitTargetStatus,
    LocalObjectReference,
    ObjectMeta,
    ProviderKind,
    ProviderReference,
    PushPolicy,
    WatchRule,
    WatchRuleSpec,
    parse_duration,
)
from workflows.api.conditions import ConditionType, Phase, ValidatedReason

MODEL_BY_KIND: dict[str, type[BaseModel]] = {
    "GitProvider": GitProvider,
    "GitTarget": GitTarget,
    "WatchRule": WatchRule,
    "ClusterWatchRule": ClusterWatchRule,
}


@pytest.mark.parametrize(("source", "document"), samples(), ids=[name for name, _ in samples()])
def test_every_sample_parses_into_its_model(source: str, document: dict[str, Any]) -> None:
    model = MODEL_BY_KIND[document["kind"]].model_validate(document)
    assert model.model_dump(exclude_unset=True, exclude_none=True) == document


def test_models_serialise_with_the_crd_field_names() -> None:
    spec = WatchRuleSpec.model_validate(
        {"targetRef": {"name": "t"}, "rules": [{"resources": ["x"]}]}
    )
    dumped = spec.model_dump(mode="json")
    assert dumped["targetRef"] == {"group": "configbutler.ai", "kind": "GitTarget", "name": "t"}
    assert set(dumped["rules"][0]) == {"apiGroups", "apiVersions", "resources", "operations"}


def test_models_can_be_built_with_python_names() -> None:
    reference = ProviderReference(
        kind=ProviderKind.GIT_REPOSITORY, group="source.toolkit.fluxcd.io", name="flux-system"
    )
    assert reference.model_dump(mode="json") == {
        "group": "source.toolkit.fluxcd.io",
        "kind": "GitRepository",
        "name": "flux-system",
    }


def test_git_status_spells_the_commit_sha_as_the_crd_does() -> None:
    assert GitStatus(last_commit_sha="abc").model_dump(exclude_none=True) == {
        "lastCommitSHA": "abc"
    }
    assert (
        "lastCommitSHA"
        in openapi_schema("GitTarget")["properties"]["status"]["properties"]["git"]["properties"]
    )


def test_unknown_fields_are_rejected_like_strict_field_validation() -> None:
    with pytest.raises(ValidationError, match="namespace"):
        WatchRuleSpec.model_validate(
            {"targetRef": {"name": "t", "namespace": "other"}, "rules": [{"resources": ["x"]}]}
        )


def test_status_conditions_parse_into_their_enums() -> None:
    status = GitTargetStatus.model_validate(
        {
            "phase": "ERROR",
            "conditions": [
                {
                    "type": "Validated",
                    "status": "False",
                    "observedGeneration": 2,
                    "lastTransitionTime": "2026-01-02T03:04:05Z",
                    "reason": "BranchNotAllowed",
                    "message": "branch dev is not in allowedBranches",
                }
            ],
        }
    )
    (condition,) = status.conditions
    assert status.phase is Phase.ERROR
    assert condition.type is ConditionType.VALIDATED
    assert condition.reason is ValidatedReason.BRANCH_NOT_ALLOWED
    assert condition.last_transition_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_condition_reason_outside_the_vocabulary_is_rejected() -> None:
    with pytest.raises(ValidationError, match="reason"):
        GitTargetStatus.model_validate(
            {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "observedGeneration": 1,
                        "lastTransitionTime": "2026-01-02T03:04:05Z",
                        "reason": "SomethingWentWrong",
                        "message": "",
                    }
                ]
            }
        )


def test_secret_reference_needs_a_name() -> None:
    with pytest.raises(ValidationError):
        LocalObjectReference(name="")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("1m30s", timedelta(seconds=90)),
        ("1.5h", timedelta(minutes=90)),
        ("250ms", timedelta(milliseconds=250)),
        ("2h45m", timedelta(hours=2, minutes=45)),
        ("10µs", timedelta(microseconds=10)),
    ],
)
def test_parse_duration_reads_go_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "-1s", "1d", "s", "1m 30s"])
def test_parse_duration_rejects_what_the_crd_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def _crd_duration_regex() -> re.Pattern[str]:
    """The regex inside the CRD's CEL rule for push.interval, unescaped from CEL."""
    push = openapi_schema("GitProvider")["properties"]["spec"]["properties"]["push"]
    rule = push["properties"]["interval"]["x-kubernetes-validations"][0]["rule"]
    found = re.fullmatch(r"self\.matches\('(.*)'\)", rule)
    assert found is not None
    return re.compile(found.group(1).replace("\\\\", "\\"))


@pytest.mark.parametrize(
    "text", ["30s", "1m30s", "1.5h", "10µs", "2h45m", "", "5", "1d", "-1s", "1m 30s", "1.s"]
)
def test_parse_duration_accepts_exactly_what_the_crd_accepts(text: str) -> None:
    try:
        parse_duration(text)
    except ValueError:
        accepted = False
    else:
        accepted = True
    assert accepted == bool(_crd_duration_regex().search(text))


UNITS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(list(UNITS))), min_size=1))
def test_parse_duration_adds_up_every_part(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{number}{unit}" for number, unit in parts)
    seconds = sum(number * UNITS[unit] for number, unit in parts)
    assert parse_duration(text).total_seconds() == pytest.approx(seconds)


def test_push_policy_interval_as_timedelta() -> None:
    assert PushPolicy().interval_timedelta() == timedelta(minutes=1)


def test_metadata_keeps_what_the_operator_reads_and_ignores_server_bookkeeping() -> None:
    metadata = ObjectMeta.model_validate(
        {
            "name": "prod",
            "namespace": "team-a",
            "generation": 3,
            "finalizers": ["configbutler.ai/finalizer"],
            "managedFields": [{"manager": "kubectl"}],
        }
    )

    assert (metadata.name, metadata.namespace, metadata.generation) == ("prod", "team-a", 3)
    assert metadata.finalizers == ["configbutler.ai/finalizer"]
    assert "managedFields" not in metadata.model_dump()
