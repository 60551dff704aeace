"""Connection settings of the worker and the bridge: flags first, then environment, then defaults.

Both processes take the same Temporal and Kubernetes settings, so one table in
docs/operations.md documents them. Parsing only; nothing here connects anywhere.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_STATUS_TASK_QUEUE",
    "DEFAULT_TASK_QUEUE",
    "KubernetesSettings",
    "TemporalSettings",
    "add_kubernetes_arguments",
    "add_metrics_argument",
    "add_temporal_arguments",
    "kubernetes_settings",
    "metrics_address",
    "temporal_settings",
]

DEFAULT_TASK_QUEUE = "gitops-reverser"
"""Where lifecycle workflows and their gate activities run (the workers poll it)."""
DEFAULT_STATUS_TASK_QUEUE = "gitops-reverser-status"
"""Where ``publish_status`` runs (the active bridge polls it)."""
_ENV = "GITOPS_REVERSER_"


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    task_queue: str
    status_task_queue: str


@dataclass(frozen=True)
class KubernetesSettings:
    kubeconfig: Path | None
    """A kubeconfig file; ``None`` means the in-cluster ServiceAccount."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"{_ENV}{name}", default)


def add_temporal_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Temporal")
    group.add_argument(
        "--temporal-address",
        default=_env("TEMPORAL_ADDRESS", "localhost:7233"),
        help="host:port of the Temporal frontend (env GITOPS_REVERSER_TEMPORAL_ADDRESS)",
    )
    group.add_argument(
        "--temporal-namespace",
        default=_env("TEMPORAL_NAMESPACE", "default"),
        help="Temporal namespace (env GITOPS_REVERSER_TEMPORAL_NAMESPACE)",
    )
    group.add_argument(
        "--task-queue",
        default=_env("TASK_QUEUE", DEFAULT_TASK_QUEUE),
        help="task queue of the lifecycle workflows (env GITOPS_REVERSER_TASK_QUEUE)",
    )
    group.add_argument(
        "--status-task-queue",
        default=_env("STATUS_TASK_QUEUE", DEFAULT_STATUS_TASK_QUEUE),
        help="task queue of the bridge's publish_status (env GITOPS_REVERSER_STATUS_TASK_QUEUE)",
    )


def add_kubernetes_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        default=os.environ.get("KUBECONFIG") or None,
        help="kubeconfig file (env KUBECONFIG); without one, the in-cluster ServiceAccount",
    )


def add_metrics_argument(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--metrics-address",
        default=_env("METRICS_ADDRESS", default),
        help="host:port serving /metrics and /healthz (env GITOPS_REVERSER_METRICS_ADDRESS)",
    )


def temporal_settings(args: argparse.Namespace) -> TemporalSettings:
    return TemporalSettings(
        address=args.temporal_address,
        namespace=args.temporal_namespace,
        task_queue=args.task_queue,
        status_task_queue=args.status_task_queue,
    )


def kubernetes_settings(args: argparse.Namespace) -> KubernetesSettings:
    return KubernetesSettings(kubeconfig=args.kubeconfig)


def metrics_address(text: str) -> tuple[str, int]:
    """``host:port`` (``:8080`` means every interface) as a bind address."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not host:port")
    return host or "0.0.0.0", int(port)  # noqa: S104 - a pod serves metrics on its IP
