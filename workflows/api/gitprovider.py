"""GitProvider: a Git repository the operator may write to, and how it pushes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from workflows.api.base import (
    API_VERSION,
    ApiModel,
    Condition,
    LocalObjectReference,
    ObjectMeta,
    parse_duration,
)
from workflows.api.conditions import ConditionType, ProviderReason

__all__ = [
    "GitProvider",
    "GitProviderSpec",
    "GitProviderStatus",
    "ProviderCondition",
    "PushPolicy",
]


class PushPolicy(ApiModel):
    """Batching: commits are pushed every ``interval`` or once ``max_commits`` are waiting."""

    interval: str = Field(default="1m", max_length=32)
    """A Go duration (``30s``, ``1m30s``); the CRD rejects anything else and less than 1s."""
    max_commits: int = Field(default=20, ge=1, le=1000)

    def interval_timedelta(self) -> timedelta:
        return parse_duration(self.interval)


BranchPattern = Annotated[str, Field(min_length=1, max_length=255)]
"""A branch name or glob pattern (``main``, ``release/*``)."""


class GitProviderSpec(ApiModel):
    url: str = Field(min_length=1, max_length=2048)
    secret_ref: LocalObjectReference | None = None
    allowed_branches: list[BranchPattern] = Field(min_length=1, max_length=64)
    push: PushPolicy = PushPolicy()


ProviderCondition = Condition[Literal[ConditionType.READY], ProviderReason]


class GitProviderStatus(ApiModel):
    observed_generation: int | None = Field(default=None, ge=0)
    conditions: list[ProviderCondition] = Field(default_factory=list, max_length=8)


class GitProvider(ApiModel):
    KIND: ClassVar[str] = "GitProvider"
    PLURAL: ClassVar[str] = "gitproviders"

    api_version: Literal["configbutler.ai/v1alpha1"] = API_VERSION
    kind: Literal["GitProvider"] = "GitProvider"
    metadata: ObjectMeta
    spec: GitProviderSpec
    status: GitProviderStatus | None = None
