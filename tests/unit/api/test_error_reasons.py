"""Every typed git or manifest error carries a reason a GitTarget condition may report."""

from __future__ import annotations

import pytest

import activities.git
import activities.manifests
from activities.git import GitError
from activities.manifests import ManifestError
from tests.unit.api.manifests import openapi_schema
from workflows.api.conditions import REASONS_BY_CONDITION, ConditionType


def _subclasses(base: type[Exception]) -> list[type[Exception]]:
    found: list[type[Exception]] = []
    for sub in base.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


ERRORS = _subclasses(GitError) + _subclasses(ManifestError)


def _crd_condition_reasons() -> set[str]:
    conditions = openapi_schema("GitTarget")["properties"]["status"]["properties"]["conditions"]
    return set(conditions["items"]["properties"]["reason"]["enum"])


def test_the_errors_to_check_were_found() -> None:
    assert {activities.git.HostKeyUnknown, activities.manifests.PlaintextSecretRefused} <= set(
        ERRORS
    )


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_error_reason_is_allowed_by_the_crd(error: type[GitError | ManifestError]) -> None:
    assert error.reason in _crd_condition_reasons()


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_error_reason_is_allowed_for_at_least_one_gate(
    error: type[GitError | ManifestError],
) -> None:
    gates = [t for t in ConditionType if t is not ConditionType.READY]
    assert any(error.reason in REASONS_BY_CONDITION[gate] for gate in gates)
