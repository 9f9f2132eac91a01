"""The benchmark: plan and apply against a sandbox of N Powerpacks, beside the SDK and the floor.

    .venv/bin/python benchmarks/run.py          # the grid (~15 min); writes docs/benchmarks.md
    .venv/bin/python benchmarks/run.py --quick  # a small smoke run (seconds)

For each cell (N, added latency, rate limit on/off, whether the list carries number_priority,
and the workload: pool members unmanaged or managed) a fresh sandbox process serves a copy of the
seeded account, and the real `powerpacks` CLI runs as a subprocess: plan with the manifest the
account matches, plan with 10% changed, apply with 10% changed. Wall time is the whole command
(start-up, manifest load, fetch, plan, output); calls come from the sandbox's request journal;
peak memory is the CLI process's max RSS (GNU time).
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
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

from reconciler.api.client import MAX_WORKERS

READ_WORKERS = MAX_WORKERS  # the client's concurrent calls at most (32; all of them from a 16 ms
# round trip on: PlivoClient._workers, Little's law over the round trip)
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
    repeat: int = 1  # plans: the median of `repeat` runs, each on a fresh sandbox
    apply_repeat: int = 1  # apply: the same (a fresh sandbox each time)
    workload: str = "attributes"  # or "pools": members managed (workload.py)
    sdk_repeat: int = 1


@dataclass
class Row:
    """One measured line of the table."""

    cell: Cell
    scenario: str
    tool: dict[str, Any]
    minimal: dict[str, int]
    steps: dict[str, int]
    floor: float
    sdk: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def full_grid() -> list[Cell]:
    """The grid (see the doc for why these cells): members unmanaged at 100 and 1,000 in every
    cell and at 5,000 what fits the time; 250 at 25 and 50 ms with the limit on beside the SDK;
    members managed at 1,000 in every cell but one and at 5,000 without latency."""
    cells = []
    for count in (100, 1000):
        for latency in (0.0, 50.0):
            for rate in (False, True):
                sdk = SDK_AT.get((count, latency, rate), ())
                small = 3 if count == 100 else 1
                cells.append(Cell(count, latency, rate, sdk=sdk, repeat=small, apply_repeat=small))
    cells.append(Cell(5000, 0.0, False, repeat=3))
    cells.append(Cell(5000, 0.0, False, list_priority=True, repeat=3))
    cells.append(Cell(5000, 50.0, False, scenarios=SCENARIOS[:1]))
    for latency in (25.0, 50.0):
        cells.append(Cell(250, latency, True, scenarios=SCENARIOS[:1], sdk=SCENARIOS[:1],
                          repeat=5, sdk_repeat=3))  # fmt: skip
    pools = "pools"
    cells.append(Cell(250, 25.0, True, scenarios=SCENARIOS[:1], sdk=SCENARIOS[:1], repeat=3,
                      workload=pools))  # fmt: skip
    cells.append(Cell(1000, 0.0, False, repeat=3, apply_repeat=3, workload=pools))
    cells.append(Cell(1000, 50.0, False, repeat=3, workload=pools))
    cells.append(Cell(1000, 50.0, True, workload=pools))
    cells.append(Cell(1000, 0.0, True, scenarios=SCENARIOS[:1], workload=pools))
    cells.append(Cell(5000, 0.0, False, scenarios=SCENARIOS[:1], repeat=3, workload=pools))
    return cells


SDK_AT = {
    (100, 0.0, False): SCENARIOS,
    (100, 50.0, False): SCENARIOS,
    (1000, 50.0, False): (SCENARIOS[0], SCENARIOS[2]),
}


def quick_grid(count: int) -> list[Cell]:
    return [
        Cell(count, 0.0, False, sdk=SCENARIOS),
        Cell(count, 0.0, True, list_priority=True),
        Cell(count, 0.0, False, sdk=SCENARIOS[1:], workload="pools"),
    ]


def floor_seconds(
    minimal: dict[str, int], steps: dict[str, int], latency_ms: float, rate_limit: bool
) -> float:
    """The physical floor: each phase's calls spread over the workers, one latency per round,
    or the account limit, whichever is slower.

    Reads: the first page alone (it gives the count), the other pages, the GETs, the pool and
    short-code lists, then the lookups (they need the pools read), over READ_WORKERS. Writes over
    WRITE_WORKERS, step after step as apply sends them: updates, adds, moves and service changes
    (two rounds each: the removal must land before the add), removals. The limit: calls beyond
    the first 300 wait 5 s per 300 (a sliding window), and the last still takes its round trip.
    """

    def rounds(calls: int, workers: int) -> int:
        return math.ceil(calls / workers)

    pages = minimal["list"]
    reads = 1 + rounds(pages - 1, READ_WORKERS) + rounds(minimal["get"], READ_WORKERS)
    reads += rounds(minimal["pool"] + minimal["shortcodes"], READ_WORKERS)
    reads += rounds(minimal["lookup"], READ_WORKERS)
    writes = rounds(steps["update"], WRITE_WORKERS) + rounds(steps["add"], WRITE_WORKERS)
    writes += 2 * rounds(steps["move"], WRITE_WORKERS) + 2 * rounds(steps["service"], WRITE_WORKERS)
    writes += rounds(steps["remove"], WRITE_WORKERS)
    latency_floor = (reads + writes) * latency_ms / 1000
    calls = sum(minimal.values())
    window_floor = RATE[1] * ((calls - 1) // RATE[0]) + latency_ms / 1000 if rate_limit else 0.0
    return max(latency_floor, window_floor)


def _key(cell: Cell, scenario: str) -> str:
    return f"{cell.workload}_{'same' if 'nothing' in scenario else 'changed'}"


def tool_command(cell: Cell, scenario: str, inputs: dict[str, Path]) -> list[str]:
    manifest = inputs[f"manifest_{_key(cell, scenario)}"]
    if scenario.startswith("apply"):
        # 10% of the members touches most Powerpacks: past the default guards, as a bulk change is
        return harness.cli("apply", "-f", str(manifest), "--auto-approve", "--allow-mass-change")
    return harness.cli("plan", "-f", str(manifest))


def sdk_command(cell: Cell, scenario: str, inputs: dict[str, Path]) -> list[str]:
    desired = inputs[f"desired_{_key(cell, scenario)}"]
    script = str(Path(__file__).resolve().parent / "baseline_sdk.py")
    return [harness.PYTHON, script, str(desired), *(["--apply"] if "apply" in scenario else [])]


def run_cell(cell: Cell, inputs: dict[str, Path], work: Path) -> list[Row]:
    """Measure the tool (and the SDK where asked) in one sandbox configuration."""
    rows = []
    for scenario in cell.scenarios:
        changed = "nothing" not in scenario
        minimal, steps = workload.minimal_calls(
            cell.count, cell.workload, changed, cell.list_priority
        )
        if not scenario.startswith("apply"):  # a plan writes nothing
            minimal.update(write=0, add=0, remove=0)
            steps = dict.fromkeys(steps, 0)
        command = tool_command(cell, scenario, inputs)
        repeat = cell.apply_repeat if scenario.startswith("apply") else cell.repeat
        tool = _median(run_fresh(cell, inputs, work, command, repeat))
        sdk = None
        if scenario in cell.sdk:
            command = sdk_command(cell, scenario, inputs)
            sdk = _median(run_fresh(cell, inputs, work, command, cell.sdk_repeat))
        floor = floor_seconds(minimal, steps, cell.latency_ms, cell.rate_limit)
        rows.append(Row(cell, scenario, tool, minimal, steps, floor, sdk))
        rows[-1].extra["load"] = round(os.getloadavg()[0], 2)
        print(report.console_line(rows[-1]), flush=True)
    return rows


def run_fresh(cell: Cell, inputs: dict[str, Path], work: Path, command: list[str], repeat: int):
    """`repeat` runs of `command`, each against a fresh sandbox process on the seeded account."""
    runs = []
    for _ in range(repeat):
        with harness.SandboxProcess(inputs["state"], work / "sandbox", cell.latency_ms,
                                    cell.rate_limit, cell.list_priority) as sandbox:  # fmt: skip
            run = harness.measure(command, sandbox.env, sandbox, work / "out.txt")
        run.calls = sandbox.calls_since(run.journal_offset)  # stopped: the journal is whole
        if run.code != 0:
            err = (work / "out.err").read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command[-4:])} exited {run.code}:\n{err}")
        runs.append(harness.describe(run))
    return runs


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (its calls and memory with it), plus every wall and CPU time,
    and whether every run made the same calls."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["walls"] = [round(r["wall"], 3) for r in runs]
    chosen["cpus"] = [r["cpu"] for r in runs]
    chosen["calls_same"] = all(r["calls"] == runs[0]["calls"] for r in runs)
    return chosen


def startup_times(inputs: dict[int, dict[str, Path]], repeat: int) -> dict[str, dict[str, Any]]:
    """`powerpacks --version` and `validate` (the smallest N, members unmanaged; the largest
    N with members managed): median wall, every wall, and whether tqdm was imported."""
    small = min(inputs)
    large = max([n for n in inputs if n <= 1000] or [small])
    commands = {
        "powerpacks --version": harness.cli("--version"),
        f"powerpacks validate ({small:,} Powerpacks)":
            harness.cli("validate", "-f", str(inputs[small]["manifest_attributes_same"])),
        f"powerpacks validate ({large:,} Powerpacks, members managed)":
            harness.cli("validate", "-f", str(inputs[large]["manifest_pools_same"])),
    }  # fmt: skip
    out = {}
    for label, command in commands.items():
        runs = [harness.timed_run(command) for _ in range(repeat)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        out[label] = {"wall": statistics.median(walls), "walls": [round(w, 3) for w in walls],
                      "cpu": round(statistics.median(cpus), 3), "cpus": [round(c, 3) for c in cpus],
                      "tqdm": "tqdm" in harness.imported(command)}  # fmt: skip
    return out


def progress_imports(inputs: dict[int, dict[str, Path]], work: Path) -> dict[str, bool]:
    """Whether a plan imports tqdm, with stderr a file (the benchmark's runs, CI) and on a
    terminal (where the progress line is drawn): the check that off a terminal it is not."""
    small = min(inputs)
    command = harness.cli("plan", "-f", str(inputs[small]["manifest_pools_same"]))
    out = {}
    for label, tty in (("plan, stderr a file", False), ("plan, stderr a terminal", True)):
        with harness.SandboxProcess(inputs[small]["state"], work / "sandbox", 0.0, False) as box:
            out[label] = "tqdm" in harness.imported(command, box.env, tty=tty)
    return out


def compile_package() -> None:
    """The package's bytecode, written before anything is measured, as pip writes it when it
    installs a wheel. An environment with PYTHONDONTWRITEBYTECODE (this one has it) never
    writes it for an editable install, so every run compiled the sources again: +0.2 s each."""
    import reconciler

    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)


def run(cells: list[Cell], work: Path, repeat: int = 5) -> dict[str, Any]:
    """Seed each size once, measure every cell; the results as JSON-ready data."""
    compile_package()
    inputs = {n: workload.write_inputs(work / f"n{n}", n) for n in sorted({c.count for c in cells})}
    started = time.perf_counter()
    rows = [row for cell in cells for row in run_cell(cell, inputs[cell.count], work)]
    return {
        "machine": f"{platform.processor() or platform.machine()}, {_cores()} cores, "
        f"Python {platform.python_version()}",
        "read_workers": READ_WORKERS,
        "write_workers": WRITE_WORKERS,
        "rows": [report.row_data(r) for r in rows],
        "startup": startup_times(inputs, repeat),
        "progress": progress_imports(inputs, work),
        "seconds": round(time.perf_counter() - started, 1),
        "load": [round(os.getloadavg()[0], 2), *(r.extra["load"] for r in rows)],
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (N=40)")
    parser.add_argument("--count", type=int, default=40, help="N for --quick")
    parser.add_argument("--doc", default=str(DOC), help="the Markdown report to (re)write")
    parser.add_argument("--json", help="also write the results as JSON here")
    parser.add_argument("--report", metavar="JSON", nargs="+", help="measure nothing: write the "
                        "doc (and print the table) from the results runs saved with --json "
                        "(several runs of one grid: every row over all their runs)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.report:
        saved = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.report]
        results = report.merge(saved)
        print(report.console_table(results))
        report.write_doc(Path(args.doc), results, quick=bool(results.get("quick")))
        return 0
    cells = quick_grid(args.count) if args.quick else full_grid()
    with tempfile.TemporaryDirectory(prefix="powerpacks-bench-") as tmp:
        results = run(cells, Path(tmp), repeat=1 if args.quick else 5)
    results["quick"] = args.quick
    print(report.console_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if not args.quick or args.doc != parser.get_default("doc"):
        report.write_doc(Path(args.doc), results, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
