"""The .sops.yaml creation rule written beside the encrypted objects."""

from __future__ import annotations

from activities import yamlio
from activities.sops import AgeIdentity, UnsupportedValue, render_sops_config
from tests.unit.sops.key_leaks import LeakWatch


def test_the_rule_covers_sops_files_encrypts_secret_payloads_for_the_recipients() -> None:
    a, b = sorted(AgeIdentity.generate().recipient for _ in range(2))
    config = yamlio.load(render_sops_config([b, a, b]))
    assert config == {
        "creation_rules": [
            {
                "path_regex": r"\.sops\.yaml$",
                "encrypted_regex": "^(data|stringData)$",
                "age": f"{a},{b}",
            }
        ]
    }


def test_the_same_recipients_render_the_same_bytes() -> None:
    a, b = (AgeIdentity.generate().recipient for _ in range(2))
    assert render_sops_config([a, b]) == render_sops_config([b, a])


def test_a_config_without_recipients_is_refused(leaks: LeakWatch) -> None:
    with leaks.raises(UnsupportedValue):
        render_sops_config([])
