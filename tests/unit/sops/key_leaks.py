"""Finding key material in what the encryption code lets out: log records, exceptions, Events.

The encryption tests run under :func:`watch_for_key_leaks`; every exception a test
expects is recorded through :meth:`LeakWatch.raises`, and integration tests add the
Events they caused. After the test nothing recorded may contain ``AGE-SECRET-KEY``.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

__all__ = ["LeakWatch", "key_leaks_in"]

E = TypeVar("E", bound=BaseException)
_KEY_MARKER = re.compile("AGE-SECRET-KEY", re.IGNORECASE)


def key_leaks_in(texts: list[tuple[str, str]]) -> list[str]:
    """The origins of the texts that contain key material."""
    return [origin for origin, text in texts if _KEY_MARKER.search(text)]


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.__dict__)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


@dataclass
class LeakWatch:
    """What a test produced that people or machines outside the process could read."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, origin: str, text: str) -> None:
        self.texts.append((origin, text))

    @contextmanager
    def raises(self, error: type[E]) -> Iterator[pytest.ExceptionInfo[E]]:
        """``pytest.raises`` that also keeps the error's full text (chain and traceback)."""
        with pytest.raises(error) as caught:
            yield caught
        origin = f"exception {caught.type.__name__}"
        self.add(origin, f"{caught.value}\n{caught.value!r}")
        self.add(origin, "".join(traceback.format_exception(caught.value)))

    def add_log_records(self, records: list[logging.LogRecord]) -> None:
        for record in records:
            self.add(f"log {record.name}:{record.levelname}", _record_text(record))
