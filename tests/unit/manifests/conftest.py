"""Every test here fails when its logs or expected exceptions carry key material or
one of the Secret values its module lists in ``LEAK_WATCH_SECRETS``."""

from __future__ import annotations

from tests.leak_watch import leak_watch_fixture

leaks = leak_watch_fixture()
