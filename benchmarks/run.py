"""The benchmark: plan and apply against a sandbox of N Powerpacks, beside the SDK and the floor.

    .venv/bin/python benchmarks/run.py          # the grid (~10 min); writes docs/benchmarks.md
    .venv/bin/python benchmarks/run.py --quick  # a small smoke run (seconds)

For each cell (N, added latency, rate limit on/off, whether the list carries number_priority) a
fresh sandbox process serves a copy of the seeded account, and the real `powerpacks` CLI runs as a
subprocess: plan with the manifest the account matches, plan with 10% changed, apply with 10%
changed. Wall time is the whole command (start-up, manifest load, fetch, plan, output); calls come
from the sandbox's request journal; peak memory is the CLI process's max RSS (os.wait4).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness
import report
import workload

READ_WORKERS = 8  # the client's concurrent reads (PlivoClient max_workers)
WRITE_WORKERS = 4  # apply --parallelism default
RATE = (300, 5.0)  # the account limit: requests per seconds
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SCENARIOS = ("plan, nothing changed", "plan, 10% changed", "apply, 10% changed")


@dataclass(frozen=True)
class Cell:
    """One sandbox configuration and what to measure in it."""

    count: int
    latency_ms: float
    rate_limit: bool
    list_priority: bool = False
    scenarios: tuple[str, ...] = SCENARIOS
    sdk: tuple[str, ...] = ()  # the scenarios the SDK baseline also runs
    repeat: int = 1  # plans are idempotent: the median of `repeat` runs


@dataclass
class Row:
    """One measured line of the table."""

    cell: Cell
    scenario: str
    tool: dict[str, Any]
    minimal: dict[str, int]
    floor: float
    sdk: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def full_grid() -> list[Cell]:
    """The grid: everything at 100 and 1,000; at 5,000 what fits the time (see the doc)."""
    cells = []
    for count in (100, 1000):
        for latency in (0.0, 50.0):
            for rate in (False, True):
                sdk = SDK_AT.get((count, latency, rate), ())
                cells.append(Cell(count, latency, rate, sdk=sdk, repeat=3 if count == 100 else 1))
    cells.append(Cell(5000, 0.0, False, repeat=3))
    cells.append(Cell(5000, 0.0, False, list_priority=True, repeat=3))
    cells.append(Cell(5000, 50.0, False, scenarios=SCENARIOS[:1]))
    return cells


SDK_AT = {
    (100, 0.0, False): SCENARIOS,
    (100, 50.0, False): SCENARIOS,
    (1000, 50.0, False): (SCENARIOS[0], SCENARIOS[2]),
}


def quick_grid(count: int) -> list[Cell]:
    return [Cell(count, 0.0, False, sdk=SCENARIOS), Cell(count, 0.0, True, list_priority=True)]


def floor_seconds(minimal: dict[str, int], latency_ms: float, rate_limit: bool) -> float:
    """The physical floor: each phase's calls spread over the workers, one latency per round
    (the first page comes alone: it gives the count), or the account limit, whichever is slower."""
    pages, gets, writes = minimal["list"], minimal["get"], minimal["write"]
    rounds = 1 + math.ceil((pages - 1) / READ_WORKERS) + math.ceil(gets / READ_WORKERS)
    rounds += math.ceil(writes / WRITE_WORKERS)
    latency_floor = rounds * latency_ms / 1000
    calls = pages + gets + writes
    window_floor = RATE[1] * ((calls - 1) // RATE[0]) if rate_limit else 0.0
    return max(latency_floor, window_floor)


def tool_command(scenario: str, inputs: dict[str, Path]) -> list[str]:
    manifest = inputs["manifest_same" if "nothing" in scenario else "manifest_changed"]
    if scenario.startswith("apply"):
        return harness.cli("apply", "-f", str(manifest), "--auto-approve")
    return harness.cli("plan", "-f", str(manifest))


def sdk_command(scenario: str, inputs: dict[str, Path]) -> list[str]:
    desired = inputs["desired_same" if "nothing" in scenario else "desired_changed"]
    script = str(Path(__file__).resolve().parent / "baseline_sdk.py")
    return [harness.PYTHON, script, str(desired), *(["--apply"] if "apply" in scenario else [])]


def run_cell(cell: Cell, inputs: dict[str, Path], work: Path) -> list[Row]:
    """Measure the tool (and the SDK where asked) in one sandbox configuration."""
    rows = []
    for scenario in cell.scenarios:
        changes = 0 if "nothing" in scenario else workload.changed_count(cell.count)
        minimal = workload.minimal_calls(cell.count, changes, cell.list_priority)
        minimal["write"] = minimal["write"] if scenario.startswith("apply") else 0
        repeat = 1 if scenario.startswith("apply") else cell.repeat
        tool = _median(run_fresh(cell, inputs, work, tool_command(scenario, inputs), repeat))
        sdk = None
        if scenario in cell.sdk:
            sdk = _median(run_fresh(cell, inputs, work, sdk_command(scenario, inputs), 1))
        floor = floor_seconds(minimal, cell.latency_ms, cell.rate_limit)
        rows.append(Row(cell, scenario, tool, minimal, floor, sdk))
        print(report.console_line(rows[-1]), flush=True)
    return rows


def run_fresh(cell: Cell, inputs: dict[str, Path], work: Path, command: list[str], repeat: int):
    """`repeat` runs of `command`, each against a fresh sandbox process on the seeded account."""
    runs = []
    for _ in range(repeat):
        with harness.SandboxProcess(inputs["state"], work / "sandbox", cell.latency_ms,
                                    cell.rate_limit, cell.list_priority) as sandbox:  # fmt: skip
            run = harness.measure(command, sandbox.env, sandbox, work / "out.txt")
        if run.code != 0:
            err = (work / "out.err").read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command[-4:])} exited {run.code}:\n{err}")
        runs.append(harness.describe(run))
    return runs


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (its calls and memory with it), plus every wall time."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["walls"] = [round(r["wall"], 3) for r in runs]
    return chosen


def startup_times(count: int, inputs: dict[str, Path], repeat: int) -> dict[str, float]:
    """Median wall of `powerpacks --version` and `validate` of a small manifest."""
    out = {}
    validate = harness.cli("validate", "-f", str(inputs["manifest_same"]))
    for label, command in (
        ("powerpacks --version", harness.cli("--version")),
        (f"powerpacks validate ({count} Powerpacks)", validate),
    ):
        walls = []
        for _ in range(repeat):
            start = time.perf_counter()
            harness.subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        out[label] = statistics.median(walls)
    return out


def run(cells: list[Cell], work: Path, repeat: int = 5) -> dict[str, Any]:
    """Seed each size once, measure every cell; the results as JSON-ready data."""
    inputs = {n: workload.write_inputs(work / f"n{n}", n) for n in sorted({c.count for c in cells})}
    started = time.perf_counter()
    rows = [row for cell in cells for row in run_cell(cell, inputs[cell.count], work)]
    return {
        "machine": f"{platform.processor() or platform.machine()}, {_cores()} cores, "
        f"Python {platform.python_version()}",
        "rows": [report.row_data(r) for r in rows],
        "startup": startup_times(min(inputs), inputs[min(inputs)], repeat),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (N=40)")
    parser.add_argument("--count", type=int, default=40, help="N for --quick")
    parser.add_argument("--doc", default=str(DOC), help="the Markdown report to (re)write")
    parser.add_argument("--json", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    cells = quick_grid(args.count) if args.quick else full_grid()
    with tempfile.TemporaryDirectory(prefix="powerpacks-bench-") as tmp:
        results = run(cells, Path(tmp), repeat=1 if args.quick else 5)
    print(report.console_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if not args.quick or args.doc != parser.get_default("doc"):
        report.write_doc(Path(args.doc), results, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
