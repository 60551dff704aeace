"""File layout: object identity to repository path and back."""

from __future__ import annotations

import re

import pygit2
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pygit2.enums import FileMode

from activities.manifests import (
    InvalidObject,
    ObjectId,
    normalise_target_path,
    object_id_for_path,
    object_path,
)
from activities.manifests.layout import (
    decode_segment,
    encode_segment,
    is_git_dir_alias,
    is_object_file,
    object_folders_for_path,
)


class TestPaths:
    def test_namespaced_core_object(self) -> None:
        ident = ObjectId("", "configmaps", "team-a", "settings")
        assert object_path("clusters/prod", ident) == (
            "clusters/prod/team-a/core/configmaps/settings.yaml"
        )

    def test_cluster_scoped_object_of_a_group(self) -> None:
        ident = ObjectId("rbac.authorization.k8s.io", "clusterroles", None, "viewer")
        assert object_path("prod", ident) == (
            "prod/_cluster/rbac.authorization.k8s.io/clusterroles/viewer.yaml"
        )

    def test_cluster_scoped_core_object_goes_under_cluster_and_core(self) -> None:
        ident = ObjectId("", "namespaces", None, "team-a")
        path = "prod/_cluster/core/namespaces/team-a.yaml"
        assert object_path("prod", ident) == path
        assert object_id_for_path("prod", path) == ident

    def test_secret_file_is_named_for_its_sops_encryption(self) -> None:
        ident = ObjectId("", "secrets", "team-a", "db")
        assert object_path("prod", ident) == "prod/team-a/core/secrets/db.sops.yaml"

    def test_secret_like_resource_of_another_group_is_plain_yaml(self) -> None:
        ident = ObjectId("example.com", "secrets", "team-a", "db")
        assert object_path("prod", ident).endswith("/secrets/db.yaml")

    def test_repository_root_as_target_path(self) -> None:
        ident = ObjectId("apps", "deployments", "web", "api")
        assert object_path("", ident) == "web/apps/deployments/api.yaml"

    def test_identity_is_read_from_a_manifest_and_its_resource(self) -> None:
        manifest = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "web"},
        }
        assert ObjectId.of(manifest, "deployments") == ObjectId("apps", "deployments", "web", "api")


class TestUnsafeNames:
    @pytest.mark.parametrize(
        ("name", "encoded"),
        [
            ("system:controller:job", "system%3Acontroller%3Ajob"),
            ("Upper", "%55pper"),
            (".hidden", "%2Ehidden"),
            ("under_score", "under%5Fscore"),
            ("café", "caf%C3%A9"),
        ],
    )
    def test_unsafe_characters_are_percent_encoded(self, name: str, encoded: str) -> None:
        assert encode_segment(name) == encoded
        assert decode_segment(encoded) == name

    def test_dns_names_are_written_as_they_are(self) -> None:
        assert encode_segment("web-1.example") == "web-1.example"

    @pytest.mark.parametrize("segment", ["Upper", "%3a", "%2", "a%2Fb/c", ".dot", "%61"])
    def test_text_that_encoding_cannot_produce_is_rejected(self, segment: str) -> None:
        with pytest.raises(ValueError, match="encod"):
            decode_segment(segment)


class TestReversePaths:
    def test_path_outside_the_target_is_no_object(self) -> None:
        assert object_id_for_path("prod", "staging/team-a/core/configmaps/x.yaml") is None

    @pytest.mark.parametrize(
        "path",
        [
            "prod/.sops.yaml",
            "prod/README.md",
            "prod/team-a/kustomization.yaml",
            "prod/team-a/core/configmaps/x.json",
            "prod/team-a/core/secrets/x.yaml",
            "prod/team-a/core/configmaps/deep/x.yaml",
        ],
    )
    def test_files_outside_the_object_layout_are_no_objects(self, path: str) -> None:
        assert object_id_for_path("prod", path) is None

    def test_target_prefix_must_end_at_a_folder_boundary(self) -> None:
        assert object_id_for_path("prod", "production/ns/core/configmaps/x.yaml") is None


class TestTargetPath:
    @pytest.mark.parametrize(
        ("given", "expected"), [("a/b/", "a/b"), ("./a//b", "a/b"), ("", ""), (".", "")]
    )
    def test_equivalent_spellings_normalise_to_one(self, given: str, expected: str) -> None:
        assert normalise_target_path(given) == expected

    @pytest.mark.parametrize("path", ["/abs", "a/../b", "a/.git/b", "a\\b", ".GIT"])
    def test_paths_that_escape_or_corrupt_the_repository_are_refused(self, path: str) -> None:
        with pytest.raises(InvalidObject):
            normalise_target_path(path)

    @pytest.mark.parametrize(
        "path",
        [
            "backup/GIT~1",
            "git~1/a",
            "a/.git.",
            "a/.git /b",
            "a/.Git. .",
            "a/.git:x",
            "a/.g\u200cit",
        ],
    )
    def test_other_names_of_the_git_folder_are_refused(self, path: str) -> None:
        with pytest.raises(InvalidObject):
            normalise_target_path(path)

    @pytest.mark.parametrize("path", ["a/.gitops", "a/git~2", "a/git", "a/.git~1", "a/x.git"])
    def test_names_that_only_resemble_the_git_folder_are_kept(self, path: str) -> None:
        assert normalise_target_path(path) == path

    @pytest.mark.parametrize("segment", ["GIT~1", "git~1", ".git.", ".GIT ", ".git:s", "GIT~1. "])
    def test_every_name_libgit2_reads_as_the_git_folder_is_an_alias(self, segment: str) -> None:
        index = pygit2.Index()
        with pytest.raises(pygit2.GitError):
            index.add(pygit2.IndexEntry(f"a/{segment}/b", pygit2.hash(b""), FileMode.BLOB))
        assert is_git_dir_alias(segment)

    def test_group_named_core_is_reserved(self) -> None:
        with pytest.raises(InvalidObject):
            ObjectId("core", "widgets", None, "x")


