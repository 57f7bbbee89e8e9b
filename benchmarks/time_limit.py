"""Does `--time-limit T` bound the whole `hvplace plan` command at every size (issue 9)?

    python benchmarks/time_limit.py [--cache DIR] [--only LABEL] [--limits 5,20]

Each row is one whole command, `hvplace plan INV --out P --time-limit T --timings`,
in its own process under a 3 GiB address-space cap: wall from before the spawn to
after it exits, peak RSS from os.wait4 (that process and its children alone). The
promise is wall <= 1.1 T + start-up, where start-up = the wall of the same command
on a one-node, one-VM inventory (Python, typer, OR-Tools loading) plus the command's
own read, certify (the checker on every failure set), write and show seconds (from
--timings); the solve part alone must obey 1.1 T (`solve_ok`). The trivial command is
run again before each row, so start-up is measured at the load of its row.
Inventories are generated once into --cache (`hvplace generate`, untimed: at 64
nodes N+3 the witness takes ~10 min).
The k = 3 rows on 64 nodes also time `hvplace check` on the plan written.

Measured 2026-12-01 15:50-16:04 UTC (uptime load average 4.1 at the start, 7.5 at
the end; 2 cores shared with 5 other engineers), at commit 0f94a53 (the k = 3 large
path speed-up, before the spent-budget and problem-build fixes), columns wall, solve
(the --timings solve lap, which then still held OR-Tools' import, ~1.5 s), start-up
(trivial command 2.8 s + read/certify/write), without the per-row trivial run and the
solve_ok column:

| size | k | objective | T | wall | solve | startup | rss_mb | status | exit | ok |
|---|---|---|---|---|---|---|---|---|---|---|
| 8/100 | 1 | balance | 5 | 8.2 | 5.8 | 2.9 | 216 | feasible | 0 | True |
| 8/100 | 1 | balance | 20 | 21.6 | 19.4 | 2.9 | 219 | optimal | 0 | True |
| 8/100 | 1 | nodes | 5 | 8.7 | 6.1 | 2.9 | 208 | optimal | 0 | False |
| 8/100 | 1 | nodes | 20 | 24.1 | 21.5 | 2.9 | 224 | optimal | 0 | True |
| 8/100 | 2 | balance | 5 | 9.1 | 6.6 | 2.9 | 223 | feasible | 0 | False |
| 8/100 | 2 | balance | 20 | 21.4 | 18.6 | 3.0 | 244 | feasible | 0 | True |
| 8/100 | 2 | nodes | 5 | 5.5 | 2.6 | 3.0 | 180 | optimal | 0 | True |
| 8/100 | 2 | nodes | 20 | 25.4 | 22.1 | 3.0 | 254 | optimal | 0 | False |
| 8/100 | 3 | balance | 5 | 4.6 | 1.8 | 3.0 | 166 | feasible | 0 | True |
| 8/100 | 3 | balance | 20 | 25.6 | 22.7 | 3.0 | 292 | feasible | 0 | False |
| 8/100 | 3 | nodes | 5 | 4.8 | 1.6 | 3.1 | 166 | optimal | 0 | True |
| 8/100 | 3 | nodes | 20 | 4.8 | 1.6 | 3.0 | 166 | optimal | 0 | True |
| 16/1000 | 1 | balance | 5 | 5.7 | 2.0 | 3.3 | 169 | optimal | 0 | True |
| 16/1000 | 1 | balance | 20 | 5.2 | 1.9 | 3.3 | 172 | optimal | 0 | True |
| 16/1000 | 1 | nodes | 5 | 4.6 | 1.6 | 3.3 | 169 | optimal | 0 | True |
| 16/1000 | 1 | nodes | 20 | 5.0 | 1.8 | 3.3 | 172 | optimal | 0 | True |
| 16/1000 | 2 | balance | 5 | 10.5 | 2.3 | 6.2 | 170 | feasible | 0 | True |
| 16/1000 | 2 | balance | 20 | 5.1 | 0.7 | 4.3 | 171 | feasible | 0 | True |
| 16/1000 | 2 | nodes | 5 | 4.4 | 0.7 | 4.3 | 175 | optimal | 0 | True |
| 16/1000 | 2 | nodes | 20 | 4.9 | 0.9 | 4.5 | 175 | optimal | 0 | True |
| 16/1000 | 3 | balance | 5 | 7.1 | 1.4 | 5.6 | 170 | feasible | 0 | True |
| 16/1000 | 3 | balance | 20 | 7.1 | 1.6 | 5.4 | 170 | feasible | 0 | True |
| 16/1000 | 3 | nodes | 5 | 8.5 | 3.3 | 5.3 | 172 | optimal | 0 | True |
| 16/1000 | 3 | nodes | 20 | 7.3 | 2.9 | 5.0 | 176 | optimal | 0 | True |
| 64/8000 | 1 | balance | 5 | 12.2 | 5.0 | 7.6 | 225 | optimal | 0 | True |
| 64/8000 | 1 | balance | 20 | 11.8 | 4.5 | 7.6 | 216 | optimal | 0 | True |
| 64/8000 | 1 | nodes | 5 | 13.4 | 5.4 | 8.1 | 220 | optimal | 0 | True |
| 64/8000 | 1 | nodes | 20 | 12.5 | 4.4 | 8.3 | 220 | optimal | 0 | True |
| 64/8000 | 2 | balance | 5 | 13.6 | nan | 2.8 | 198 | - | 3 | False |
| 64/8000 | 2 | balance | 20 | 38.3 | 10.2 | 27.8 | 229 | optimal | 0 | True |
| 64/8000 | 2 | nodes | 5 | 12.4 | nan | 2.8 | 207 | - | 3 | False |
| 64/8000 | 2 | nodes | 20 | 44.8 | 16.2 | 25.6 | 223 | optimal | 0 | True |

157 x 64 nodes x 200 VMs, N+1, balance, T = 20 (16:13-16:21, load 9-10, with the
per-row start-up): wall 448.6 s, solve 59.5 s, start-up 387.7 s (the plan was
written at 16:17; the per-node table, `show`, took the last ~4 min), RSS 372 MiB,
feasible, exit 0. solve() alone in one process on the same fleet (16:23, load 4.6,
the default pool of 2): 20.7 s, every cluster <= 0.58 s. The 1,000-cluster fleet
was not reached (the sweep was stopped at load 10: a trivial command took 15-31 s). 64 nodes,
8,000 VMs, N+3, balance, T = 5 (the row --hard runs; before the spent-budget fix):
solve 41 s (the large path's untimed try once its budget was spent), certify ~6.5 min
(the checker on 43,745 failure sets), then the per-node table (show) > 6 min, killed.
`hvplace check` on that plan (16:07-16:20, load 5-10): 795.7 s, RSS 154 MiB, exit 0.
The large path alone on that cluster: 6-9 s CPU (was 9-12 s), RSS 217 MiB. 64/8000,
N+2, balance, T = 5 once more after the fixes (load 7.5): exit 3, laps read 1.55,
import 2.57, solve 6.00, show 1.35, wall 16.7 s (the large path needs ~7 s CPU there).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HVPLACE = str(Path(sys.executable).with_name("hvplace"))
MEMORY_CAP = 3 << 30  # bytes of address space per command
SLACK = 1.1


@dataclass(frozen=True)
class Case:
    label: str
    clusters: int
    nodes: int
    vms: int  # per cluster
    k: int
    objectives: tuple[str, ...]
    limits: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"{self.clusters}x{self.nodes}x{self.vms}_k{self.k}"


BOTH = ("balance", "nodes")
CASES = [
    *(Case("8/100", 1, 8, 100, k, BOTH, (5, 20)) for k in (1, 2, 3)),
    *(Case("16/1000", 1, 16, 1000, k, BOTH, (5, 20)) for k in (1, 2, 3)),
    *(Case("64/8000", 1, 64, 8000, k, BOTH, (5, 20)) for k in (1, 2)),
    Case("64/8000", 1, 64, 8000, 2, ("nodes",), (60,)),
    Case("64/500", 1, 64, 500, 2, BOTH, (5, 20)),
    Case("157x64/200", 157, 64, 200, 1, BOTH, (20,)),
    Case("1000x8/100", 1000, 8, 100, 1, ("balance",), (20, 60)),
]
# with --hard: certifying a plan on C(64, 3) = 41,664 failure sets takes the checker
# 20-60 s (data/check), and `hvplace check` as long again, per row
HARD = [Case("64/8000", 1, 64, 8000, 3, BOTH, (5, 20))]
TRIVIAL = Case("trivial", 1, 1, 1, 0, ("balance",), (5,))


def inventory(case: Case, cache: Path) -> Path:
    """The case's inventory, generated on first use."""
    path = cache / case.name
    if not path.exists():
        command = [HVPLACE, "generate", "-o", str(path), "--clusters", str(case.clusters)]
        command += ["--nodes", str(case.nodes), "--vms", str(case.vms)]
        subprocess.run([*command, "--failures", str(case.k)], check=True, capture_output=True)
    return path


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def timed(command: list[str]) -> tuple[int, float, int, str]:
    """(exit code, wall seconds, peak RSS MiB, stderr) of one command."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_capped
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    return process.returncode, wall, usage.ru_maxrss // 1024, text


def laps(stderr: str) -> dict[str, float]:
    """The --timings line: phase -> seconds."""
    found = re.search(r"hvplace: seconds (.*)", stderr)
    words = found.group(1).split() if found else []
    return {words[i]: float(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def run(case: Case, objective: str, limit: float, cache: Path, base: float | None = None) -> dict:
    """One plan command measured. Start-up counts the trivial command's wall, measured
    just before (`base` given: that instead), as the machine's load then makes it."""
    if base is None:
        base = run(TRIVIAL, "balance", 5, cache, 0.0)["wall"]
    out = Path(tempfile.mkdtemp(prefix="tl-")) / "plan"
    command = [HVPLACE, "plan", str(inventory(case, cache)), "--out", str(out)]
    command += ["--failures", str(case.k), "--objective", objective]
    command += ["--time-limit", str(limit), "--timings", "--quiet", "--format", "json"]
    code, wall, rss, err = timed(command)
    phases = laps(err)
    rest = sum(s for name, s in phases.items() if name not in ("solve", "import"))
    status = "-"
    if (out / "plan.json").exists():
        status = json.loads((out / "plan.json").read_text())["status"]
    row = {
        "size": case.label,
        "k": case.k,
        "objective": objective,
        "T": limit,
        "wall": round(wall, 1),
        "solve": round(phases.get("solve", float("nan")), 1),
        "startup": round(base + rest, 1),
        "rss_mb": rss,
        "status": status,
        "exit": code,
        "ok": wall <= SLACK * limit + base + rest,
        "solve_ok": phases.get("solve", float("inf")) <= SLACK * limit,
        "check_s": None,
        "laps": " ".join(f"{name}={sec:g}" for name, sec in phases.items()),
    }
    if case.k >= 3 and case.nodes >= 64 and status != "-":
        check = [HVPLACE, "check", str(inventory(case, cache)), str(out)]
        row["check_s"] = round(timed([*check, "--failures", str(case.k)])[1], 1)
    if code != 0 and status == "-":
        row["error"] = err.strip().splitlines()[-1:] if err.strip() else []
    shutil.rmtree(out.parent, ignore_errors=True)
    return row


COLUMNS = ["size", "k", "objective", "T", "wall", "solve", "startup", "rss_mb", "status"]
COLUMNS += ["exit", "ok", "solve_ok", "check_s", "laps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir(), "hvplace-sweep"))
    parser.add_argument("--only", action="append", help="run only these size labels")
    parser.add_argument("--limits", help="only these T, comma-separated")
    parser.add_argument("--hard", action="store_true", help="also 64 nodes at N+3")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    print("| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS), flush=True)
    wanted = {float(t) for t in args.limits.split(",")} if args.limits else None
    for case in CASES + (HARD if args.hard else []):
        if args.only and case.label not in args.only:
            continue
        for objective in case.objectives:
            for limit in case.limits:
                if wanted is None or limit in wanted:
                    row = run(case, objective, limit, args.cache)
                    print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |", flush=True)
                    if "error" in row:
                        print(f"  error: {row['error']}", flush=True)
    print(f"uptime at the end: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
