"""The bad-input corpus (tests/corpus/bad-input): every case gives its exit code and
exactly its one stderr line, with no traceback, and writes nothing. Under --strict that is
every case; an export's oddity (a case with a `tolerant` file) imports without it, and
the import report says what was done."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[1] / "corpus" / "bad-input"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def expected(case: str) -> tuple[int, str]:
    code, line = (CORPUS / case / "expected").read_text(encoding="utf-8").split("\n")[:2]
    return int(code), line


def tolerated(case: str) -> list[str] | None:
    """The report lines an oddity's import must print without --strict, or None."""
    path = CORPUS / case / "tolerant"
    if not path.exists():
        return None
    code, *lines = path.read_text(encoding="utf-8").splitlines()
    assert code == "0" and lines, case
    return lines


STRICTNESS = [pytest.param(True, id="strict"), pytest.param(False, id="tolerant")]


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


@pytest.mark.parametrize("strict", STRICTNESS)
@pytest.mark.parametrize("case", CASES)
def test_plan_on_bad_input_exits_with_one_line_and_writes_nothing(
    run, tmp_path: Path, case: str, strict: bool
) -> None:
    code, line = expected(case)
    out = tmp_path / "plan"
    flags = ["--strict"] if strict else []
    if not strict and tolerated(case) is not None:
        pytest.skip("an oddity: test_import_of_an_oddity_carries_on_and_reports_it plans it")
    result = run(
        "plan", *sources(case), "--out", out, "--workers", "1", "--time-limit", "5", *flags
    )
    assert result.exit_code == code, result.stderr
    assert _error_lines(result.stderr) == [f"hvplace: {line}"]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("strict", STRICTNESS)
@pytest.mark.parametrize("case", CASES)
def test_import_on_bad_input_exits_with_one_line_and_writes_nothing(
    run, tmp_path: Path, case: str, strict: bool
) -> None:
    code, line = expected(case)
    out = tmp_path / "inv"
    if not strict and tolerated(case) is not None:
        pytest.skip("an oddity: test_import_of_an_oddity_carries_on_and_reports_it")
    result = run("import", *sources(case), "--out", out, *(["--strict"] if strict else []))
    if code == 1:  # the data is valid; only planning finds that no plan can exist
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == code, result.stderr
    assert _error_lines(result.stderr) == [f"hvplace: {line}"]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


ODDITIES = [case for case in CASES if tolerated(case) is not None]


def test_the_corpus_has_oddities_of_every_export_format() -> None:
    for fmt in ("hyperv-", "rvtools-", "azure-migrate-"):
        assert sum(case.startswith(fmt) for case in ODDITIES) >= 2, fmt


@pytest.mark.parametrize("case", ODDITIES)
def test_import_of_an_oddity_carries_on_and_reports_it(run, tmp_path: Path, case: str) -> None:
    result = run("import", *sources(case), "--out", tmp_path / "inv")
    assert result.exit_code == 0, result.stderr
    report = " ".join(result.stdout.split())  # the console may wrap a long line
    for line in tolerated(case) or []:
        assert " ".join(line.split()) in report, line
    planned = run("plan", *sources(case), "--workers", "1", "--time-limit", "5")
    assert planned.exit_code in (0, 1), planned.stderr  # read; whether it fits is the plan's
    assert planned.exception is None or isinstance(planned.exception, SystemExit)


def _error_lines(stderr: str) -> list[str]:
    """stderr without the informational lines an import prints before failing."""
    return [s for s in stderr.splitlines() if s and not s.startswith("hvplace: imported ")]