# Kubernetes path-segment names: anything but '/', '%', '.' and '..'.
_names = st.text(min_size=1, max_size=60).filter(
    lambda n: "/" not in n and "%" not in n and n not in {".", ".."}
)
_dns = r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
_groups = st.one_of(st.just(""), st.from_regex(rf"{_dns}(\.{_dns})*\.[a-z]{{2,6}}", fullmatch=True))
_resources = st.one_of(
    st.sampled_from(["secrets", "configmaps"]),
    st.from_regex(r"[a-z][a-z0-9]{0,20}", fullmatch=True),
)
_namespaces = st.one_of(st.none(), st.from_regex(_dns, fullmatch=True))
_targets = st.sampled_from(["", "clusters/prod", "a/b/c"])


@given(_targets, _groups, _resources, _namespaces, _names)
def test_path_mapping_round_trips_for_any_valid_name(
    target: str, group: str, resource: str, namespace: str | None, name: str
) -> None:
    # A file name over the limit is shortened and no longer holds the name (by design).
    assume(len(encode_segment(name)) + len(".sops.yaml") <= 240)
    ident = ObjectId(group, resource, namespace, name)
    assert object_id_for_path(target, object_path(target, ident)) == ident


@given(_names)
def test_encoded_names_are_portable_file_names(name: str) -> None:
    encoded = encode_segment(name)
    assert re.fullmatch(r"(?:[a-z0-9.-]|%[0-9A-F]{2})+", encoded)
    assert not encoded.startswith(".")


class TestLongNames:
    LONGEST_DNS_NAME = "a" * 253

    def test_longest_secret_name_gets_a_file_name_within_the_limit(self) -> None:
        ident = ObjectId("", "secrets", "ns", self.LONGEST_DNS_NAME)
        file_name = object_path("prod", ident).rsplit("/", 1)[1]
        assert len(file_name.encode()) <= 255
        assert file_name.startswith("a" * 100)
        assert file_name.endswith(".sops.yaml")

    def test_shortened_file_is_an_object_file_whose_name_the_path_cannot_give(self) -> None:
        path = object_path("prod", ObjectId("", "secrets", "ns", self.LONGEST_DNS_NAME))
        assert is_object_file("prod", path)
        assert object_id_for_path("prod", path) is None

    def test_names_that_share_a_long_prefix_get_different_files(self) -> None:
        first = object_path("", ObjectId("", "configmaps", "ns", self.LONGEST_DNS_NAME))
        second = object_path("", ObjectId("", "configmaps", "ns", "a" * 252 + "b"))
        assert first != second

    def test_name_that_fits_keeps_its_readable_reversible_file_name(self) -> None:
        ident = ObjectId("", "configmaps", "ns", "a" * 200)
        assert object_path("", ident) == f"ns/core/configmaps/{'a' * 200}.yaml"


_long_names = st.text(min_size=1, max_size=253).filter(
    lambda n: "/" not in n and "%" not in n and n not in {".", ".."}
)


@given(_resources, _long_names)
def test_every_file_name_fits_the_file_system_limit(resource: str, name: str) -> None:
    path = object_path("p", ObjectId("", resource, "ns", name))
    assert len(path.rsplit("/", 1)[1].encode()) <= 255
    assert is_object_file("p", path)


@given(_long_names, _long_names)
def test_different_names_never_share_a_file(first: str, second: str) -> None:
    paths = {object_path("", ObjectId("", "configmaps", None, n)) for n in (first, second)}
    assert len(paths) == len({first, second})


@given(_targets, _groups, _resources, _namespaces, _names)
def test_every_reversible_path_is_an_object_file(
    target: str, group: str, resource: str, namespace: str | None, name: str
) -> None:
    assert is_object_file(target, object_path(target, ObjectId(group, resource, namespace, name)))


@given(_targets, _groups, _resources, _namespaces, _long_names)
def test_every_object_file_tells_its_folders_even_when_shortened(
    target: str, group: str, resource: str, namespace: str | None, name: str
) -> None:
    path = object_path(target, ObjectId(group, resource, namespace, name))
    assert object_folders_for_path(target, path) == (namespace, group, resource)
