"""Reading inventory directories: CSV and Parquet parsing, and every bad-input path."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.errors import InputError
from data.io.read import input_sha256, read_inventory

NODES = "node,memory_mb,logical_processors\nhv1,65536,16\nhv2,65536,16\n"
VMS = "vm,memory_mb,vcpus\nweb1,4096,2\nweb2,8192,4\n"

Writer = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Writes files (text or bytes) into tmp_path/inv; nodes and vms default to a tiny fleet."""

    def write_files(**files: str | bytes | None) -> Path:
        directory = tmp_path / "inv"
        directory.mkdir(exist_ok=True)
        contents = {"nodes.csv": NODES, "vms.csv": VMS}
        contents.update({name.replace("_", "."): data for name, data in files.items()})
        for name, data in contents.items():
            if data is not None:
                raw = data.encode("utf-8") if isinstance(data, str) else data
                (directory / name).write_bytes(raw)
        return directory

    return write_files


def error_of(directory: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_inventory(directory)
    return str(caught.value)


def test_read_inventory_csv_applies_defaults(write: Writer) -> None:
    inventory, warnings = read_inventory(write())
    assert warnings == []
    assert inventory.node_names == ("hv1", "hv2")
    assert inventory.node_reserve_mb.tolist() == [2048, 2048]
    assert inventory.node_vcpu_per_lp.tolist() == [8.0, 8.0]
    assert inventory.node_vlan.tolist() == [True, True]
    assert inventory.clusters == ("cluster",)
    assert inventory.vm_names == ("web1", "web2")
    assert inventory.vm_memory_mb.tolist() == [4096, 8192]
    assert inventory.vm_disk_gb.tolist() == [0.0, 0.0]
    assert inventory.vm_vlan.tolist() == [False, False]
    assert inventory.vm_node.tolist() == [-1, -1]
    assert inventory.lun_names == ("web1", "web2")  # one LUN per VM, named after it
    assert not inventory.has_lun_table


def test_read_inventory_parquet_equals_csv(write: Writer, tmp_path: Path) -> None:
    from_csv, _ = read_inventory(write())
    directory = tmp_path / "pq"
    directory.mkdir()
    nodes = {"node": ["hv1", "hv2"], "memory_mb": [65536, 65536], "logical_processors": [16, 16]}
    vms = {"vm": ["web1", "web2"], "memory_mb": [4096, 8192], "vcpus": ["2", "4"]}
    pq.write_table(pa.table(nodes), directory / "nodes.parquet")
    pq.write_table(pa.table(vms), directory / "vms.parquet")
    from_parquet, warnings = read_inventory(directory)
    assert warnings == []
    assert from_parquet.equals(from_csv)


def test_read_inventory_parquet_nulls_take_defaults(tmp_path: Path) -> None:
    nodes = {"node": ["hv1"], "memory_mb": [65536], "logical_processors": [16]}
    nodes |= {"reserve_mb": pa.array([None], pa.int64()), "vlan": pa.array([None], pa.bool_())}
    vms = {"vm": ["db1"], "memory_mb": [4096.0], "vcpus": [2], "vlan": [True], "lun": [None]}
    pq.write_table(pa.table(nodes), tmp_path / "nodes.parquet")
    pq.write_table(pa.table(vms), tmp_path / "vms.parquet")
    inventory, _ = read_inventory(tmp_path)
    assert inventory.node_reserve_mb.tolist() == [2048]
    assert inventory.node_vlan.tolist() == [True]
    assert inventory.vm_memory_mb.tolist() == [4096]
    assert inventory.vm_vlan.tolist() == [True]
    assert inventory.lun_names == ("db1",)


def test_read_inventory_booleans_in_any_case(write: Writer) -> None:
    vms = "vm,memory_mb,vcpus,vlan\n" + "".join(
        f"v{i},1024,1,{word}\n" for i, word in enumerate(["TRUE", "Yes", "1", "false", "NO", "0"])
    )
    inventory, _ = read_inventory(write(vms_csv=vms))
    assert inventory.vm_vlan.tolist() == [True, True, True, False, False, False]


def test_read_inventory_resource_columns(write: Writer) -> None:
    nodes = "node,memory_mb,logical_processors,res_iops\nhv1,65536,16,20000\nhv2,65536,16,9000\n"
    vms = "vm,memory_mb,vcpus,res_iops\nweb1,4096,2,1500\nweb2,4096,2,\n"
    inventory, warnings = read_inventory(write(nodes_csv=nodes, vms_csv=vms))
    assert warnings == []
    assert inventory.resource_names == ("iops",)
    assert inventory.node_resources.tolist() == [[20000], [9000]]
    assert inventory.vm_resources.tolist() == [[1500], [0]]  # an empty VM cell is 0


def test_read_inventory_warns_about_unused_and_unknown_columns(write: Writer) -> None:
    nodes = "node,memory_mb,logical_processors,res_iops\nhv1,65536,16,20000\n"
    vms = "vm,memory_mb,vcpus,owner\nweb1,4096,2,alice\n"
    inventory, warnings = read_inventory(write(nodes_csv=nodes, vms_csv=vms))
    assert warnings == [
        "nodes.csv: res_iops is unused (no VM column res_iops)",
        "vms.csv: unknown column 'owner' ignored",
    ]
    assert inventory.resource_names == ()


def test_read_inventory_strips_bom_and_header_blanks(write: Writer) -> None:
    vms = "\ufeffvm , memory_mb,vcpus\nweb1, 4096 ,2\n"
    inventory, warnings = read_inventory(write(vms_csv=vms))
    assert warnings == []
    assert inventory.vm_names == ("web1",)
    assert inventory.vm_memory_mb.tolist() == [4096]


def test_read_inventory_quoted_cells_and_crlf(write: Writer) -> None:
    vms = 'vm,memory_mb,vcpus,anti_affinity\r\n"web, east",4096,2,"dc;""x"""\r\n'
    inventory, _ = read_inventory(write(vms_csv=vms))
    assert inventory.vm_names == ("web, east",)
    assert inventory.class_names == ("dc", '"x"')


def test_read_inventory_header_only_vms_is_empty(write: Writer) -> None:
    inventory, _ = read_inventory(write(vms_csv="vm,memory_mb,vcpus\n"))
    assert inventory.n_vms == 0
    assert inventory.n_nodes == 2


def test_read_inventory_luns_table(write: Writer) -> None:
    luns = "lun,capacity_gb,shared,node\nLUN1,500,no,hv1\nCSV1,2048.5,Yes,\n"
    vms = "vm,memory_mb,vcpus,disk_gb,lun\nweb1,4096,2,40,LUN1\nweb2,4096,2,40,\n"
    inventory, _ = read_inventory(write(luns_csv=luns, vms_csv=vms))
    assert inventory.has_lun_table
    assert inventory.lun_names == ("LUN1", "CSV1")
    assert inventory.lun_capacity_gb.tolist() == [500.0, 2048.5]
    assert inventory.lun_shared.tolist() == [False, True]
    assert inventory.lun_node.tolist() == [0, -1]
    assert inventory.vm_lun.tolist() == [0, -1]  # -1: the planner chooses


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"nodes_csv": "node,memory_mb,logical_processors\n"},
            "nodes.csv: no nodes: the table has no rows",
        ),
        ({"vms_csv": ""}, "vms.csv: empty file; expected a header row"),
        ({"vms_csv": "\ufeff\n  \n"}, "vms.csv: empty file; expected a header row"),
        (
            {"vms_csv": "vm,vcpus,memory_mb,vcpus\nweb1,2,4096,2\n"},
            "vms.csv, vcpus: column 'vcpus' appears twice in the header",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\nweb1,4096,2\nweb2,4096,2,7\n"},
            "vms.csv row 2: expected 3 columns, got 4",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\nweb1,4096\n"},
            "vms.csv row 1: expected 3 columns, got 2",
        ),
        (
            {"vms_csv": 'vm,memory_mb,vcpus\nweb1,4096,"2\nweb2,4096,2\n'},
            "vms.csv row 1, vcpus: a quote opened here is never closed",
        ),
        (
            {"vms_csv": b"vm,memory_mb,vcpus\nweb1,4096,2\nw\xffb2,4096,2\n"},
            "vms.csv row 2, vm: is not UTF-8 text",
        ),
        (
            {"nodes_csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
            "nodes.csv: holds NUL bytes; expected CSV text",
        ),
        ({"nodes_csv": b"no\xefde,memory_mb\n"}, "nodes.csv: the header row is not UTF-8 text"),
        (
            {"nodes_csv": NODES.encode("utf-16-le")},
            "nodes.csv: looks like UTF-16 without a byte-order mark; save as UTF-8",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\nweb1,4096,2\nweb2,-512,2\n"},
            "vms.csv row 2, memory_mb: '-512' is not a positive integer",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\nweb1,4096,two\n"},
            "vms.csv row 1, vcpus: 'two' is not a positive integer",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus,vlan\nweb1,4096,2,maybe\n"},
            "vms.csv row 1, vlan: 'maybe' is not a boolean (true/false, 1/0, yes/no)",
        ),
        (
            {"vms_csv": "vm,memory_mb\nweb1,4096\n"},
            "vms.csv, vcpus: required column 'vcpus' is missing",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\n,4096,2\n"},
            "vms.csv row 1, vm: is empty; a value is required",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus\nweb1,4096,2\nweb1,1024,1\n"},
            "vms.csv row 2, vm: 'web1' repeats row 1",
        ),
        (
            {"vms_csv": "vm,memory_mb,vcpus,node\nweb1,4096,2,hv9\n"},
            "vms.csv row 1, node: node 'hv9' is not in nodes.csv",
        ),
        (
            {"nodes_csv": "node,memory_mb,logical_processors,reserve_mb\nhv1,4096,16,4096\n"},
            "nodes.csv row 1, reserve_mb: 4096 is not below memory_mb (4096)",
        ),
        (
            {
                "luns_csv": "lun,capacity_gb\nLUN1,100\n",
                "vms_csv": "vm,memory_mb,vcpus,lun\nweb1,4096,2,LUN2\n",
            },
            "vms.csv row 1, lun: LUN 'LUN2' is not in luns.csv",
        ),
    ],
)
def test_read_inventory_bad_csv_names_file_row_column(
    write: Writer, files: dict[str, str | bytes], message: str
) -> None:
    assert error_of(write(**files)) == message


