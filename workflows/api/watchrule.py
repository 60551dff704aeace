"""WatchRule and ClusterWatchRule: which Kubernetes objects a GitTarget mirrors."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from workflows.api.base import API_VERSION, ApiModel, Condition, ObjectMeta
from workflows.api.conditions import ConditionType, RuleReason
from workflows.api.references import ClusterTargetReference, TargetReference

__all__ = [
    "ClusterResourceRule",
    "ClusterWatchRule",
    "ClusterWatchRuleSpec",
    "Operation",
    "ResourceRule",
    "RuleCondition",
    "RuleScope",
    "WatchRule",
    "WatchRuleSpec",
    "WatchRuleStatus",
]

ANY = "*"


class Operation(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    ALL = ANY


class RuleScope(StrEnum):
    CLUSTER = "Cluster"
    """Cluster-scoped resources only."""
    NAMESPACED = "Namespaced"
    """Namespaced resources, in every namespace."""
    ALL = ANY


class ResourceRule(ApiModel):
    """Selects resources like an admission webhook rule: groups x versions x resources."""

    api_groups: list[Annotated[str, Field(max_length=253)]] = Field(default=[ANY], max_length=32)
    """API groups; ``""`` is the core group, ``*`` any group."""
    api_versions: list[Annotated[str, Field(max_length=63)]] = Field(default=[ANY], max_length=32)
    """Versions such as ``v1``; ``*`` means each group's preferred version."""
    resources: list[Annotated[str, Field(min_length=1, max_length=253)]] = Field(
        min_length=1, max_length=64
    )
    """Plural resource names such as ``configmaps``, or ``*``."""
    operations: list[Operation] = Field(default=[Operation.ALL], min_length=1, max_length=4)


class ClusterResourceRule(ResourceRule):
    scope: RuleScope = RuleScope.ALL


class WatchRuleSpec(ApiModel):
    target_ref: TargetReference
    rules: list[ResourceRule] = Field(min_length=1, max_length=32)


class ClusterWatchRuleSpec(ApiModel):
    target_ref: ClusterTargetReference
    rules: list[ClusterResourceRule] = Field(min_length=1, max_length=32)


RuleCondition = Condition[Literal[ConditionType.READY], RuleReason]


class WatchRuleStatus(ApiModel):
    """Status of both rule kinds."""

    observed_generation: int | None = Field(default=None, ge=0)
    conditions: list[RuleCondition] = Field(default_factory=list, max_length=8)


class WatchRule(ApiModel):
    KIND: ClassVar[str] = "WatchRule"
    PLURAL: ClassVar[str] = "watchrules"

    api_version: Literal["configbutler.ai/v1alpha1"] = API_VERSION
    kind: Literal["WatchRule"] = "WatchRule"
    metadata: ObjectMeta
    spec: WatchRuleSpec
    status: WatchRuleStatus | None = None


class ClusterWatchRule(ApiModel):
    KIND: ClassVar[str] = "ClusterWatchRule"
    PLURAL: ClassVar[str] = "clusterwatchrules"

    api_version: Literal["configbutler.ai/v1alpha1"] = API_VERSION
    kind: Literal["ClusterWatchRule"] = "ClusterWatchRule"
    metadata: ObjectMeta
    spec: ClusterWatchRuleSpec
    status: WatchRuleStatus | None = None
