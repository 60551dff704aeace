"""Prometheus metrics of the side-effecting layer, defined once so names never drift.

The worker's metrics server exposes the default registry; this module only declares.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "COMMITS",
    "EVENTS_PROCESSED",
    "EVENT_TO_COMMIT_SECONDS",
    "KEYS_GENERATED",
    "KEY_GENERATION_FAILURES",
    "PUSHES",
    "PUSH_FAILURES",
    "QUEUE_DEPTH",
    "SECRETS_ENCRYPTED",
]

KEYS_GENERATED = Counter(
    "gitops_reverser_keys_generated",
    "age identities generated for GitTargets with generateWhenMissing",
)
KEY_GENERATION_FAILURES = Counter(
    "gitops_reverser_key_generation_failures",
    "Failed attempts to create an encryption key Secret",
)
SECRETS_ENCRYPTED = Counter(
    "gitops_reverser_secrets_encrypted",
    "Objects encrypted with SOPS before being written to Git",
)
COMMITS = Counter(
    "gitops_reverser_commits",
    "Commits made by branch writers",
    ["branch"],
)
PUSHES = Counter(
    "gitops_reverser_pushes",
    "Successful pushes by branch writers",
    ["branch"],
)
PUSH_FAILURES = Counter(
    "gitops_reverser_push_failures",
    "Failed push attempts by branch writers, by error kind",
    ["branch", "kind"],
)
EVENTS_PROCESSED = Counter(
    "gitops_reverser_events_processed",
    "Watch events turned into file states",
)
EVENT_TO_COMMIT_SECONDS = Histogram(
    "gitops_reverser_event_to_commit_seconds",
    "Time from a watch event to the push of the commit that contains it",
)
QUEUE_DEPTH = Gauge(
    "gitops_reverser_queue_depth",
    "File states waiting for the next commit",
    ["branch"],
)
