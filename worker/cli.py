"""The ``gitops-reverser`` command: one entry point, one subcommand per process role or action.

- ``worker``: run lifecycle workflows and their activities (any number of replicas);
- ``bridge``: follow the custom resources and write their status (one active replica);
- ``resync NAMESPACE/NAME``: ask a target for a full re-sync (the ``resync`` signal);
- ``status``: a table of GitTargets: phase, Ready, the first failing gate and why.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

from worker.logs import configure_logging
from worker.settings import (
    SettingsError,
    TemporalSettings,
    add_kubernetes_arguments,
    add_metrics_argument,
    add_temporal_arguments,
    kubernetes_settings,
    metrics_address,
    positive_seconds,
    temporal_settings,
)

__all__ = ["entry", "main"]

_OPERATOR_NAMESPACE = "gitops-reverser-system"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gitops-reverser",
        description="Mirror live Kubernetes objects into versioned YAML in Git.",
    )
    parser.add_argument("--version", action="version", version=version("gitops-reverser"))
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    worker = commands.add_parser("worker", help="run lifecycle workflows and their activities")
    add_temporal_arguments(worker)
    add_kubernetes_arguments(worker)
    add_metrics_argument(worker, ":8080")
    worker.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("/tmp/gitops-reverser"),  # noqa: S108 - a cache, rebuilt when lost
        help="where branch writers keep their clones (disposable)",
    )
    worker.add_argument(
        "--heartbeat-interval",
        type=positive_seconds,
        default=os.environ.get("GITOPS_REVERSER_HEARTBEAT_INTERVAL", "8"),
        metavar="SECONDS",
        help="how often a stream heartbeats at most, which is how soon it stops once "
        "cancelled (a delete, a resync, a plan change); each heartbeat is one Temporal "
        "call per stream (env GITOPS_REVERSER_HEARTBEAT_INTERVAL, default 8)",
    )

    bridge = commands.add_parser("bridge", help="follow the custom resources, write status")
    add_temporal_arguments(bridge)
    add_kubernetes_arguments(bridge)
    add_metrics_argument(bridge, ":8081")
    bridge.add_argument("--lease-namespace", default=_OPERATOR_NAMESPACE)
    bridge.add_argument("--lease-name", default="gitops-reverser-bridge")

    resync = commands.add_parser("resync", help="re-sync a GitTarget (its resync signal)")
    add_temporal_arguments(resync)
    resync.add_argument("target", metavar="NAMESPACE/NAME")

    status = commands.add_parser("status", help="a table of GitTargets and their gates")
    add_kubernetes_arguments(status)
    status.add_argument("-n", "--namespace", help="only this namespace (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    configure_logging(args.log_level)
    handler = {"worker": _worker, "bridge": _bridge, "resync": _resync, "status": _status}
    try:
        return handler[args.command](args)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _temporal(args: argparse.Namespace) -> TemporalSettings:
    """The Temporal settings, with every file they name read once: a bad flag or an
    unreadable file stops the command before it connects anywhere."""
    from worker.temporal import check_files  # noqa: PLC0415 - the SDK loads only when needed

    settings = temporal_settings(args)
    check_files(settings)
    return settings


def _worker(args: argparse.Namespace) -> int:
    from worker.main import WorkerSettings, run_worker  # noqa: PLC0415 - a role loads only its own code

    return run_worker(
        WorkerSettings(
            temporal=_temporal(args),
            kubernetes=kubernetes_settings(args),
            metrics=metrics_address(args.metrics_address),
            cache_dir=args.cache_dir,
            heartbeat_interval=args.heartbeat_interval,
        )
    )


def _bridge(args: argparse.Namespace) -> int:
    from bridge.main import BridgeSettings, run_bridge  # noqa: PLC0415 - a role loads only its own code

    return run_bridge(
        BridgeSettings(
            temporal=_temporal(args),
            kubernetes=kubernetes_settings(args),
            metrics=metrics_address(args.metrics_address),
            lease_namespace=args.lease_namespace,
            lease_name=args.lease_name,
        )
    )


def _resync(args: argparse.Namespace) -> int:
    from worker.actions import resync  # noqa: PLC0415 - a role loads only its own code

    namespace, sep, name = args.target.partition("/")
    if not sep or not namespace or not name:
        print(f"error: {args.target!r} is not NAMESPACE/NAME", file=sys.stderr)
        return 2
    from worker.temporal import TemporalConnectionError  # noqa: PLC0415

    try:
        return asyncio.run(resync(_temporal(args), namespace, name))
    except TemporalConnectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _status(args: argparse.Namespace) -> int:
    from worker.actions import print_status  # noqa: PLC0415 - a role loads only its own code

    return print_status(kubernetes_settings(args), args.namespace)


def entry() -> NoReturn:
    """The console script: ``main``, then leave without the interpreter's teardown.

    Under heavy load the Temporal SDK's native runtime was seen to crash while the
    interpreter tore down its threads, turning a finished command into a SIGSEGV. Every
    stream is flushed first, so nothing is lost by skipping that teardown.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
