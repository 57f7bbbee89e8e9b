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

Measured 2026-12-01 18:43-19:07 UTC (python benchmarks/time_limit.py; uptime load
average 5.7 at the start, 8-10 from 19:00; 2 cores shared with 5 other engineers, a
trivial command took 2-15 s), at commits 690971b-72629a7 of branch timelimit (the quick
first plan and the subset-table per-node figures in; the first-fit speed-up landed
during the 8/100 rows). Every plan certified (status is plan.json's). solve = the
--timings solve lap, startup = trivial command + read/certify/write/show:

| size | k | objective | T | wall | solve | startup | rss_mb | status | exit | ok | solve_ok |
|---|---|---|---|---|---|---|---|---|---|---|---|
| 8/100 | 1 | balance | 5 | 14.6 | 5.3 | 11.4 | 203 | optimal | 0 | True | True |
| 8/100 | 1 | balance | 20 | 25.2 | 19.7 | 7.1 | 227 | optimal | 0 | True | True |
| 8/100 | 1 | nodes | 5 | 14.0 | 5.3 | 8.8 | 195 | optimal | 0 | True | True |
| 8/100 | 1 | nodes | 20 | 29.1 | 21.0 | 9.2 | 231 | optimal | 0 | True | True |
| 8/100 | 2 | balance | 5 | 13.1 | 6.0 | 9.1 | 203 | feasible | 0 | True | False |
| 8/100 | 2 | balance | 20 | 21.2 | 16.9 | 7.7 | 251 | feasible | 0 | True | True |
| 8/100 | 2 | nodes | 5 | 2.5 | 0.7 | 2.1 | 182 | optimal | 0 | True | True |
| 8/100 | 2 | nodes | 20 | 19.5 | 15.2 | 2.8 | 257 | optimal | 0 | True | True |
| 8/100 | 3 | balance | 5 | 3.7 | 0.4 | 5.5 | 171 | feasible | 0 | True | True |
| 8/100 | 3 | balance | 20 | 32.7 | 22.2 | 10.0 | 288 | feasible | 0 | False | False |
| 8/100 | 3 | nodes | 5 | 6.9 | 0.5 | 9.1 | 169 | optimal | 0 | True | True |
| 8/100 | 3 | nodes | 20 | 9.8 | 1.1 | 9.3 | 169 | optimal | 0 | True | True |
| 16/1000 | 1 | balance | 5 | 8.8 | 1.2 | 10.8 | 174 | optimal | 0 | True | True |
| 16/1000 | 1 | balance | 20 | 9.0 | 1.4 | 10.7 | 173 | optimal | 0 | True | True |
| 16/1000 | 1 | nodes | 5 | 9.4 | 1.2 | 9.6 | 174 | optimal | 0 | True | True |
| 16/1000 | 1 | nodes | 20 | 10.7 | 1.8 | 9.4 | 171 | optimal | 0 | True | True |
| 16/1000 | 2 | balance | 5 | 9.2 | 1.6 | 10.5 | 174 | feasible | 0 | True | True |
| 16/1000 | 2 | balance | 20 | 11.9 | 2.3 | 10.6 | 172 | feasible | 0 | True | True |
| 16/1000 | 2 | nodes | 5 | 12.1 | 2.6 | 10.6 | 173 | optimal | 0 | True | True |
| 16/1000 | 2 | nodes | 20 | 9.5 | 1.6 | 9.2 | 175 | optimal | 0 | True | True |
| 16/1000 | 3 | balance | 5 | 7.7 | 1.9 | 7.4 | 173 | feasible | 0 | True | True |
| 16/1000 | 3 | balance | 20 | 10.7 | 2.4 | 8.5 | 176 | feasible | 0 | True | True |
| 16/1000 | 3 | nodes | 5 | 16.0 | 6.4 | 12.3 | 177 | optimal | 0 | True | False |
| 16/1000 | 3 | nodes | 20 | 15.5 | 6.5 | 10.7 | 177 | optimal | 0 | True | True |
| 64/8000 | 1 | balance | 5 | 18.3 | 6.0 | 15.6 | 222 | feasible | 0 | True | False |
| 64/8000 | 1 | balance | 20 | 11.9 | 5.3 | 7.3 | 246 | optimal | 0 | True | True |
| 64/8000 | 1 | nodes | 5 | 15.5 | 6.3 | 8.8 | 234 | feasible | 0 | False | False |
| 64/8000 | 1 | nodes | 20 | 19.2 | 8.7 | 11.0 | 236 | optimal | 0 | True | True |
| 64/8000 | 2 | balance | 5 | 19.8 | 5.6 | 12.7 | 240 | feasible | 0 | False | False |
| 64/8000 | 2 | balance | 20 | 34.7 | 16.1 | 19.0 | 232 | optimal | 0 | True | True |
| 64/8000 | 2 | nodes | 5 | 27.9 | 8.1 | 21.1 | 241 | feasible | 0 | False | False |
| 64/8000 | 2 | nodes | 20 | 34.0 | 19.1 | 17.7 | 242 | optimal | 0 | True | True |
| 64/8000 | 2 | nodes | 60 | 35.1 | 17.0 | 17.9 | 240 | optimal | 0 | True | True |
| 64/500 | 2 | balance | 5 | 14.3 | 1.7 | 12.7 | 178 | feasible | 0 | True | True |
| 64/500 | 2 | balance | 20 | 15.6 | 2.1 | 14.7 | 178 | feasible | 0 | True | True |
| 64/500 | 2 | nodes | 5 | 15.6 | 0.9 | 17.1 | 177 | optimal | 0 | True | True |
| 64/500 | 2 | nodes | 20 | 13.8 | 1.2 | 13.6 | 178 | optimal | 0 | True | True |
| 157x64/200 | 1 | balance | 20 | 89.5 | 31.4 | 60.2 | 389 | feasible | 0 | False | False |
| 157x64/200 | 1 | nodes | 20 | 109.7 | 50.9 | 55.3 | 388 | feasible | 0 | False | False |
| 1000x8/100 | 1 | balance | 20 | 297.5 | 175.1 | 124.6 | 791 | feasible | 0 | False | False |

(the 1000x8/100 T = 60 row was stopped.) Before this session 64/8000 N+2 at T = 5
exited 3 (no plan) and N+3 at T = 20 exited 3 at load 7; now every 64/8000 row plans.
What limits the rest, measured alone (CPU seconds, load 5): the large path's exact
placement at 64/8000 is 2.2 s (k = 2) and 7.5 s (k = 3), the quick first plan 0.7 s and
2.3 s, cluster build + pre-checks + bounds + groups ~0.6 s; at a load factor of 3
(wall / CPU) the T = 5 rows overrun by the quick plan and the answer's building. The
per-node figures (show) at 64/8000 N+3 went from 12.9 s to 0.4 s of CPU (show lap 44 s
-> 1.2 s at load 6); certify (the checker, data/check/checker.py) is still 20 s idle,
50-60 s at load 6 there. The fleets' overruns (157 and 1,000 clusters) are per-cluster
floors (the cut, the problem build, vm_disk_mib's Fraction arithmetic: ~0.1 s of CPU
per 8-node cluster) times the clusters, shared by 2 slots.
Re-run after the last commits (2f9c9b3; python benchmarks/time_limit.py --hard --only
64/8000 --limits 5; 19:12-19:26 UTC, load average 10.0 at the start, ~10 throughout;
stopped before the N+3 nodes row), check the wall of `hvplace check` on the plan:

| size | k | objective | T | wall | solve | startup | rss | status | exit | ok | solve_ok | check |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
| 64/8000 | 1 | balance | 5 | 27.4 | 8.0 | 25.6 | 228 | feasible | 0 | True | False | - |
| 64/8000 | 1 | nodes | 5 | 20.0 | 6.3 | 15.7 | 222 | feasible | 0 | True | False | - |
| 64/8000 | 2 | balance | 5 | 23.8 | 6.4 | 18.6 | 244 | feasible | 0 | True | False | - |
| 64/8000 | 2 | nodes | 5 | 37.7 | 10.8 | 27.3 | 226 | feasible | 0 | False | False | - |
| 64/8000 | 3 | balance | 5 | 274.1 | 16.1 | 262.2 | 278 | feasible | 0 | False | False | 280.4 |

(N+3 laps: certify 232.6 s, write 8.3, show 4.4.) At 18:38 (load 7.4, commit 690971b)
the same N+3 commands at T = 5 gave: balance solve 7.6 s, certify 60.8, show 1.2,
feasible U 930 (bound 700); nodes solve 6.9 s, certify 49.9, feasible 64 nodes (bound
45); N+2 balance solve 5.7 s, U 880 (bound 720); N+2 nodes solve 5.5 s, 64 nodes (46).

Fleet rows on branch fleetfloor (2026-12-01 22:03-22:17 UTC, loaded: uptime load 4.3 at
the start, 6.3-8.2 later, 2 cores shared with 3 other streams and a test suite; the
--limits 20 rows, then 40x8/100, then the T = 60 row), after chunked fan-out, the numpy
MiB conversions and the quick plan for a share under 0.25 s:

| size | k | objective | T | wall | solve | startup | rss_mb | status | ok | solve_ok |
|---|---|---|---|---|---|---|---|---|---|---|
| 40x8/100 | 1 | balance | 20 | 39.0 | 20.5 | 22.2 | 196 | optimal | True | True |
| 157x64/200 | 1 | balance | 20 | 43.2 | 22.3 | 20.2 | 383 | feasible | False | False |
| 157x64/200 | 1 | nodes | 20 | 47.3 | 25.9 | 22.8 | 383 | feasible | False | False |
| 1000x8/100 | 1 | balance | 20 | 127.5 | 66.3 | 61.0 | 798 | feasible | False | False |
| 1000x8/100 | 1 | balance | 60 | 267.7 | 122.1 | 148.4 | 796 | feasible | False | False |

(the solve laps were 31.4, 50.9 and 175.1 s at T = 20 in the table above.) What limits
the rest: every cluster's share at 1,000 x 8/100 is below the per-cluster floor, so each
gets the quick plan (budget 0), ~19 ms of CPU a cluster (solver/large.py's large_plan
11-13 ms, packing_groups 2.3, cluster_problem 2.2, pre-checks 0.7), ~0.12-0.17 s of wall
a cluster per slot at load 7-9; at 64/200 ~65 ms of CPU (large_plan 44). Idle, 1,000 x
19 ms over 2 slots is ~10 s. The write and show laps (34 and 12 s at 1,000 clusters,
counted in start-up here) are the move sequencing and its check (cli/plan.py).
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
    Case("40x8/100", 40, 8, 100, 1, ("balance",), (20,)),
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
