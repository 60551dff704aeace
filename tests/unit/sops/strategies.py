"""Hypothesis strategies for Kubernetes Secrets, leaning on values YAML readers misread."""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from tests.unit.yamlio.strategies import typed

__all__ = ["TRICKY_STRINGS", "secrets", "typed"]

TRICKY_STRINGS = [
    "",
    "123",
    "0777",
    "0x1F",
    "1e3",
    "1_000",
    "3.14",
    ".inf",
    "-.5",
    "true",
    "False",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "null",
    "~",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "12:30:45",
    "<<",
    "=",
    " leading space",
    "trailing space ",
    "a: b",
    "# not a comment",
    "key #tag",
    "'single'",
    '"double"',
    "back\\slash",
    "- dash",
    "? question",
    "@at",
    "`tick",
    "{flow}",
    "[flow]",
    "*alias",
    "&anchor",
    "!tag",
    "%percent",
    "|pipe",
    ">fold",
    "---",
    "...",
    "héllo wörld ✓ 秘密",
    "tab\there",
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    "no trailing newline\nsecond line",
    "two trailing newlines\n\n",
    "\n",
    "x" * 5000,
]

names = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?", fullmatch=True)
data_keys = st.from_regex(r"[-._a-zA-Z0-9]{1,40}", fullmatch=True)
values = st.one_of(st.sampled_from(TRICKY_STRINGS), st.text(max_size=200))
b64_values = st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode())

secrets = st.fixed_dictionaries(
    {
        "apiVersion": st.just("v1"),
        "kind": st.just("Secret"),
        "metadata": st.fixed_dictionaries(
            {"name": names, "namespace": names},
            optional={
                "labels": st.dictionaries(data_keys, names, max_size=4),
                "annotations": st.dictionaries(data_keys, values, max_size=4),
            },
        ),
        "type": st.sampled_from(["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson"]),
    },
    optional={
        "immutable": st.booleans(),
        "data": st.dictionaries(data_keys, b64_values, max_size=8),
        "stringData": st.dictionaries(data_keys, values, max_size=8),
    },
)
