"""Clusters a fleet run has finished, kept beside --out so an interrupted run resumes.

`<out>.partial/` holds run.json (the inventory's input_sha256 and the options that
shape a plan) and one JSON file per finished cluster, each written atomically as
the cluster completes. A rerun with the same key takes the finished clusters as
they are; any other key means another run, whose leftovers are dropped. Answers
are stored by name, not index, so they read back into the same inventory however
it is cut. The final plan directory is still written atomically as before; the
partial one is removed once it is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.io.atomic import replace_file

_RUN = "run.json"
_FORMAT = 1


@dataclass(frozen=True)
class SavedCluster:
    """One finished cluster's answer, in names."""

    cluster: str
    status: str
    objective_value: int | None
    bound: int
    seconds: float
    owners: dict[str, list[str]]  # vm -> owners list (node names)
    luns: dict[str, str]  # vm -> LUN
    reasons: list[str]


@dataclass(frozen=True)
class Partial:
    """The partial directory of one run, and what an earlier run of it left there. It is
    made with the first cluster saved, so a run that finishes nothing leaves nothing."""

    directory: Path
    key: dict[str, Any]
    saved: dict[str, SavedCluster]  # cluster name -> answer
    discarded: bool  # leftovers of a run with another inventory or options were dropped

    def save(self, index: int, cluster: SavedCluster) -> None:
        """Keep one finished cluster (atomically: a reader sees all of it or nothing)."""
        if not (self.directory / _RUN).exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            replace_file(self.directory / _RUN, json.dumps(self.key, sort_keys=True).encode())
        text = json.dumps(vars(cluster), sort_keys=True)  # asdict deep-copies: 2.5 ms a cluster
        replace_file(self.directory / f"cluster-{index:06d}.json", text.encode())

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def partial_directory(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def open_partial(out: Path, key: Mapping[str, Any]) -> Partial:
    """The partial directory for `out`, with the clusters saved under the same `key`;
    one left by a run under another key is removed."""
    directory = partial_directory(out)
    wanted = {"format": _FORMAT, **key}
    if _read_json(directory / _RUN) == wanted:
        return Partial(directory, wanted, _saved(directory), discarded=False)
    discarded = directory.exists()
    if discarded:
        shutil.rmtree(directory)
    return Partial(directory, wanted, {}, discarded)


def _saved(directory: Path) -> dict[str, SavedCluster]:
    """Every readable cluster file (a file of another layout counts as not saved)."""
    saved = {}
    for path in sorted(directory.glob("cluster-*.json")):
        data = _read_json(path)
        try:
            cluster = SavedCluster(**data)
        except TypeError:
            continue
        saved[cluster.cluster] = cluster
    return saved


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
