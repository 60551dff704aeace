"""The leak watch used by every encryption test does find key material."""

from __future__ import annotations

import logging

from activities.sops import AgeIdentity
from tests.unit.sops.key_leaks import LeakWatch, key_leaks_in


def test_a_key_in_a_log_record_is_found() -> None:
    watch = LeakWatch()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "key %s", (AgeIdentity.generate().reveal(),), None
    )
    watch.add_log_records([record])
    assert key_leaks_in(watch.texts) == ["log x:INFO"]


def test_a_key_in_an_expected_exception_is_found() -> None:
    watch = LeakWatch()
    with watch.raises(ValueError):
        raise ValueError(AgeIdentity.generate().reveal().lower())
    assert key_leaks_in(watch.texts) != []


def test_texts_without_key_material_pass() -> None:
    watch = LeakWatch()
    watch.add("event", f"generated a key for {AgeIdentity.generate().recipient}")
    assert key_leaks_in(watch.texts) == []
