"""The configbutler.ai/v1alpha1 API as typed models: spec and status of every kind.

These models mirror the CRDs in ``crds/bases`` (a unit test fails when they drift) and
are what the rest of the code reads and writes. Pure data: no I/O.
"""

from workflows.api.base import (
    API_VERSION,
    GROUP,
    VERSION,
    Condition,
    LocalObjectReference,
    ObjectMeta,
    parse_duration,
)
from workflows.api.gitprovider import (
    GitProvider,
    GitProviderSpec,
    GitProviderStatus,
    ProviderCondition,
    PushPolicy,
)
from workflows.api.gittarget import (
    BootstrapStatus,
    Encryption,
    EncryptionProvider,
    EncryptionStatus,
    EventStreamStatus,
    GitStatus,
    GitTarget,
    GitTargetCondition,
    GitTargetSpec,
    GitTargetStatus,
    SnapshotStats,
    SnapshotStatus,
    WorkerRef,
)
from workflows.api.references import (
    ApiGroup,
    ClusterTargetReference,
    ProviderKind,
    ProviderReference,
    TargetReference,
)
from workflows.api.watchrule import (
    ClusterResourceRule,
    ClusterWatchRule,
    ClusterWatchRuleSpec,
    Operation,
    ResourceRule,
    RuleCondition,
    RuleScope,
    WatchRule,
    WatchRuleSpec,
    WatchRuleStatus,
)

__all__ = [
    "API_VERSION",
    "GROUP",
    "VERSION",
    "ApiGroup",
    "BootstrapStatus",
    "ClusterResourceRule",
    "ClusterTargetReference",
    "ClusterWatchRule",
    "ClusterWatchRuleSpec",
    "Condition",
    "Encryption",
    "EncryptionProvider",
    "EncryptionStatus",
    "EventStreamStatus",
    "GitProvider",
    "GitProviderSpec",
    "GitProviderStatus",
    "GitStatus",
    "GitTarget",
    "GitTargetCondition",
    "GitTargetSpec",
    "GitTargetStatus",
    "LocalObjectReference",
    "ObjectMeta",
    "Operation",
    "ProviderCondition",
    "ProviderKind",
    "ProviderReference",
    "PushPolicy",
    "ResourceRule",
    "RuleCondition",
    "RuleScope",
    "SnapshotStats",
    "SnapshotStatus",
    "TargetReference",
    "WatchRule",
    "WatchRuleSpec",
    "WatchRuleStatus",
    "WorkerRef",
    "parse_duration",
]
