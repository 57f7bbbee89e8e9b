"""The partial directory of a fleet run: kept clusters read back under the same key only."""

from __future__ import annotations

from pathlib import Path

from data.io.partial import SavedCluster, open_partial, partial_directory

KEY = {"input_sha256": "ab" * 32, "options": {"seed": 0}}
SAVED = SavedCluster("east", "optimal", 700, 700, 1.5, {"vm1": ["hv1", "hv2"]}, {"vm1": "L1"}, [])


def test_partial_saved_cluster_reads_back_under_the_same_key(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    open_partial(out, KEY).save(3, SAVED)
    again = open_partial(out, KEY)
    assert again.saved == {"east": SAVED}
    assert not again.discarded
    assert again.directory == tmp_path / "plan.partial" == partial_directory(out)


def test_partial_of_another_key_is_dropped(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    open_partial(out, KEY).save(0, SAVED)
    other = open_partial(out, {**KEY, "options": {"seed": 1}})
    assert (other.saved, other.discarded) == ({}, True)
    assert list(other.directory.glob("cluster-*.json")) == []


def test_partial_skips_an_unreadable_cluster_file(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    partial = open_partial(out, KEY)
    partial.save(0, SAVED)
    (partial.directory / "cluster-000001.json").write_text("{not json")
    (partial.directory / "cluster-000002.json").write_text('{"cluster": "x"}')
    assert open_partial(out, KEY).saved == {"east": SAVED}


def test_partial_remove_leaves_nothing(tmp_path: Path) -> None:
    partial = open_partial(tmp_path / "plan", KEY)
    partial.save(0, SAVED)
    partial.remove()
    assert not partial.directory.exists()


def test_partial_is_made_only_by_the_first_save(tmp_path: Path) -> None:
    partial = open_partial(tmp_path / "plan", KEY)
    assert not partial.directory.exists()
    partial.save(0, SAVED)
    assert sorted(p.name for p in partial.directory.iterdir()) == [
        "cluster-000000.json",
        "run.json",
    ]
