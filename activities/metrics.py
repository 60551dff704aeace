"""Prometheus metrics of the side-effecting layer, defined once so names never drift.

Branch writer metrics carry ``remote`` (the URL without user-info) and ``branch``:
one writer per pair, so two remotes with a branch of the same name never share a series.
The worker's metrics server exposes the default registry; this module only declares.
"""

from __future__ import annotations

from enum import StrEnum

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "COMMITS",
    "EVENTS_RECEIVED",
    "EVENTS_WRITTEN",
    "EVENT_TO_PUSH",
    "GATE_DURATION",
    "KEYS_GENERATED",
    "KEY_GENERATION_FAILURES",
    "PUSHES",
    "PUSH_FAILURES",
    "QUEUE_DEPTH",
    "RELISTS",
    "SECRETS_ENCRYPTED",
    "STREAM_QUEUED",
    "PushFailureKind",
]

_WRITER = ["remote", "branch"]


class PushFailureKind(StrEnum):
    """``kind`` of a push failure that is no error; failed pushes use the error's reason."""

    REMOTE_MOVED = "RemoteMoved"
    """Someone else pushed first; the writer re-applies its changes and retries."""


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
    _WRITER,
)
PUSHES = Counter(
    "gitops_reverser_pushes",
    "Successful pushes by branch writers",
    _WRITER,
)
PUSH_FAILURES = Counter(
    "gitops_reverser_push_failures",
    "Failed push attempts by branch writers, by error kind",
    [*_WRITER, "kind"],
)
QUEUE_DEPTH = Gauge(
    "gitops_reverser_queue_depth",
    "File states waiting for the next commit",
    _WRITER,
)
EVENTS_RECEIVED = Counter(
    "gitops_reverser_events_received",
    "Watch events the streams received, by target (namespace/name) and kind",
    ["target", "kind"],
)
EVENTS_WRITTEN = Counter(
    "gitops_reverser_events_written",
    "Watch events the streams handed to a branch writer as a file change, by target and kind",
    ["target", "kind"],
)
EVENT_TO_PUSH = Histogram(
    "gitops_reverser_event_to_push_seconds",
    "From a watch event reaching the stream to the push that put its change on the remote",
    buckets=(0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
STREAM_QUEUED = Gauge(
    "gitops_reverser_stream_queued_events",
    "Events a target's stream received whose changes are not on the remote yet",
    ["target"],
)
RELISTS = Counter(
    "gitops_reverser_relists",
    "Snapshots that listed the cluster, by cause: initial, expired (a watch got 410 Gone), "
    "resync (asked for), plan_changed",
    ["cause"],
)
GATE_DURATION = Histogram(
    "gitops_reverser_gate_duration_seconds",
    "How long each lifecycle gate activity took, by gate and outcome",
    ["gate", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
