"""Wrong values stop `helm template`/`helm install` before anything is rendered, with a
message naming the value and what is wrong with it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.install.chart import Chart, RenderError

EXTERNAL = {"mode": "external", "address": "temporal.example.internal:7233"}

REJECTED: dict[str, tuple[dict[str, Any], str]] = {
    "negative worker replicas": (
        {"worker": {"replicas": -1}},
        "at '/worker/replicas': minimum: got -1, want 1",
    ),
    "zero worker replicas": ({"worker": {"replicas": 0}}, "at '/worker/replicas': minimum"),
    "negative bridge replicas": ({"bridge": {"replicas": -2}}, "at '/bridge/replicas': minimum"),
    "an unknown Temporal mode": (
        {"temporal": {"mode": "cloud"}},
        "at '/temporal/mode': value must be one of 'embedded', 'external'",
    ),
    "TLS without a Secret": (
        {"temporal": {**EXTERNAL, "tls": {"enabled": True}}},
        "at '/temporal/tls/secretName': minLength: got 0, want 1",
    ),
    "external mode without an address": (
        {"temporal": {"mode": "external"}},
        "at '/temporal/address': '' does not match pattern",
    ),
    "TLS towards the embedded Temporal": (
        {"temporal": {"tls": {"enabled": True, "secretName": "client"}}},
        "at '/temporal/tls/enabled': value must be false",
    ),
    "a misspelt value": (
        {"worker": {"replica": 3}},
        "at '/worker': additional properties 'replica' not allowed",
    ),
    "a secret grant without a namespace": (
        {"rbac": {"secrets": {"namespaces": [{"names": ["git-credentials"]}]}}},
        "at '/rbac/secrets/namespaces/0': missing property 'namespace'",
    ),
}


@pytest.mark.parametrize("case", REJECTED)
def test_a_wrong_value_is_rejected_with_a_message_naming_it(chart: Chart, case: str) -> None:
    values, message = REJECTED[case]

    with pytest.raises(RenderError) as rejected:
        chart.render(values)

    assert "values don't meet the specifications of the schema" in str(rejected.value)
    assert message in str(rejected.value)


def test_several_workers_and_bridges_are_accepted(chart: Chart) -> None:
    chart.render({"worker": {"replicas": 7}, "bridge": {"replicas": 1}})
