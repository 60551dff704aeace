"""age identities as key Secrets hold them: parsing, secrecy, recipient hashes."""

from __future__ import annotations

import pickle

import pytest

from activities.sops import AgeIdentity, InvalidIdentity, InvalidRecipient, recipients_hash
from activities.sops.identities import parse_recipient
from tests.unit.sops.key_leaks import LeakWatch


def test_a_key_file_with_comments_parses_to_its_identity() -> None:
    identity = AgeIdentity.generate()
    text = f"# created: 2024-01-01\n# public key: {identity.recipient}\n\n{identity.reveal()}\n"
    assert AgeIdentity.parse(text).recipient == identity.recipient


def test_the_recipient_is_derived_from_the_identity() -> None:
    identity = AgeIdentity.generate()
    assert AgeIdentity.parse(identity.reveal()) == identity
    assert identity.recipient.startswith("age1")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no age identity"),
        ("# only a comment\n", "holds no age identity"),
        ("{0}\n{1}\n", "holds 2 identities; exactly one is required"),
        ("{0}\nnot-a-key\n", "line 2 is neither a comment nor an age identity"),
        ("{0}Q\n", "not a valid age X25519 key"),
    ],
)
def test_key_text_that_is_not_exactly_one_identity_is_invalid_without_quoting_it(
    text: str, problem: str, leaks: LeakWatch
) -> None:
    keys = (AgeIdentity.generate().reveal(), AgeIdentity.generate().reveal())
    with leaks.raises(InvalidIdentity) as caught:
        AgeIdentity.parse(text.format(*keys))
    assert problem in str(caught.value)


def test_an_identity_never_shows_its_secret_in_repr_or_str() -> None:
    identity = AgeIdentity.generate()
    assert identity.reveal() not in repr(identity) + str(identity) + f"{identity}"
    assert identity.recipient in repr(identity)


def test_an_identity_cannot_be_pickled(leaks: LeakWatch) -> None:
    with leaks.raises(TypeError):
        pickle.dumps(AgeIdentity.generate())


def test_the_recipients_hash_ignores_order_and_duplicates() -> None:
    a, b = AgeIdentity.generate().recipient, AgeIdentity.generate().recipient
    assert recipients_hash([a, b]) == recipients_hash([b, a, b])
    assert recipients_hash([a]) != recipients_hash([a, b])
    assert recipients_hash([a]).startswith("sha256:")


def test_a_malformed_recipient_is_refused(leaks: LeakWatch) -> None:
    with leaks.raises(InvalidRecipient):
        parse_recipient("age1notarecipient")
