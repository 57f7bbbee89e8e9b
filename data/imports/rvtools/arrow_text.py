"""Text columns of a million rows kept in pyarrow (for fast.py and fast_storage.py): the
VM names vDisk and vInfo are joined on, and the datastores their paths name, without a
Python string per row. Each gives what `Cells.text` and `storage.datastore_in` give
cell by cell, and raises Declined where columns.Columns would."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.columns import Columns, Declined, stripped
from data.imports.rvtools.storage import datastore_in
from data.io.build import RawTable

_BRACKETED = r"^\[(?P<store>[^\]]+)\]"  # storage.datastore_in of a trimmed path


def trimmed(table: RawTable, column: str, rows: np.ndarray | None = None) -> pa.Array:
    """Cells.text of each row (of `rows` only, when given): the cell trimmed."""
    text = Columns(table).text_array(column)
    return text if rows is None else text.take(pa.array(rows))


def names(table: RawTable, column: str) -> pa.Array:
    """Cells.name of every row: never empty."""
    found = trimmed(table, column)
    if pc.any(pc.equal(found, "")).as_py():
        raise Declined  # an empty name: an error or an oddity, worded row by row
    return found


def datastores(paths: pa.Array) -> tuple[np.ndarray, list[str]]:
    """datastore_in of each trimmed path, as codes into the distinct names found (-1:
    the path names no datastore)."""
    if pc.all(pc.string_is_ascii(paths)).as_py() is not False:
        found = pc.extract_regex(paths, _BRACKETED)
        store = pc.if_else(found.is_valid(), pc.struct_field(found, [0]), "")
        store = stripped(store)
    else:
        store = pa.array([datastore_in(path) for path in paths.to_pylist()], pa.string())
    encoded = pc.dictionary_encode(store)
    distinct = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if "" in distinct:
        codes[codes == distinct.index("")] = -1
    return codes, distinct