def test_read_inventory_parquet_bad_value_names_row_and_column(tmp_path: Path) -> None:
    pq.write_table(
        pa.table({"node": ["hv1"], "memory_mb": [65536], "logical_processors": [8]}),
        tmp_path / "nodes.parquet",
    )
    pq.write_table(
        pa.table({"vm": ["a", "b"], "memory_mb": [1024, -512], "vcpus": [1, 1]}),
        tmp_path / "vms.parquet",
    )
    assert error_of(tmp_path) == "vms.parquet row 2, memory_mb: '-512' is not a positive integer"


def test_read_inventory_parquet_duplicate_columns(write: Writer) -> None:
    directory = write(vms_csv=None)
    columns = [pa.array(["a"]), pa.array([1024]), pa.array([1]), pa.array([2])]
    duplicated = pa.Table.from_arrays(columns, names=["vm", "memory_mb", "vcpus", "vcpus"])
    pq.write_table(duplicated, directory / "vms.parquet")
    assert error_of(directory) == "vms.parquet, vcpus: column 'vcpus' appears twice in the header"


def test_read_inventory_unreadable_parquet(write: Writer) -> None:
    directory = write(vms_csv=None, vms_parquet=b"vm,memory_mb,vcpus\nweb1,4096,2\n")
    assert error_of(directory).startswith("vms.parquet: cannot read as Parquet: ")
    assert "magic bytes" in error_of(directory)


