"""Building blocks shared by every configbutler.ai kind: model base, metadata, conditions.

Pure data: pydantic models that mirror the CRD schemas in ``crds/bases``. They carry the
structural rules (types, required fields, defaults, enums, bounds); the API server's CEL
rules stay in the CRDs, so these models never reject what the server accepts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from workflows.api.conditions import ConditionStatus

__all__ = [
    "API_VERSION",
    "DURATION_PATTERN",
    "GROUP",
    "VERSION",
    "ApiModel",
    "Condition",
    "LocalObjectReference",
    "ObjectMeta",
    "parse_duration",
]

GROUP: Final = "configbutler.ai"
VERSION: Final = "v1alpha1"
API_VERSION: Final = "configbutler.ai/v1alpha1"


class ApiModel(BaseModel):
    """Base of every API model: camelCase on the wire, snake_case in Python, no stray keys."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
    )


class ObjectMeta(ApiModel):
    """The part of ``metadata`` the operator reads; server-managed extras are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: str
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None


class LocalObjectReference(ApiModel):
    """A reference to an object in the referrer's own namespace (never another one)."""

    name: str = Field(min_length=1, max_length=253)


TypeT = TypeVar("TypeT")
ReasonT = TypeVar("ReasonT")


class Condition(ApiModel, Generic[TypeT, ReasonT]):
    """One entry of ``status.conditions`` (metav1.Condition with our enums for type/reason)."""

    type: TypeT
    status: ConditionStatus
    observed_generation: int = Field(ge=0)
    last_transition_time: datetime
    reason: ReasonT
    message: str = Field(max_length=32768)


_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_DURATION = re.compile(rf"^(?:{_DURATION_PART.pattern})+$")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}

DURATION_PATTERN = _DURATION.pattern
"""The Go duration syntax the CRDs accept, e.g. ``30s``, ``1m30s``, ``1.5h``."""


def parse_duration(text: str) -> timedelta:
    """Parse a Go duration string (``1h30m``, ``250ms``) the way the CRDs accept it."""
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m or 1h30m")
    seconds = sum(
        float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text)
    )
    return timedelta(seconds=seconds)
