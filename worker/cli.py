"""The ``gitops-reverser`` command: one entry point, one subcommand per process role."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import version

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gitops-reverser",
        description="Mirror live Kubernetes objects into versioned YAML in Git.",
    )
    parser.add_argument("--version", action="version", version=version("gitops-reverser"))
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 0