def test_read_inventory_both_formats_for_one_table(write: Writer) -> None:
    directory = write(vms_parquet=b"PAR1")
    assert (
        error_of(directory) == f"inventory {directory} has both vms.csv and vms.parquet; keep one"
    )


def test_read_inventory_missing_tables_and_directory(write: Writer, tmp_path: Path) -> None:
    assert (
        error_of(write(nodes_csv=None))
        == f"inventory {tmp_path / 'inv'} has no nodes.csv or nodes.parquet"
    )
    (tmp_path / "inv" / "nodes.csv").write_text(NODES)
    (tmp_path / "inv" / "vms.csv").unlink()
    assert (
        error_of(tmp_path / "inv") == f"inventory {tmp_path / 'inv'} has no vms.csv or vms.parquet"
    )
    assert error_of(tmp_path / "nowhere") == f"inventory {tmp_path / 'nowhere'} does not exist"
    assert (
        error_of(tmp_path / "inv" / "nodes.csv")
        == f"inventory {tmp_path / 'inv' / 'nodes.csv'} is not a directory"
    )


def test_read_inventory_table_that_is_a_directory(write: Writer) -> None:
    directory = write(vms_csv=None)
    (directory / "vms.csv").mkdir()
    assert error_of(directory) == "vms.csv: is not a file"


def test_input_sha256_hashes_table_names_and_bytes_in_name_order(write: Writer) -> None:
    directory = write(luns_csv="lun,capacity_gb\nL1,10\n", notes_txt="not an input")
    expected = hashlib.sha256()
    for name in ("luns.csv", "nodes.csv", "vms.csv"):
        expected.update(name.encode() + b"\0" + (directory / name).read_bytes() + b"\0")
    assert input_sha256(directory) == expected.hexdigest()


def test_input_sha256_changes_with_a_byte_or_a_name(write: Writer) -> None:
    directory = write()
    before = input_sha256(directory)
    (directory / "notes.txt").write_text("ignored")
    assert input_sha256(directory) == before
    (directory / "vms.csv").write_text(VMS.replace("4096", "4097"))
    changed = input_sha256(directory)
    assert changed != before
    (directory / "vms.csv").rename(directory / "vms.parquet")
    assert input_sha256(directory) not in (before, changed)
