"""Every test here fails when its logs or expected exceptions carry key material."""

from __future__ import annotations

from tests.leak_watch import leak_watch_fixture

leaks = leak_watch_fixture()
