"""The leak watch used by the encryption and git tests does find secrets, in every spelling."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from activities.sops import AgeIdentity
from tests.unit.sops.key_leaks import (
    LeakWatch,
    base64_spellings,
    key_leaks_in,
    records_of_the_test,
)

MODULE_IDENTITY = AgeIdentity.generate()
PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


def found(text: str, *secrets: str) -> bool:
    return key_leaks_in([("text", text)], secrets) == ["text"]


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


@pytest.mark.parametrize("offset", [0, 1, 2])
@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["upper", "lower"])
def test_a_base64_encoded_key_is_found_at_every_alignment(offset: int, case: object) -> None:
    key = AgeIdentity.generate().reveal()
    assert callable(case)
    encoded = base64.b64encode(b"x" * offset + f"{case(key)}\n".encode()).decode()
    assert found(f"data: {encoded}")


def test_each_alignment_has_its_own_base64_spelling() -> None:
    assert len(base64_spellings("AGE-SECRET-KEY-1")) == 3


def test_a_generated_key_without_its_prefix_is_found() -> None:
    key = AgeIdentity.generate().reveal()
    body = key.removeprefix("AGE-SECRET-KEY-1")
    assert not found(f"key body {body}")
    assert found(f"key body {body}", key)


def test_an_identity_created_during_a_test_is_remembered(leaks: LeakWatch) -> None:
    assert AgeIdentity.generate().reveal() in leaks.secrets


def test_an_identity_held_by_the_test_module_is_remembered(leaks: LeakWatch) -> None:
    assert MODULE_IDENTITY.reveal() in leaks.secrets


def test_a_private_key_is_found() -> None:
    assert found(f"could not load {PEM}")


def test_a_base64_encoded_private_key_is_found() -> None:
    assert found(base64.b64encode(PEM.encode()).decode())


def test_a_remembered_password_is_found_as_written_and_in_base64() -> None:
    password = "0123456789abcdef01234567"
    assert found(f"https://writer:{password}@example.invalid", password)
    assert found(base64.b64encode(f"writer:{password}".encode()).decode(), password)


def test_an_exception_caught_by_pytest_raises_is_recorded(leaks: LeakWatch) -> None:
    with pytest.raises(ValueError, match="boom"):
        raise ValueError("boom")
    assert ("exception ValueError", "boom\nValueError('boom')") in leaks.texts


@pytest.fixture
def records_at_teardown(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    seen: list[str] = []
    yield seen
    seen.extend(record.getMessage() for record in records_of_the_test(caplog))
    assert "logged during the call" in seen


def test_records_logged_during_the_call_are_seen_at_teardown(
    records_at_teardown: list[str],
) -> None:
    logging.getLogger("probe").warning("logged during the call")


def test_allowed_prose_is_not_a_leak_but_a_key_beside_it_is() -> None:
    watch = LeakWatch()
    watch.allow("no SSH private key")
    watch.add("exception", "Secret has no SSH private key")
    assert watch.leaks() == []
    watch.add("log", f"Secret has no SSH private key\n{PEM}")
    assert watch.leaks() == ["log"]


def test_allowed_prose_matches_only_in_its_own_case() -> None:
    watch = LeakWatch()
    watch.allow("private key")
    watch.add("exception", "-----BEGIN OPENSSH PRIVATE KEY-----")
    assert watch.leaks() == ["exception"]


def test_texts_without_key_material_pass() -> None:
    watch = LeakWatch()
    watch.add("event", f"generated a key for {AgeIdentity.generate().recipient}")
    assert key_leaks_in(watch.texts) == []
