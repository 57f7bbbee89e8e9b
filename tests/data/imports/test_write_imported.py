"""What `hvplace import` writes: the column-wise writer (write_inventory_of) gives the
bytes of the row-by-row one (write_inventory of inventory_tables), for every export
fixture and both table formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.imports.common import ImportOptions
from data.imports.load import load_inventory
from data.io.write import inventory_tables, write_inventory, write_inventory_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SOURCES = ["hyperv", "rvtools/RVTools_export.xlsx", "rvtools/csv", "azure-migrate"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_inventory_of_writes_the_bytes_of_write_inventory(
    source: str, fmt: str, tmp_path: Path
) -> None:
    inventory = load_inventory([FIXTURES / source], None, ImportOptions()).inventory
    write_inventory(tmp_path / "rows", inventory_tables(inventory), fmt)
    write_inventory_of(tmp_path / "columns", inventory, fmt)
    written = sorted(p.name for p in (tmp_path / "rows").iterdir())
    assert written == sorted(p.name for p in (tmp_path / "columns").iterdir())
    assert len(written) >= 2
    for name in written:
        assert (tmp_path / "rows" / name).read_bytes() == (
            tmp_path / "columns" / name
        ).read_bytes(), name
