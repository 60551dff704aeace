"""known_hosts reading: telling an unknown host from a changed host key."""

from __future__ import annotations

import base64
import hashlib
import hmac

from activities.git.known_hosts import host_is_listed

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Q="


def hashed(name: str, salt: bytes = b"0123456789abcdefghij") -> str:
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def test_plain_host_on_the_default_port() -> None:
    assert host_is_listed(f"github.com {KEY}\n".encode(), "github.com", None)


def test_non_default_port_needs_the_bracketed_form() -> None:
    known = f"[127.0.0.1]:2222 {KEY}\n".encode()
    assert host_is_listed(known, "127.0.0.1", 2222)
    assert not host_is_listed(known, "127.0.0.1", 22)


def test_one_of_several_comma_separated_names() -> None:
    assert host_is_listed(f"gitlab.com,1.2.3.4 {KEY}\n".encode(), "1.2.3.4", None)


def test_hashed_entry() -> None:
    assert host_is_listed(f"{hashed('[10.0.0.1]:22022')} {KEY}\n".encode(), "10.0.0.1", 22022)
    assert not host_is_listed(f"{hashed('other')} {KEY}\n".encode(), "10.0.0.1", 22022)


def test_wildcards_and_negation() -> None:
    known = f"*.example.com,!bad.example.com {KEY}\n".encode()
    assert host_is_listed(known, "git.example.com", None)
    assert not host_is_listed(known, "bad.example.com", None)


def test_comments_and_markers_are_not_hosts() -> None:
    known = f"# example.com {KEY}\n@revoked example.com {KEY}\n".encode()
    assert not host_is_listed(known, "example.com", None)
