"""Custom search attributes a GitTarget workflow publishes, so the Temporal UI can filter targets.

Declared once here; the dev server, the demo and the worker register exactly this list.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

__all__ = ["ALL", "GIT_TARGET_NAME", "GIT_TARGET_NAMESPACE", "GIT_TARGET_PHASE", "GIT_TARGET_READY"]

GIT_TARGET_NAMESPACE = SearchAttributeKey.for_keyword("GitTargetNamespace")
GIT_TARGET_NAME = SearchAttributeKey.for_keyword("GitTargetName")
GIT_TARGET_PHASE = SearchAttributeKey.for_keyword("GitTargetPhase")
GIT_TARGET_READY = SearchAttributeKey.for_bool("GitTargetReady")

ALL = (GIT_TARGET_NAMESPACE, GIT_TARGET_NAME, GIT_TARGET_PHASE, GIT_TARGET_READY)
