"""Real-shaped RVTools workbooks with random oddities (names given twice, VMs without
memory, nameless host rows, retired hosts, datastores shared by clusters, DRS rules): the
import accounts for every VM of positive memory (kept, or renamed `<name>~k`) and names
each one dropped; under --strict it either reads (no oddity) or fails on one line."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.common import ImportOptions, plural
from data.imports.load import load_inventory
from data.imports.oddities import unique_names

MAKE = Path(__file__).resolve().parents[2] / "fixtures" / "rvtools" / "make_workbook.py"
PLANNED = ("vInfo", "vHost", "vDatastore", "vDisk")  # the sheets a plan reads
SPARE_HOSTS = (1, 2, 4)  # vHost rows that may lose their name: each cluster keeps a host
Mutation = tuple[str, int, int]


def _make() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rvtools_fixture", MAKE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _make()


def mutated(mutations: list[Mutation]) -> dict[str, Any]:
    """The fixture's planned sheets with the oddities applied, in order."""
    sheets = {name: sheet for name, sheet in make.sheets().items() if name in PLANNED}
    header, rows = sheets["vInfo"]
    at = {name: i for i, name in enumerate(header)}
    header[at["Path"] + 1 : at["Path"] + 1] = ["Cluster rule(s)", "Cluster rule name(s)"]
    for row in rows:
        row[at["Path"] + 1 : at["Path"] + 1] = ["", ""]
    at = {name: i for i, name in enumerate(header)}
    for kind, i, j in mutations:
        row, other = rows[i % len(rows)], rows[j % len(rows)]
        if kind == "twice":
            row[at["VM"]] = other[at["VM"]]
        elif kind in ("zero", "empty"):
            row[at["Memory"]] = 0 if kind == "zero" else ""
        elif kind == "retired":
            row[at["Host"]] = f"esx{90 + j % 9}.corp.example.com"
        elif kind == "shared":
            row[at["Path"]] = other[at["Path"]]
        elif kind == "nameless":
            sheets["vHost"][1][SPARE_HOSTS[j % len(SPARE_HOSTS)]][0] = ""
        else:  # a DRS rule of some kind, or of none shown
            row[at["Cluster rule(s)"]] = ("Anti-Affinity", "Affinity", "", "VM-Host")[j % 4]
            row[at["Cluster rule name(s)"]] = f"rule-{j % 3}"
    return sheets


def expected_names(sheets: dict[str, Any]) -> tuple[set[str], list[str]]:
    """The names the import must plan (positive memory, renamed by row order), and those
    it must name as dropped."""
    header, rows = sheets["vInfo"]
    memory, vm = header.index("Memory"), header.index("VM")
    kept = [str(r[vm]) for r in rows if r[memory] not in (0, "")]
    return set(unique_names(kept)), [str(r[vm]) for r in rows if r[memory] in (0, "")]


ODDITY = st.tuples(
    st.sampled_from(["twice", "zero", "empty", "retired", "shared", "nameless", "rule"]),
    st.integers(0, 100),
    st.integers(0, 100),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(ODDITY, max_size=6))
def test_mutated_workbooks_account_for_every_vm_or_fail_on_one_line_when_strict(
    mutations: list[Mutation],
) -> None:
    sheets = mutated(mutations)
    with tempfile.TemporaryDirectory() as temp:
        book = Path(temp) / "RVTools_export.xlsx"
        make.write_workbook(book, sheets)
        loaded = load_inventory([book], options=ImportOptions())
        try:
            load_inventory([book], options=ImportOptions(strict=True))
        except InputError as error:
            assert "\n" not in error.line() and error.line()
    planned, dropped = expected_names(sheets)
    assert set(loaded.inventory.vm_names) == planned
    assert loaded.imported is not None
    said = " ".join(loaded.imported.report.dropped)
    if dropped:
        assert f"{plural(len(dropped), 'VM')} with empty or zero memory" in said
    for name in dropped[:3]:  # the report names a few
        assert repr(name) in said, name
