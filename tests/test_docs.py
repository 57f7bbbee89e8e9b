"""docs/model.md documents the input tables data/schema.py spells: same tables, same
columns in the same order, same types, same defaults. A schema change without its doc
(or the other way round) fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data.schema import TABLES, Column, Kind

MODEL_MD = Path(__file__).resolve().parents[1] / "docs" / "model.md"
README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_HEADING = re.compile(r"^### Table: (\w+)$")
HEADER = ["column", "type", "default", "meaning"]

# The doc's words for a cell's kind.
KINDS = {
    "name": Kind.NAME,
    "text": Kind.TEXT,
    "int > 0": Kind.POSITIVE_INT,
    "int >= 0": Kind.NON_NEGATIVE_INT,
    "float > 0": Kind.POSITIVE_FLOAT,
    "float >= 0": Kind.NON_NEGATIVE_FLOAT,
    "bool": Kind.BOOL,
}

Documented = tuple[str, Kind, bool, object, bool]  # name, kind, required, default, unique


def documented_tables(text: str) -> dict[str, list[list[str]]]:
    """The body rows of the markdown table under each `### Table: NAME` heading."""
    tables: dict[str, list[list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = TABLE_HEADING.match(line)
        if heading:
            current = heading[1]
            tables[current] = []
        elif line.startswith("#"):
            current = None
        elif current is not None and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells != HEADER and not set("".join(cells)) <= set("-: "):
                tables[current].append(cells)
    return tables


def parse_default(cell: str, kind: Kind) -> object:
    """A documented default as the value schema.py holds (None when required)."""
    if cell == "required":
        return None
    if cell == "empty":
        return ""
    if kind is Kind.BOOL:
        return {"true": True, "false": False}[cell]
    if kind in (Kind.POSITIVE_FLOAT, Kind.NON_NEGATIVE_FLOAT):
        return float(cell)
    if kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT):
        return int(cell)
    return cell.strip('"')


def parse_row(cells: list[str]) -> Documented:
    name, type_cell, default_cell, _meaning = cells
    kind_word, _, unique_word = type_cell.partition(", ")
    kind = KINDS[kind_word]
    return (
        name,
        kind,
        default_cell == "required",
        parse_default(default_cell, kind),
        unique_word == "unique",
    )


def spelled(column: Column) -> Documented:
    return (column.name, column.kind, column.required, column.default, column.unique)


def test_docs_model_documents_every_schema_table() -> None:
    tables = documented_tables(MODEL_MD.read_text(encoding="utf-8"))
    assert set(tables) == set(TABLES) == {"nodes", "vms", "luns"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_docs_model_table_matches_schema(table: str) -> None:
    rows = documented_tables(MODEL_MD.read_text(encoding="utf-8"))[table]
    documented = [parse_row(cells) for cells in rows]
    assert documented  # an empty table would match nothing below
    assert documented == [spelled(column) for column in TABLES[table]]


def test_docs_parser_sees_a_changed_default() -> None:
    """The comparison is not vacuous: one edited default is noticed."""
    text = MODEL_MD.read_text(encoding="utf-8").replace(
        "| reserve_mb | int >= 0 | 2048 |", "| reserve_mb | int >= 0 | 4096 |"
    )
    documented = [parse_row(cells) for cells in documented_tables(text)["nodes"]]
    assert documented != [spelled(column) for column in TABLES["nodes"]]


def test_docs_readme_points_inside_the_repository() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "../shared/" not in readme
    assert "docs/model.md" in readme
