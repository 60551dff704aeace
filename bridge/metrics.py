"""Prometheus metrics of the bridge, declared once."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "PUBLICATIONS",
    "PUBLICATION_WAIT",
    "SIGNALS",
    "SIGNAL_FAILURES",
    "STATUS_LAG",
    "STATUS_PATCHES",
]

PUBLICATIONS = Counter(
    "gitops_reverser_status_publications",
    "Status publications received from lifecycle workflows, by outcome",
    ["outcome"],
)
STATUS_PATCHES = Counter(
    "gitops_reverser_status_patches",
    "Patches of GitTarget status (one per publication that changed something)",
)
STATUS_LAG = Histogram(
    "gitops_reverser_status_lag_seconds",
    "From a workflow's gate transition to the GitTarget status patch that shows it",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
PUBLICATION_WAIT = Histogram(
    "gitops_reverser_status_publication_wait_seconds",
    "How long a status publication waited in Temporal before the bridge took it",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
SIGNALS = Counter(
    "gitops_reverser_bridge_signals",
    "Signals the bridge sent to lifecycle workflows, by signal",
    ["signal"],
)
SIGNAL_FAILURES = Counter(
    "gitops_reverser_bridge_signal_failures",
    "Signals that failed and will be retried, by signal",
    ["signal"],
)
