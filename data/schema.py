"""The canonical tables of ../shared/MODEL.md: the one place column names, types,
defaults and units are spelled.

Units: memory in MiB, disk in GiB, CPU in vCPUs and logical processors.
"""

from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa


class Kind(StrEnum):
    """How a cell is parsed and what it must satisfy."""

    NAME = "name"  # non-empty string
    TEXT = "text"  # string, may be empty
    POSITIVE_INT = "positive integer"
    NON_NEGATIVE_INT = "non-negative integer"
    POSITIVE_FLOAT = "positive number"
    NON_NEGATIVE_FLOAT = "non-negative number"
    BOOL = "boolean (true/false, 1/0, yes/no)"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    default: object = None
    unique: bool = False


RESOURCE_PREFIX = "res_"

NODES = (
    Column("node", Kind.NAME, required=True, unique=True),
    Column("memory_mb", Kind.POSITIVE_INT, required=True),
    Column("logical_processors", Kind.POSITIVE_INT, required=True),
    Column("reserve_mb", Kind.NON_NEGATIVE_INT, default=2048),
    Column("vcpu_per_lp", Kind.POSITIVE_FLOAT, default=8.0),
    Column("vlan", Kind.BOOL, default=True),
    Column("cluster", Kind.NAME, default="cluster"),
)

VMS = (
    Column("vm", Kind.NAME, required=True, unique=True),
    Column("memory_mb", Kind.POSITIVE_INT, required=True),
    Column("vcpus", Kind.POSITIVE_INT, required=True),
    Column("disk_gb", Kind.NON_NEGATIVE_FLOAT, default=0.0),
    Column("lun", Kind.TEXT, default=""),
    Column("node", Kind.TEXT, default=""),
    Column("vlan", Kind.BOOL, default=False),
    Column("anti_affinity", Kind.TEXT, default=""),
    Column("cluster", Kind.TEXT, default=""),
)

LUNS = (
    Column("lun", Kind.NAME, required=True, unique=True),
    Column("capacity_gb", Kind.POSITIVE_FLOAT, required=True),
    Column("shared", Kind.BOOL, default=False),
    Column("cluster", Kind.TEXT, default=""),
    Column("node", Kind.TEXT, default=""),
)

TABLES: dict[str, tuple[Column, ...]] = {"nodes": NODES, "vms": VMS, "luns": LUNS}
REQUIRED_TABLES = ("nodes", "vms")
INPUT_SUFFIXES = (".csv", ".parquet")

CLASS_SEPARATOR = ";"
OWNER_SEPARATOR = ";"

_ARROW_TYPES = {
    Kind.NAME: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.POSITIVE_INT: pa.int64(),
    Kind.NON_NEGATIVE_INT: pa.int64(),
    Kind.POSITIVE_FLOAT: pa.float64(),
    Kind.NON_NEGATIVE_FLOAT: pa.float64(),
    Kind.BOOL: pa.bool_(),
}


def arrow_schema(columns: tuple[Column, ...], resources: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema of a canonical table, with its res_<name> columns last."""
    fields = [pa.field(c.name, _ARROW_TYPES[c.kind], nullable=not c.required) for c in columns]
    fields += [pa.field(RESOURCE_PREFIX + r, pa.int64()) for r in resources]
    return pa.schema(fields)


PLACEMENT_SCHEMA = pa.schema(
    [
        pa.field("vm", pa.string(), nullable=False),
        pa.field("lun", pa.string(), nullable=False),
        pa.field("node", pa.string(), nullable=False),
        pa.field("owners", pa.string(), nullable=False),
        pa.field("cluster", pa.string(), nullable=False),
    ]
)
PLACEMENT_FILES = ("placement.csv", "placement.parquet")
PLAN_JSON = "plan.json"
# The canonical tables the plan was made from, so export and report need only the plan.
PLAN_INVENTORY = "inventory"
# moves.csv: the order in which to apply a plan (MODEL.md "Output", data/moves.py)
MOVES_CSV = "moves.csv"
MOVES_COLUMNS = ("step", "group", "vms", "from", "to", "migration", "parked", "resume_step")
VM_SEPARATOR = ";"
