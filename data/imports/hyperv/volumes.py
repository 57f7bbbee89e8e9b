"""Volumes from paths: which LUN a disk (or a VM's configuration) is on, and whether
it is shared.

- `X:\\ClusterStorage\\<folder>\\...` is a Cluster Shared Volume named <folder> (shared);
  Get-ClusterSharedVolume, with a FriendlyVolumeName column, renames it to the CSV's
  own name and gives its owner node.
- `\\\\server\\share\\...` is an SMB 3 share named `\\\\server\\share` (shared).
- Any other drive letter, `E:\\...`, is a clustered disk, one exclusive LUN named `E:`.
- Local storage (the system drive C:, or any drive of a VM that is not clustered) is
  one exclusive LUN per host and drive, named `<host>:C:`. Its VMs cannot fail over
  without their storage; they are still planned (they use the host's memory), and a
  plan moving them moves their storage with them (the report says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.common import (
    Cells,
    ImportReport,
    all_cells,
    column,
    files,
    plural,
    required_column,
    short,
)
from data.imports.hyperv.rows import is_type_name
from data.io.build import RawTable

EXPORT_VOLUMES = (
    "Get-ClusterSharedVolume | Select-Object Cluster, Name, State, OwnerNode, "
    "@{n='FriendlyVolumeName'; e={$_.SharedVolumeInfo.FriendlyVolumeName}} | "
    "Export-Csv get-clustersharedvolume.csv -NoTypeInformation"
)
_UNC = re.compile(r"\\\\([^\\]+)\\([^\\]+)")
_DRIVE = re.compile(r"([A-Za-z]):(?:\\(.*))?")
_SYSTEM_DRIVE = "C"


@dataclass(frozen=True)
class Volume:
    """The volume a path is on, as a LUN: its name, and whether VMs on it move alone."""

    name: str
    shared: bool
    local: bool = False  # a host's own disk: its VMs cannot fail over

    @property
    def key(self) -> str:
        return self.name.casefold()


@dataclass(frozen=True)
class SharedVolume:
    """A Get-ClusterSharedVolume row."""

    cells: Cells
    name: str
    owner: str
    owner_column: str | None


def volume_of(path: str, host: str = "", clustered: bool | None = None) -> Volume | None:
    """The volume of a Windows path (None for no path, or a pass-through disk's name)."""
    path = path.strip()
    if path.upper().startswith("\\\\?\\UNC\\"):
        path = "\\\\" + path[8:]
    elif path.startswith(("\\\\?\\", "\\\\.\\")):
        path = path[4:]
    unc = _UNC.match(path)
    if unc:
        return Volume(f"\\\\{unc[1]}\\{unc[2]}", shared=True)
    drive = _DRIVE.fullmatch(path)
    if drive is None:
        return None
    letter, parts = drive[1].upper(), [p for p in (drive[2] or "").split("\\") if p]
    if len(parts) >= 2 and parts[0].casefold() == "clusterstorage":
        return Volume(parts[1], shared=True)
    if letter == _SYSTEM_DRIVE or clustered is False:
        host = short(host).upper()
        return Volume(f"{host}:{letter}:" if host else f"{letter}:", shared=False, local=True)
    return Volume(f"{letter}:", shared=False)


SharedVolumes = dict[tuple[str, str], SharedVolume]  # by cluster (casefolded) and folder key


def shared_volume(shared: SharedVolumes, cluster: str, volume: Volume) -> SharedVolume | None:
    """The CSV mounted at this folder in this cluster (or in no named cluster); with no
    cluster given, the one CSV mounted there in any cluster."""
    exact = shared.get((cluster.casefold(), volume.key)) or shared.get(("", volume.key))
    if exact is not None or cluster:
        return exact
    candidates = [csv for (_, key), csv in shared.items() if key == volume.key]
    return candidates[0] if len(candidates) == 1 else None


SharedRow = tuple[SharedVolume, str, str]  # the CSV, its FriendlyVolumeName and Cluster


def _shared_row(cells: Cells) -> SharedRow:
    table = cells.table
    name = cells.name(required_column(table, "Name"))
    friendly = cells.text(column(table, "FriendlyVolumeName"))
    owner, cluster = column(table, "OwnerNode"), cells.text(column(table, "Cluster"))
    return SharedVolume(cells, name, cells.text(owner), owner), friendly, cluster


def read_shared_volumes(
    tables: Sequence[RawTable], report: ImportReport, rows: Iterable[SharedRow] | None = None
) -> SharedVolumes:
    """Cluster Shared Volumes by cluster and the key of their ClusterStorage folder (from
    `rows` when the tables were read column-wise)."""
    rows = rows if rows is not None else (_shared_row(cells) for cells in all_cells(tables))
    found: SharedVolumes = {}
    folders: dict[str, Volume | None] = {}
    named_by_folder = False
    for csv, friendly, cluster in rows:
        if friendly not in folders:  # one CSV folder per cluster: the same few names
            folders[friendly] = (
                volume_of(friendly) if friendly and not is_type_name(friendly) else None
            )
        folder = folders[friendly]
        if folder is None or not folder.shared:
            folder, named_by_folder = Volume(csv.name, shared=True), True
        found.setdefault((cluster.casefold(), folder.key), csv)
    if tables:
        volumes = plural(len(found), "Cluster Shared Volume")
        report.mapped.append(
            f"{files(tables)}: {volumes}: OwnerNode -> luns.node"
            + ("" if named_by_folder else ", Name -> lun (matched by FriendlyVolumeName)")
        )
    if named_by_folder:
        report.assumed.append(
            f"{files(tables)}: no FriendlyVolumeName, so a CSV is taken to be mounted at "
            f"C:\\ClusterStorage\\<its Name>; to match them whatever the folder, export: "
            f"{EXPORT_VOLUMES}"
        )
    return found


# The shapes of nearly every path, read a column at a time by volumes_of. ASCII only (so
# case-folding is plain), and ending where str.strip() leaves them (so volume_of's strip
# changes nothing); any other path is read by volume_of itself.
_PLAIN = r"^[\x21-\x7e][\x20-\x7e]*[A-Za-z0-9_.)\]}-]$"
_CSV = r"^[A-Za-z]:\\(?i:clusterstorage)\\(?P<folder>[^\\]+)(?:\\.*)?$"
_SHARE = r"^\\\\(?P<server>[^\\]+)\\(?P<share>[^\\]+)"
_LETTER = r"^(?P<letter>[A-Za-z]):(?:\\.*)?$"


def volumes_of(
    paths: list[str], hosts: list[str], clustered: list[bool | None]
) -> list[Volume | None]:
    """volume_of of each path (with its VM's host and IsClustered), a column at a time."""
    codes, volumes = volume_codes(
        pa.array(paths, pa.string()), np.array(hosts, object), np.array(clustered, object)
    )
    return [volumes[c] if c >= 0 else None for c in codes.tolist()]


def volume_codes(
    paths: pa.Array, hosts: np.ndarray, clustered: np.ndarray
) -> tuple[np.ndarray, list[Volume]]:
    """volume_of of each path as an index into the distinct volumes (-1: None), and those
    volumes: each made once, so a million paths make no Python object each."""
    plain = np.asarray(pc.match_substring_regex(paths, _PLAIN), bool)
    folder = pc.struct_field(pc.extract_regex(paths, _CSV), "folder")
    on_folder = plain & np.asarray(folder.is_valid(), bool)
    found = _Found(np.full(len(paths), -1, np.int64), {})
    found.add(np.flatnonzero(on_folder), folder, lambda text: Volume(text, shared=True))
    # the other plain paths (a share, a drive letter) are matched among themselves only
    rest = np.flatnonzero(plain & ~on_folder)
    texts = paths.take(pa.array(rest))
    share = pc.extract_regex(texts, _SHARE)
    server, name = pc.struct_field(share, "server"), pc.struct_field(share, "share")
    dotted = np.asarray(pc.is_in(server, value_set=pa.array(["?", "."])), bool)
    on_share = np.asarray(server.is_valid(), bool) & ~dotted
    shares = pc.binary_join_element_wise(server, name, "\\")
    found.add(rest[on_share], shares, lambda text: Volume(f"\\\\{text}", shared=True), on_share)
    letter = pc.struct_field(pc.extract_regex(texts, _LETTER), "letter")
    named = np.asarray(pc.match_substring(texts, "clusterstorage", ignore_case=True), bool)
    on_letter = ~on_share & np.asarray(letter.is_valid(), bool) & ~named
    _drives(found, rest[on_letter], letter.filter(pa.array(on_letter)), hosts, clustered)
    codes = found.codes
    other = np.flatnonzero(codes < 0)  # not plain, or of no shape above: read by volume_of
    for i, path in zip(other.tolist(), paths.take(pa.array(other)).to_pylist(), strict=True):
        codes[i] = found.code(volume_of(path, hosts[i], clustered[i]))
    return codes, list(found.volumes)


@dataclass
class _Found:
    """The volume codes found so far, and the distinct volumes (in order of code)."""

    codes: np.ndarray
    volumes: dict[Volume, int]

    def code(self, volume: Volume | None) -> int:
        return -1 if volume is None else self.volumes.setdefault(volume, len(self.volumes))

    def add(
        self,
        at: np.ndarray,
        texts: pa.Array,
        make: Callable[[str], Volume],
        picked: np.ndarray | None = None,
    ) -> None:
        """The volume of the paths `at`, made by `make` from its text (once per text):
        texts[at], or with `picked`, the texts where `picked` holds, in order."""
        if not len(at):
            return
        chosen = texts.filter(pa.array(picked)) if picked is not None else texts.take(pa.array(at))
        encoded = pc.dictionary_encode(chosen)
        made = [self.code(make(text)) for text in encoded.dictionary.to_pylist()]
        self.codes[at] = np.array(made, np.int64)[encoded.indices.to_numpy()]


def _drives(
    found: _Found, at: np.ndarray, letter: pa.Array, hosts: np.ndarray, clustered: np.ndarray
) -> None:
    """A drive letter's volume (`letter` of each path `at`): a clustered disk, once per
    letter; or its host's own drive (the system drive, or any of a VM not clustered),
    once per letter and host."""
    if not len(at):
        return
    letters = pc.dictionary_encode(letter)
    names = letters.dictionary.to_pylist()
    system = np.array([name.upper() == _SYSTEM_DRIVE for name in names], bool)
    codes = letters.indices.to_numpy().astype(np.int64)
    local = system[codes] | (clustered[at] == False)  # noqa: E712 (IsClustered False)
    on = pc.dictionary_encode(pa.array(hosts[at].tolist(), pa.string()))
    host = on.indices.to_numpy().astype(np.int64)
    key = codes * (len(on.dictionary) + 1) + np.where(local, host + 1, 0)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    owners = [short(name).upper() for name in on.dictionary.to_pylist()]  # hosts: few
    made = []
    for i in first.tolist():  # as volume_of names a bare drive letter
        drive = names[codes[i]].upper()
        if not local[i]:
            made.append(found.code(Volume(f"{drive}:", shared=False)))
            continue
        owner = owners[host[i]]
        made.append(found.code(Volume(f"{owner}:{drive}:" if owner else f"{drive}:", False, True)))
    found.codes[at] = np.array(made, np.int64)[inverse.reshape(-1)]
