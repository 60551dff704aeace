"""Finding secrets in what the code under test lets out: log records, exceptions, Events.

Shared by every test folder that handles keys or Secret values (age keys, HTTP
passwords, SSH keys, Secret data), through the fixture built in ``tests/leak_watch.py``.
A test runs under a :class:`LeakWatch`: its fixture records the log records,
every exception a test expected (``pytest.raises`` is wrapped for the test, and
:meth:`LeakWatch.raises` does the same explicitly), and whatever else a test adds,
such as Events. Afterwards nothing recorded may contain:

- a marker of key material, ``AGE-SECRET-KEY`` or ``PRIVATE KEY``, in any case, or
  base64-encoded at any of the three alignments (Secret ``data`` travels as base64);
- a secret the test made (each age identity created during the test or held by its
  module, each harness password and key passed to :meth:`LeakWatch.remember`), as
  written or without its marker prefix, in any case, or base64-encoded at any
  alignment.

A folder whose code under test names key material in its own messages ("no SSH
private key") lets :meth:`LeakWatch.allow` cut that exact prose out of every
recorded text before the search; everything around it is still searched.
"""

from __future__ import annotations

import base64
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

import pytest

from activities.sops import AgeIdentity

__all__ = [
    "MARKERS",
    "LeakWatch",
    "base64_spellings",
    "key_leaks_in",
    "records_of_the_test",
    "watching",
]

E = TypeVar("E", bound=BaseException)
MARKERS = ("AGE-SECRET-KEY-1", "PRIVATE KEY")
# Shorter remembered texts would match by coincidence; harness secrets are far longer.
_MIN_SECRET_LENGTH = 8
_MIN_BASE64_LENGTH = 4
# Taken before any test wraps ``pytest.raises``: a watch's own ``raises`` records into
# that watch only, so tests of the detector can raise keys on purpose.
_PYTEST_RAISES = pytest.raises


def base64_spellings(text: str) -> set[str]:
    """The base64 characters ``text`` always turns into, whatever bytes surround it.

    Encoded after 0, 1 or 2 other bytes, ``text`` lands at a different position in
    base64's 3-byte groups; for each, keep only the characters made of its bits alone.
    """
    raw = text.encode()
    spellings = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        first = -(-8 * offset // 6)  # the first character without filler bits
        end = 8 * (offset + len(raw)) // 6  # characters wholly inside the text's bits
        spelling = encoded[first:end]
        if len(spelling) >= _MIN_BASE64_LENGTH:
            spellings.add(spelling)
    return spellings


def _pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    # An age key's body (the part after its marker) is as secret as the whole key.
    bodies = {s[len(m) :] for s in secrets for m in MARKERS if s.upper().startswith(m)}
    texts = {*MARKERS, *(s for s in {*secrets, *bodies} if len(s) >= _MIN_SECRET_LENGTH)}
    encoded = {
        spelling
        for text in texts
        for variant in (text, text.lower(), text.upper())
        for spelling in base64_spellings(variant)
    }
    literal = [f"(?i:{re.escape(text)})" for text in sorted(texts)]
    return re.compile("|".join(literal + [re.escape(e) for e in sorted(encoded)]))


def key_leaks_in(texts: list[tuple[str, str]], secrets: Iterable[str] = ()) -> list[str]:
    """The origins of the texts that contain key material or one of ``secrets``."""
    pattern = _pattern(secrets)
    return [origin for origin, text in texts if pattern.search(text)]


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.__dict__)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


@dataclass
class LeakWatch:
    """What a test produced that people or machines outside the process could read."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    allowed: set[str] = field(default_factory=set)

    def add(self, origin: str, text: str) -> None:
        self.texts.append((origin, text))

    def remember(self, secret: str) -> None:
        """A secret this test made: finding it (or its base64) anywhere is a leak."""
        self.secrets.add(secret)

    def allow(self, prose: str) -> None:
        """Text known to hold no secret, matched exactly (case included) and not searched."""
        self.allowed.add(prose)

    def add_exception(self, error: BaseException) -> None:
        origin = f"exception {type(error).__name__}"
        self.add(origin, f"{error}\n{error!r}")
        self.add(origin, "".join(traceback.format_exception(error)))

    @contextmanager
    def raises(self, error: type[E]) -> Iterator[pytest.ExceptionInfo[E]]:
        """``pytest.raises`` that also keeps the error's full text (chain and traceback)."""
        with _PYTEST_RAISES(error) as caught:
            yield caught
        self.add_exception(caught.value)

    def add_log_records(self, records: list[logging.LogRecord]) -> None:
        for record in records:
            self.add(f"log {record.name}:{record.levelname}", _record_text(record))

    def leaks(self) -> list[str]:
        texts = [(origin, self._without_allowed(text)) for origin, text in self.texts]
        return key_leaks_in(texts, self.secrets)

    def _without_allowed(self, text: str) -> str:
        for prose in self.allowed:
            text = text.replace(prose, "\n")
        return text


def _recording_raises(original: Callable[..., Any], watch: LeakWatch) -> Callable[..., Any]:
    """``pytest.raises`` whose caught exceptions also go to ``watch``."""

    @contextmanager
    def recorded(expected: Any, **kwargs: Any) -> Iterator[Any]:
        with original(expected, **kwargs) as caught:
            yield caught
        watch.add_exception(caught.value)

    def raises(expected: Any, *args: Any, **kwargs: Any) -> Any:
        if args:  # the callable form has already run when it returns
            caught = original(expected, *args, **kwargs)
            watch.add_exception(caught.value)
            return caught
        return recorded(expected, **kwargs)

    return raises


def _remember_identities(
    watch: LeakWatch, monkeypatch: pytest.MonkeyPatch, module: ModuleType | None
) -> None:
    """Every age identity the test creates (the code under test's too) or its module holds."""
    original = AgeIdentity.__init__

    def remembering(self: AgeIdentity, identity: Any) -> None:
        original(self, identity)
        watch.remember(self.reveal())

    monkeypatch.setattr(AgeIdentity, "__init__", remembering)
    for value in vars(module).values() if module is not None else ():
        if isinstance(value, AgeIdentity):
            watch.remember(value.reveal())


@contextmanager
def watching(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LeakWatch]:
    """Watch one test; the caller asserts ``watch.leaks() == []`` after the block.

    Log records are added on exit; ``pytest.raises`` records what it catches, and
    age identities are remembered, for as long as the block runs.
    """
    caplog.set_level(logging.DEBUG)
    watch = LeakWatch()
    monkeypatch.setattr(pytest, "raises", _recording_raises(pytest.raises, watch))
    _remember_identities(watch, monkeypatch, getattr(request, "module", None))
    yield watch
    watch.add_log_records(records_of_the_test(caplog))


def records_of_the_test(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Setup, call and teardown so far: at teardown ``caplog.records`` holds only its own."""
    return [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
