"""Connection settings of the worker and the bridge: flags first, then environment, then defaults.

Both processes take the same Temporal and Kubernetes settings, so one table in
docs/operations.md documents them. Parsing only; nothing here connects anywhere.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

__all__ = [
    "DEFAULT_STATUS_TASK_QUEUE",
    "DEFAULT_TASK_QUEUE",
    "KubernetesSettings",
    "SettingsError",
    "TemporalSettings",
    "TemporalTls",
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


class SettingsError(ValueError):
    """A setting, or a combination of them, that cannot work; the message names the flag."""


@dataclass(frozen=True)
class TemporalTls:
    """TLS towards the Temporal frontend. Paths only: files are read when connecting, so a
    rotated Secret is picked up on the next connection attempt."""

    ca: Path | None = None
    """CA bundle the server certificate must chain to; ``None``: the system roots."""
    cert: Path | None = None
    """Client certificate for mutual TLS (always together with ``key``)."""
    key: Path | None = None
    server_name: str | None = None
    """Name the server certificate is checked against (and sent as SNI)."""


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    task_queue: str
    status_task_queue: str
    tls: TemporalTls | None = None
    """``None``: plain gRPC (a dev server or a sidecar that terminates TLS)."""
    api_key_file: Path | None = None
    """A file holding an API key (Temporal Cloud); sent as a bearer token, never logged."""


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
    _add_tls_arguments(group)


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _add_tls_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--temporal-tls",
        nargs="?",
        const="true",
        type=_boolean,
        default=_env("TEMPORAL_TLS") or None,
        metavar="true|false",
        help="connect with TLS; implied by any certificate or API-key option "
        "(env GITOPS_REVERSER_TEMPORAL_TLS)",
    )
    group.add_argument(
        "--temporal-tls-ca",
        type=Path,
        default=_env("TEMPORAL_TLS_CA") or None,
        metavar="FILE",
        help="CA bundle (PEM) for the server certificate; default: the system roots "
        "(env GITOPS_REVERSER_TEMPORAL_TLS_CA)",
    )
    group.add_argument(
        "--temporal-tls-cert",
        type=Path,
        default=_env("TEMPORAL_TLS_CERT") or None,
        metavar="FILE",
        help="client certificate (PEM) for mutual TLS, with --temporal-tls-key "
        "(env GITOPS_REVERSER_TEMPORAL_TLS_CERT)",
    )
    group.add_argument(
        "--temporal-tls-key",
        type=Path,
        default=_env("TEMPORAL_TLS_KEY") or None,
        metavar="FILE",
        help="private key (PEM) of the client certificate (env GITOPS_REVERSER_TEMPORAL_TLS_KEY)",
    )
    group.add_argument(
        "--temporal-tls-server-name",
        default=_env("TEMPORAL_TLS_SERVER_NAME") or None,
        metavar="NAME",
        help="name to verify the server certificate against and send as SNI; default: the "
        "host of --temporal-address (env GITOPS_REVERSER_TEMPORAL_TLS_SERVER_NAME)",
    )
    group.add_argument(
        "--temporal-api-key-file",
        type=Path,
        default=_env("TEMPORAL_API_KEY_FILE") or None,
        metavar="FILE",
        help="file holding an API key (Temporal Cloud); implies TLS "
        "(env GITOPS_REVERSER_TEMPORAL_API_KEY_FILE)",
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
    """The parsed Temporal settings; :class:`SettingsError` for a combination that cannot work.

    Pure: files are not opened here (``worker.temporal.check_files`` does that at start).
    """
    cert, key = args.temporal_tls_cert, args.temporal_tls_key
    if (cert is None) != (key is None):
        given, missing = ("cert", "key") if key is None else ("key", "cert")
        raise SettingsError(
            f"--temporal-tls-{given} needs --temporal-tls-{missing} "
            f"(env GITOPS_REVERSER_TEMPORAL_TLS_{missing.upper()}): a client certificate "
            "and its key go together"
        )
    implied = [
        flag
        for flag, value in (
            ("--temporal-tls-ca", args.temporal_tls_ca),
            ("--temporal-tls-cert", cert),
            ("--temporal-tls-server-name", args.temporal_tls_server_name),
            ("--temporal-api-key-file", args.temporal_api_key_file),
        )
        if value is not None
    ]
    if args.temporal_tls is False and implied:
        raise SettingsError(
            f"--temporal-tls=false (env GITOPS_REVERSER_TEMPORAL_TLS) conflicts with "
            f"{', '.join(implied)}, which need TLS"
        )
    tls = None
    if args.temporal_tls or implied:
        tls = TemporalTls(
            ca=args.temporal_tls_ca, cert=cert, key=key, server_name=args.temporal_tls_server_name
        )
    return TemporalSettings(
        address=args.temporal_address,
        namespace=args.temporal_namespace,
        task_queue=args.task_queue,
        status_task_queue=args.status_task_queue,
        tls=tls,
        api_key_file=args.temporal_api_key_file,
    )


def kubernetes_settings(args: argparse.Namespace) -> KubernetesSettings:
    return KubernetesSettings(kubeconfig=args.kubeconfig)


def positive_seconds(text: str) -> timedelta:
    """A number of seconds above zero (``0.5``, ``8``) as a duration."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return timedelta(seconds=seconds)


def metrics_address(text: str) -> tuple[str, int]:
    """``host:port`` (``:8080`` means every interface) as a bind address."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not host:port")
    return host or "0.0.0.0", int(port)  # noqa: S104 - a pod serves metrics on its IP
