"""The bad-input corpus (tests/corpus/bad-input): every case gives its exit code and
exactly its one stderr line, with no traceback, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[1] / "corpus" / "bad-input"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def expected(case: str) -> tuple[int, str]:
    code, line = (CORPUS / case / "expected").read_text(encoding="utf-8").split("\n")[:2]
    return int(code), line


def sources(case: str) -> list[Path]:
    """The case's input directory, or its files one by one when they are exports."""
    directory = CORPUS / case / "input"
    files = sorted(directory.iterdir())
    canonical = {"nodes.csv", "vms.csv", "luns.csv", "nodes.parquet", "vms.parquet"}
    return [directory] if {f.name for f in files} <= canonical else files


def test_the_corpus_has_a_case_for_every_kind_of_bad_input() -> None:
    kinds = (
        "empty",
        "truncated",
        "delimiter",
        "encoding",
        "binary",
        "duplicate",
        "negative",
        "nan",
        "huge",
        "unknown-node",
        "unknown-lun",
        "missing-column",
        "larger-than",
    )
    for kind in kinds:
        assert any(kind in case for case in CASES), kind
    for fmt in ("hyperv-", "rvtools-", "azure-migrate-"):
        assert sum(case.startswith(fmt) for case in CASES) >= 3, fmt


@pytest.mark.parametrize("case", CASES)
def test_plan_on_bad_input_exits_with_one_line_and_writes_nothing(
    run, tmp_path: Path, case: str
) -> None:
    code, line = expected(case)
    out = tmp_path / "plan"
    result = run("plan", *sources(case), "--out", out, "--workers", "1", "--time-limit", "5")
    assert result.exit_code == code, result.stderr
    assert _error_lines(result.stderr) == [f"hvplace: {line}"]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", CASES)
def test_import_on_bad_input_exits_with_one_line_and_writes_nothing(
    run, tmp_path: Path, case: str
) -> None:
    code, line = expected(case)
    out = tmp_path / "inv"
    result = run("import", *sources(case), "--out", out)
    if code == 1:  # the data is valid; only planning finds that no plan can exist
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == code, result.stderr
    assert _error_lines(result.stderr) == [f"hvplace: {line}"]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _error_lines(stderr: str) -> list[str]:
    """stderr without the informational lines an import prints before failing."""
    return [s for s in stderr.splitlines() if s and not s.startswith("hvplace: imported ")]
