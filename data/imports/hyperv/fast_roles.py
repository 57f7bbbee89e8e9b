"""roles.py a column at a time (for fast.py): each VM role's OwnerNode, anti-affinity
classes and Cluster, joined to its VM by the case-folded name in arrow, given and
reported exactly as the row-by-row path does."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.columns import Columns, Declined, folded, positions
from data.imports.common import ImportReport, column, required_column, short
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.roles import OLD_PREFIX, RoleTally, classes_of, report_roles
from data.io.build import RawTable


def apply_roles(
    vms: VmFrame, tables: Sequence[RawTable], left_out: set[str], report: ImportReport
) -> None:
    """roles.apply_roles: node, anti_affinity and cluster of the VMs that are roles."""
    if not tables:
        return
    table = tables[0]
    cells = Columns(table)
    tally = RoleTally()
    rows, at = _matched_roles(cells, vms.facts["key"], {n.casefold() for n in left_out}, tally)
    if len(np.unique(at)) < len(at):
        raise Declined  # a VM with two roles: the later one wins, row by row
    tally.roles = len(at)
    tally.preferred = bool(len(at)) and column(table, "PreferredOwners") is not None
    _set_owners(vms, cells, rows, at, tally)
    _set_classes(vms, cells, rows, at, tally)
    cluster = column(table, "Cluster")
    if cluster is not None:
        codes, distinct = cells.coded(cluster)
        clusters = np.array(distinct, object)[codes[rows]]
        given = clusters != ""
        if given.any():
            vms.set("cluster", at[given], clusters[given], cluster, (table.file, rows[given] + 1))
    if column(table, "AntiAffinityClassNames") and not tally.type_names:
        classes = vms.values.setdefault("anti_affinity", np.full(len(vms), None, object))
        classes[classes == None] = ""  # noqa: E711 (the cluster's classes were read)
    report_roles(tables, tally, report)


def _matched_roles(
    cells: Columns, vm_keys: pa.Array, omitted: set[str], tally: RoleTally
) -> tuple[np.ndarray, np.ndarray]:
    """The role rows that are a VM's and their VMs (roles.role_of of every row, joined
    by case-folded name); the rest tallied."""
    table = cells.table
    names = cells.text_array(required_column(table, "Name"))
    if not pc.all(pc.not_equal(names, "")).as_py():
        raise Declined  # a role without a name: an error, worded row by row
    kind = column(table, "GroupType")
    is_vm = np.ones(len(cells), bool)
    if kind is not None:
        codes, kinds = cells.coded(kind)
        is_vm = np.array([k.casefold() == "virtualmachine" for k in kinds], bool)[codes]
    tally.other = names.filter(pa.array(~is_vm)).to_pylist()
    vm_names = _unprefixed(names)
    keys = folded(vm_names)
    at = positions(keys, vm_keys)
    known = np.asarray(pc.is_in(keys, value_set=pa.array(sorted(omitted), pa.string())), bool)
    tally.unknown = vm_names.filter(pa.array(is_vm & (at < 0) & ~known)).to_pylist()
    rows = np.flatnonzero(is_vm & (at >= 0))
    return rows, at[rows]


def _unprefixed(names: pa.Array) -> pa.Array:
    """roles.OLD_PREFIX taken off each name ("Virtual Machine DC01" -> "DC01"); a name not
    ASCII through the regex itself (whose IGNORECASE lets a dotless i match "i")."""
    ascii = pc.string_is_ascii(names)
    old = pc.and_(ascii, pc.starts_with(pc.ascii_lower(names), "virtual machine "))
    unprefixed = pc.if_else(old, pc.utf8_slice_codeunits(names, 16), names)
    other = pc.invert(ascii)
    if not pc.any(other).as_py():
        return unprefixed
    cells = [OLD_PREFIX.sub("", name) for name in names.filter(other).to_pylist()]
    return pc.replace_with_mask(unprefixed, other, pa.array(cells, pa.string()))


def _set_owners(
    vms: VmFrame, cells: Columns, rows: np.ndarray, at: np.ndarray, tally: RoleTally
) -> None:
    owner = column(cells.table, "OwnerNode")
    if owner is None:
        return
    codes, distinct = cells.coded(owner)  # owners are few: each shortened once
    nodes = np.array(distinct, object)[codes[rows]]
    given = nodes != ""
    if not given.any():
        return
    rows, at, nodes = rows[given], at[given], nodes[given]
    shorts = np.array([short(node) for node in distinct], object)[codes[rows]]
    hosts = vms.facts["host"][at]
    tally.moved = vms.named(at[(hosts != "") & (shorts != hosts)])
    vms.set("node", at, nodes, owner, (cells.table.file, rows + 1))


def _set_classes(
    vms: VmFrame, cells: Columns, rows: np.ndarray, at: np.ndarray, tally: RoleTally
) -> None:
    source = column(cells.table, "AntiAffinityClassNames")
    if source is None:
        return
    codes, distinct = cells.coded(source)
    read = np.unique(codes[rows])  # only the roles' texts are read (and tallied)
    classes = np.full(len(distinct), "", object)
    classes[read] = [classes_of(distinct[i], tally) for i in read.tolist()]
    joined = classes[codes[rows]]
    kept = np.flatnonzero(joined != "")
    if len(kept):
        there = (cells.table.file, rows[kept] + 1)
        vms.set("anti_affinity", at[kept], joined[kept], source, there)
