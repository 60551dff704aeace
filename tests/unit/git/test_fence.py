"""Fences: their order, their file, and when a stream's first attempt need not stamp."""

from __future__ import annotations

from activities.git import Claim, Fence, Stage
from activities.git.fence import FENCE_FILE, fence_path, parse_fence

SNAPSHOT = Fence(epoch=5, stage=Stage.SNAPSHOT, attempt=2)


class TestOrder:
    def test_a_later_epoch_wins_over_any_attempt_of_an_earlier_one(self) -> None:
        assert Fence(6, Stage.SNAPSHOT, 1) > Fence(5, Stage.STREAM, 9)

    def test_the_stream_of_an_epoch_wins_over_its_snapshot(self) -> None:
        assert Fence(5, Stage.STREAM, 1) > Fence(5, Stage.SNAPSHOT, 3)

    def test_a_later_attempt_wins_within_a_stage(self) -> None:
        assert Fence(5, Stage.STREAM, 2) > Fence(5, Stage.STREAM, 1)

    def test_a_claim_is_outdated_only_by_a_newer_fence(self) -> None:
        claim = Claim("mirror", Fence(5, Stage.STREAM, 2))

        assert claim.outdated_by(Fence(5, Stage.STREAM, 3))
        assert not claim.outdated_by(Fence(5, Stage.STREAM, 2))
        assert not claim.outdated_by(Fence(5, Stage.STREAM, 1))
        assert not claim.outdated_by(None)


class TestFile:
    def test_a_rendered_fence_parses_back(self) -> None:
        assert parse_fence(SNAPSHOT.render()) == SNAPSHOT

    def test_the_file_says_who_wrote_it(self) -> None:
        assert SNAPSHOT.render().startswith(b"# Written by gitops-reverser")

    def test_a_file_that_is_not_a_fence_fences_nobody(self) -> None:
        assert parse_fence(b"epoch: soon\nstage: stream\nattempt: 1\n") is None
        assert parse_fence(b"stage: lunch\n") is None
        assert parse_fence(None) is None

    def test_the_file_sits_in_the_target_folder_and_is_not_yaml(self) -> None:
        assert fence_path("clusters/prod") == f"clusters/prod/{FENCE_FILE}"
        assert fence_path("") == FENCE_FILE
        assert not FENCE_FILE.endswith((".yaml", ".yml", ".json"))


class TestContinuing:
    def test_the_first_stream_attempt_after_its_snapshot_continues_its_fence(self) -> None:
        assert Fence(5, Stage.STREAM, 1).continues(SNAPSHOT)

    def test_a_retried_stream_attempt_does_not(self) -> None:
        assert not Fence(5, Stage.STREAM, 2).continues(SNAPSHOT)

    def test_a_stream_of_another_epoch_does_not(self) -> None:
        assert not Fence(6, Stage.STREAM, 1).continues(SNAPSHOT)

    def test_a_stream_whose_folder_holds_a_stream_fence_does_not(self) -> None:
        assert not Fence(5, Stage.STREAM, 1).continues(Fence(5, Stage.STREAM, 1))
        assert not Fence(5, Stage.STREAM, 1).continues(None)
