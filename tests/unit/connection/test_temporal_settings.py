"""Temporal connection settings: flags over environment over defaults, and TLS implied by
any certificate or API-key option; combinations that cannot work name the flag. Pure."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from worker.settings import (
    SettingsError,
    TemporalSettings,
    TemporalTls,
    add_temporal_arguments,
    temporal_settings,
)

ENV = "GITOPS_REVERSER_TEMPORAL_"


def parse(argv: list[str]) -> TemporalSettings:
    parser = argparse.ArgumentParser()
    add_temporal_arguments(parser)
    return temporal_settings(parser.parse_args(argv))


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TLS", "TLS_CA", "TLS_CERT", "TLS_KEY", "TLS_SERVER_NAME", "API_KEY_FILE"):
        monkeypatch.delenv(ENV + name, raising=False)


def test_without_tls_options_the_connection_is_plain() -> None:
    settings = parse([])
    assert settings.tls is None
    assert settings.api_key_file is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--temporal-tls"], TemporalTls()),
        (["--temporal-tls=true"], TemporalTls()),
        (["--temporal-tls-ca=/ca.pem"], TemporalTls(ca=Path("/ca.pem"))),
        (
            ["--temporal-tls-cert=/c.pem", "--temporal-tls-key=/k.pem"],
            TemporalTls(cert=Path("/c.pem"), key=Path("/k.pem")),
        ),
        (["--temporal-tls-server-name=t.example"], TemporalTls(server_name="t.example")),
        (["--temporal-api-key-file=/key"], TemporalTls()),
    ],
)
def test_any_certificate_or_api_key_option_implies_tls(
    argv: list[str], expected: TemporalTls
) -> None:
    assert parse(argv).tls == expected


def test_an_api_key_file_is_kept_as_a_path_not_its_content() -> None:
    settings = parse(["--temporal-api-key-file=/secret/api-key"])
    assert settings.api_key_file == Path("/secret/api-key")


def test_every_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV + "TLS_CA", "/env/ca.pem")
    monkeypatch.setenv(ENV + "TLS_CERT", "/env/tls.crt")
    monkeypatch.setenv(ENV + "TLS_KEY", "/env/tls.key")
    monkeypatch.setenv(ENV + "TLS_SERVER_NAME", "temporal.internal")
    monkeypatch.setenv(ENV + "API_KEY_FILE", "/env/api-key")
    settings = parse([])
    assert settings.tls == TemporalTls(
        ca=Path("/env/ca.pem"),
        cert=Path("/env/tls.crt"),
        key=Path("/env/tls.key"),
        server_name="temporal.internal",
    )
    assert settings.api_key_file == Path("/env/api-key")


def test_a_flag_wins_over_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV + "TLS_CA", "/env/ca.pem")
    assert parse(["--temporal-tls-ca=/flag/ca.pem"]).tls == TemporalTls(ca=Path("/flag/ca.pem"))


@pytest.mark.parametrize(
    ("text", "on"), [("true", True), ("1", True), ("false", False), ("", False)]
)
def test_tls_switch_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, text: str, on: bool
) -> None:
    monkeypatch.setenv(ENV + "TLS", text)
    assert (parse([]).tls is not None) is on


def test_empty_environment_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart that renders every variable, some empty, must not turn TLS on."""
    for name in ("TLS", "TLS_CA", "TLS_CERT", "TLS_KEY", "TLS_SERVER_NAME", "API_KEY_FILE"):
        monkeypatch.setenv(ENV + name, "")
    assert parse([]) == parse(["--temporal-tls=false"])


def test_a_tls_switch_that_is_not_a_boolean_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV + "TLS", "maybe")
    with pytest.raises(SystemExit):
        parse([])
    assert "--temporal-tls" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--temporal-tls-cert=/c.pem"], "--temporal-tls-key"),
        (["--temporal-tls-key=/k.pem"], "--temporal-tls-cert"),
    ],
)
def test_a_client_certificate_without_its_key_or_the_reverse_is_refused(
    argv: list[str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        parse(argv)


def test_tls_switched_off_with_certificate_options_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"--temporal-tls=false .* --temporal-tls-ca"):
        parse(["--temporal-tls=false", "--temporal-tls-ca=/ca.pem"])
