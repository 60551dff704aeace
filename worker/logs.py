"""Log lines every process writes the same way: time, level, logger, message, context."""

from __future__ import annotations

import logging
import sys

__all__ = ["configure_logging"]

_CONTEXT = ("target", "secret", "recipient", "workflow_id")


class _ContextFormatter(logging.Formatter):
    """Appends ``key=value`` for the context a record carries in ``extra`` (never secrets)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = [f"{key}={getattr(record, key)}" for key in _CONTEXT if hasattr(record, key)]
        return f"{line} {' '.join(context)}" if context else line


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ContextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDK's own workflow sandbox warnings repeat per run; one line is enough.
    logging.getLogger("temporalio.worker._workflow_instance").setLevel(logging.WARNING)
