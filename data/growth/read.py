"""Read a catalog file (CSV or Parquet): strict, each error one line naming the file, row
and column, cells checked by the same code as the canonical tables."""

from __future__ import annotations

from pathlib import Path

from data.errors import InputError
from data.growth.catalog import Catalog, Model
from data.growth.schema import CATALOG
from data.inventory import Inventory
from data.io.build import BuildReport, RawTable, _typed_rows
from data.io.read import read_table
from data.schema import INPUT_SUFFIXES, RESOURCE_PREFIX


def read_catalog(path: Path, inventory: Inventory) -> tuple[Catalog, list[str]]:
    """The catalog in `path` for `inventory` (whose extra resources every model must
    give), and the warnings reading it gave."""
    if path.suffix not in INPUT_SUFFIXES:
        raise InputError("a catalog is a .csv or .parquet file", path.name)
    if not path.is_file():
        raise InputError("does not exist" if not path.exists() else "is not a file", path.name)
    return catalog_from_table(read_table(path), inventory)


def catalog_from_table(raw: RawTable, inventory: Inventory) -> tuple[Catalog, list[str]]:
    """Validate a parsed catalog table against the inventory it is bought for."""
    needed = tuple(RESOURCE_PREFIX + r for r in inventory.resource_names)
    for column in needed:
        if column not in raw.columns:
            raise InputError(
                "is missing: the VMs need it, so every model must give it", raw.file, column=column
            )
    report = BuildReport()
    rows = _typed_rows(raw, CATALOG, inventory.resource_names, report, resource_default=None)
    if not rows:
        raise InputError("no models: the catalog has no rows", raw.file)
    models = tuple(_model(raw.file, i + 1, row, inventory, needed) for i, row in enumerate(rows))
    return Catalog(models), report.warnings


def _model(
    file: str, number: int, row: dict, inventory: Inventory, resources: tuple[str, ...]
) -> Model:
    if ";" in row["model"]:
        raise InputError(f"{row['model']!r} contains ';'", file, number, "model")
    if row["reserve_mb"] >= row["memory_mb"]:
        message = f"{row['reserve_mb']} is not below memory_mb ({row['memory_mb']})"
        raise InputError(message, file, number, "reserve_mb")
    if row["cluster"] and row["cluster"] not in inventory.clusters:
        raise InputError(
            f"cluster {row['cluster']!r} is not in the inventory", file, number, "cluster"
        )
    return Model(
        name=row["model"],
        memory_mb=row["memory_mb"],
        logical_processors=row["logical_processors"],
        reserve_mb=row["reserve_mb"],
        vcpu_per_lp=row["vcpu_per_lp"],
        vlan=row["vlan"],
        cost=row["cost"],
        cluster=row["cluster"],
        resources=tuple(int(row[c]) for c in resources),
    )
