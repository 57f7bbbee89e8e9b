"""Hyper-V paths as LUNs, type names Export-Csv writes for collections, and which tables
the importer takes as its own (and which it leaves to other formats)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.imports.common import DiskMeasure, ImportOptions
from data.imports.hyperv.rows import is_type_name
from data.imports.hyperv.tables import KINDS
from data.imports.hyperv.volumes import Volume, volume_of, volumes_of
from data.imports.load import build_imported, import_sources
from data.imports.sources import source_tables
from data.io.build import RawTable

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hyperv"


@pytest.mark.parametrize(
    ("path", "volume"),
    [
        (r"C:\ClusterStorage\Volume1\DC01\DC01.vhdx", Volume("Volume1", shared=True)),
        (r"c:\clusterstorage\SQL-Data\x.vhdx", Volume("SQL-Data", shared=True)),
        (r"\\fs01\vms$\web\web.vhdx", Volume(r"\\fs01\vms$", shared=True)),
        (r"\\?\UNC\fs01\vms\web.vhdx", Volume(r"\\fs01\vms", shared=True)),
        (r"E:\SQL01\Virtual Hard Disks\a.vhdx", Volume("E:", shared=False)),
        (r"e:\a.vhdx", Volume("E:", shared=False)),
        (r"C:\Hyper-V\LOCAL01\a.vhdx", Volume("HV03:C:", shared=False, local=True)),
        (r"C:\ClusterStorage\Volume2", Volume("Volume2", shared=True)),  # FriendlyVolumeName
        ("Disk 5 500.00 GB Bus 0 Lun 3 Target 0", None),  # a pass-through disk
        ("", None),
    ],
)
def test_hyperv_volume_of_a_path(path: str, volume: Volume | None) -> None:
    assert volume_of(path, "hv03.contoso.local", clustered=True) == volume


def test_hyperv_any_drive_of_a_vm_not_clustered_is_local() -> None:
    assert volume_of(r"D:\VMs\a.vhdx", "HV02", clustered=False) == Volume(
        "HV02:D:", shared=False, local=True
    )
    assert volume_of(r"D:\VMs\a.vhdx", "HV02", clustered=None) == Volume("D:", shared=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("System.Collections.Specialized.StringCollection", True),
        ("System.String[]", True),
        ("System.Object[]", True),
        ("System.Collections.Generic.List`1[System.String]", True),
        ("SQL;Web", False),
        ("System.Critical", False),  # a class an admin may well name so
        ("DomainControllers", False),
    ],
)
def test_hyperv_is_type_name(value: str, expected: bool) -> None:
    assert is_type_name(value) is expected


EXPECTED_KINDS = {
    "get-vm.csv": "vm",
    "get-vmhost.csv": "vmhost",
    "get-clusternode.csv": "clusternode",
    "get-clustergroup.csv": "clustergroup",
    "get-vmharddiskdrive.csv": "harddisk",
    "get-vhd.csv": "vhd",
    "get-clustersharedvolume.csv": "sharedvolume",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_KINDS))
def test_hyperv_each_export_matches_exactly_its_own_kind(name: str) -> None:
    (table,) = source_tables(FIXTURES / name)
    assert {k.name for k in KINDS if k.matches(table)} == {EXPECTED_KINDS[name]}


@pytest.mark.parametrize(
    "columns",
    [
        ("node", "memory_mb", "logical_processors", "reserve_mb", "cluster"),
        ("vm", "memory_mb", "vcpus", "disk_gb", "lun", "node", "anti_affinity", "cluster"),
        ("lun", "capacity_gb", "shared", "cluster", "node"),
        ("VM", "Powerstate", "Template", "CPUs", "Memory", "Host", "Cluster", "Path", "VM ID"),
        ("Host", "Cluster", "# CPU", "# Cores", "# Memory", "Model"),
        ("Name", "Capacity MiB", "Provisioned MiB", "In Use MiB", "Free MiB", "Type"),
        ("*Server Name", "*Cores", "*Memory (In MB)", "*OS Name", "Number of disks"),
    ],
    ids=["nodes", "vms", "luns", "vinfo", "vhost", "vdatastore", "azure-migrate"],
)
def test_hyperv_leaves_other_formats_tables_alone(columns: tuple[str, ...]) -> None:
    table = RawTable("x.csv", columns, [])
    assert [k.name for k in KINDS if k.matches(table)] == []


def test_hyperv_vm_on_an_smb_share_is_on_a_shared_lun(tmp_path: Path) -> None:
    directory = tmp_path / "exports"
    shutil.copytree(FIXTURES, directory)
    for name in ("get-vm.csv", "get-vmharddiskdrive.csv", "get-vhd.csv"):
        path = directory / name
        path.write_text(
            path.read_text().replace(r"C:\ClusterStorage\Volume1\WEB01", r"\\fs01\vms\WEB01")
        )
    provisioned = ImportOptions(disk=DiskMeasure.PROVISIONED)  # the 40 GiB it may grow to
    inv = build_imported(import_sources([directory], None, provisioned))
    web01 = inv.vm_names.index("WEB01")
    lun = int(inv.vm_lun[web01])
    assert inv.lun_names[lun] == r"\\fs01\vms" and inv.lun_shared[lun]
    assert inv.lun_capacity_gb[lun] == 40 and inv.lun_node[lun] == -1


PATH_PART = st.sampled_from(
    [
        *"\\:CcEe?. abXZ\r\n\t",
        "ClusterStorage",
        "clusterSTORAGE",
        "Volume1",
        "UNC",
        "\u017f",  # long s: case-folds to "s"
        "\xa0",
        "\x1c",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(PATH_PART, max_size=8).map("".join),
            st.sampled_from(["HV01.corp", "", "hv02"]),
            st.sampled_from([None, True, False]),
        ),
        max_size=5,
    )
)
def test_volumes_of_is_volume_of_of_each(paths: list[tuple[str, str, bool | None]]) -> None:
    found = volumes_of([p for p, _, _ in paths], [h for _, h, _ in paths], [c for *_, c in paths])
    assert found == [volume_of(path, host, clustered) for path, host, clustered in paths]


REAL_PATH = st.sampled_from(
    [
        "C:\\ClusterStorage\\Volume1\\a.vhdx",
        "c:\\clusterstorage\\VOLUME2\\b",
        "\\\\fs01\\vms\\c.vhdx",
        "\\\\?\\UNC\\fs02\\vms\\d",
        "\\\\.\\E:\\x",
        "E:\\SQL01",
        "e:\\sql02",
        "C:\\Hyper-V\\LOCAL01",
        "D:\\ClusterStorage",
        "Disk 5 500.00 GB Bus 0 Lun 3 Target 0",
        "",
        " F:\\APP01 ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            REAL_PATH,
            st.sampled_from(["HV01.corp", "", "hv02", "HV02"]),
            st.sampled_from([None, True, False]),
        ),
        max_size=40,
    )
)
def test_volumes_of_real_shapes_is_volume_of_of_each(
    paths: list[tuple[str, str, bool | None]],
) -> None:
    """Many paths of each shape at once: each read by its own kernel, and put back in place."""
    found = volumes_of([p for p, _, _ in paths], [h for _, h, _ in paths], [c for *_, c in paths])
    assert found == [volume_of(path, host, clustered) for path, host, clustered in paths]
