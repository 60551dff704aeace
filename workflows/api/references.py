"""Typed references between configbutler.ai objects.

References name their kind explicitly. Local references have no namespace field at all,
so a namespaced object can never point across namespaces; the one cluster-scoped
referrer (ClusterWatchRule) must name the namespace.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from workflows.api.base import GROUP, ApiModel

__all__ = [
    "ApiGroup",
    "ClusterTargetReference",
    "ProviderKind",
    "ProviderReference",
    "TargetReference",
]


class ApiGroup(StrEnum):
    CONFIGBUTLER = GROUP
    FLUX_SOURCE = "source.toolkit.fluxcd.io"


class ProviderKind(StrEnum):
    GIT_PROVIDER = "GitProvider"
    """Our own provider kind (group configbutler.ai)."""
    GIT_REPOSITORY = "GitRepository"
    """A Flux GitRepository (group source.toolkit.fluxcd.io); only spec.url and spec.secretRef
    are read, never its status."""


class ProviderReference(ApiModel):
    """GitTarget spec.providerRef: a GitProvider or Flux GitRepository in the same namespace."""

    group: ApiGroup = ApiGroup.CONFIGBUTLER
    kind: ProviderKind = ProviderKind.GIT_PROVIDER
    name: str = Field(min_length=1, max_length=253)


class TargetReference(ApiModel):
    """WatchRule spec.targetRef: a GitTarget in the rule's own namespace."""

    group: Literal[ApiGroup.CONFIGBUTLER] = ApiGroup.CONFIGBUTLER
    kind: Literal["GitTarget"] = "GitTarget"
    name: str = Field(min_length=1, max_length=253)


class ClusterTargetReference(TargetReference):
    """ClusterWatchRule spec.targetRef: a GitTarget, with its namespace spelled out."""

    namespace: str = Field(min_length=1, max_length=63)
