"""The autouse fixture that fails a test whose output carries a secret.

Every test folder whose code handles keys, credentials or Secret values gets it
from its ``conftest.py``: ``leaks = leak_watch_fixture()``. Each test in that
folder then runs under a :class:`~tests.unit.sops.key_leaks.LeakWatch` (see that
module for what counts as a leak) and fails at teardown when its log records, the
exceptions it expected, or whatever the folder's hooks added, contain one.

A test module may list the plaintext its tests make in ``LEAK_WATCH_SECRETS``; the
watch then looks for those too. A test that needs the watch itself (to add a text
or check a detection) requests the fixture by the name its conftest gave it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest

from tests.unit.sops.key_leaks import LeakWatch, watching

__all__ = ["WatchHook", "leak_watch_fixture"]

WatchHook = Callable[[LeakWatch, pytest.FixtureRequest], None]
"""Runs at a test's setup (to remember its secrets) or teardown (to add texts)."""

_NO_HOOKS: tuple[WatchHook, ...] = ()


def leak_watch_fixture(
    *,
    name: str = "leaks",
    allowed: Iterable[str] = (),
    on_setup: Iterable[WatchHook] = _NO_HOOKS,
    on_teardown: Iterable[WatchHook] = _NO_HOOKS,
) -> Callable[..., Iterator[LeakWatch]]:
    """An autouse fixture called ``name``; assign it in a conftest under that name.

    ``allowed`` is prose the code under test writes that names key material without
    holding any (see :meth:`LeakWatch.allow`). ``on_setup`` hooks run once the watch
    is recording; ``on_teardown`` hooks run after the test's log records are in and
    before the watch is asserted empty.
    """
    prose, setup_hooks, teardown_hooks = tuple(allowed), tuple(on_setup), tuple(on_teardown)

    @pytest.fixture(autouse=True, name=name)
    def watch_for_leaks(
        request: pytest.FixtureRequest,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> Iterator[LeakWatch]:
        with watching(request, caplog, monkeypatch) as watch:
            _remember_module_secrets(watch, request)
            for text in prose:
                watch.allow(text)
            for hook in setup_hooks:
                hook(watch, request)
            yield watch
        for hook in teardown_hooks:
            hook(watch, request)
        assert watch.leaks() == []

    return watch_for_leaks


def _remember_module_secrets(watch: LeakWatch, request: pytest.FixtureRequest) -> None:
    module = getattr(request, "module", None)
    for secret in getattr(module, "LEAK_WATCH_SECRETS", ()):
        watch.remember(secret)
