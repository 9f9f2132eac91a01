"""The issue's figures, counted rather than asserted: `python -m tests.reliability.figures`.

Runs the CLI against the sandbox under every fault kind at 10/20/30% (and all kinds at once), kills
`apply` with SIGKILL at random points then re-runs it, and races two applies; counts faults
injected, runs, converged, duplicates, lost writes, blind create repeats and leaked secrets. Then
the pool runs (tests/reliability/pools.py: moves, service changes, adds, removals): under faults,
SIGKILL at random points (plain and saved plans) and exactly between a move's removal and its
add; counts moves under faults, kills mid-move, numbers lost (must be 0), members misplaced and
rent/unrent requests (must be 0). The tests in this folder assert the same properties; this
prints the totals (`--quick` for fewer runs, `--pools` for the pool runs only).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.accounts import AUTH_ID, TOKEN, account, manifest_names, manifest_text
from tests.support.world import World, blind_repeats, create_log, start_world

from .pools import (
    MANAGED,
    WRITES,
    in_no_pool,
    long_code,
    moving,
    pool_account,
    pool_manifest,
    pool_outcome,
    rented,
)
from .test_crash import HUNG_ADD, kill_after_writes, kill_once, removed
from .test_faults import KINDS, MIXED, OPTIONS, POOL_RERUNS, RERUNS

FORBIDDEN = (TOKEN, TOKEN[4:-4])


def outcome(w: World, text: str, runs: list[Any]) -> dict[str, int]:
    """What one scenario left behind, after its runs (the last is the one that must converge)."""
    journal = w.sb.journal()
    w.sb.set_faults([])
    replan = w.run("plan", "--format", "json")
    pending = len(json.loads(replan.out)["changes"]) if replan.code == 0 else -1
    live, names = w.live(), Counter(p["name"] for p in w.sb.snapshot()["powerpacks"])
    unmanaged = {n: p for n, p in w.before.items() if n.startswith("keep-")}
    made = {n: sum(e["status"] == 200 for e in v) for n, v in create_log(journal, AUTH_ID).items()}
    wanted = set(manifest_names(text)) | set(unmanaged)
    text_out = "".join(r.out + r.err for r in [*runs, replan]) + json.dumps(journal)
    return {
        "runs": 1,
        "faults": sum("fault" in e for e in journal),
        "requests": len(journal),
        "exit0": int(runs[-1].code == 0),
        "converged": int(runs[-1].code == 0 and pending == 0 and set(live) == wanted),
        "duplicates": sum(k - 1 for k in names.values())
        + sum(max(0, k - 1) for k in made.values()),
        "lost_writes": pending if runs[-1].code == 0 and pending > 0 else 0,
        "unmanaged_changed": sum(live.get(n) != p for n, p in unmanaged.items()),
        "deleted": len({p["uuid"] for p in w.before.values()} - {p["uuid"] for p in live.values()}),
        "blind_create_repeats": len(blind_repeats(journal, AUTH_ID)),
        "leaked_secrets": sum(text_out.count(s) for s in FORBIDDEN),
    }


def fault_run(base: Path, i: int, specs: list[str], seed: int) -> dict[str, int]:
    w = start_world(base, i, account(12, 4), faults=specs, seed=seed)
    try:
        text = manifest_text(12, creates=5)
        w.write(text)
        runs = []
        for _ in range(RERUNS):  # a run stops on a create that may have landed; the next sees it
            args = ("apply", "--auto-approve", "--allow-mass-change", "-v")
            runs.append(w.run(*args, POWERPACKS_TIMEOUT="0.5"))
            if runs[-1].code == 0:
                break
        first = int(runs[0].code == 0)
        return {**outcome(w, text, runs), "exit0_first_run": first, "apply_runs": len(runs)}
    finally:
        if any(s.startswith("timeout") for s in specs):
            time.sleep(1.6)  # let the sandbox's delayed answers end before it stops
        w.sb.stop()


def crash_run(base: Path, i: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    w = start_world(base, i, account(12, 4), latency_ms=rng.choice([5, 15, 30]), seed=seed)
    try:
        text = manifest_text(12, creates=6)
        w.write(text)
        k = rng.randint(1, 17)
        seen = kill_after_writes(w, k)
        again = w.run("apply", "--auto-approve", "--allow-mass-change", "-v")
        return {**outcome(w, text, [again]), "killed_mid_apply": int(seen < 18)}
    finally:
        w.sb.stop()


def race_run(base: Path, i: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    w = start_world(base, i, account(10, 3), latency_ms=rng.choice([2, 10, 25]), seed=seed)
    try:
        text = manifest_text(10, creates=6)
        w.write(text)
        procs = [w.popen("apply", "--auto-approve", "--allow-mass-change", "-v") for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        codes = [p.returncode for p in procs]

        class R:  # the better of the two runs is the one that must have converged
            code = min(codes)
            out = "".join(o for o, _ in outs)
            err = "".join(e for _, e in outs)

        return {**outcome(w, text, [R]), "both_exit0": int(codes == [0, 0])}
    finally:
        w.sb.stop()


# --- pools ----------------------------------------------------------------------------------------

APPLY = ("apply", "--auto-approve", "--allow-mass-change")
MOVED = [long_code(i, 2) for i in range(MANAGED)]  # the six numbers the scenario's moves take


def pool_counts(w: World, before: set[str], last: Any, runs: int) -> dict[str, int]:
    """What a pool scenario's runs left, counted (the last run is the one that must converge)."""
    journal = w.sb.journal()
    w.sb.set_faults([])
    replan = w.run("plan", "--format", "json")
    pending = len(json.loads(replan.out)["changes"]) if replan.code == 0 else -1
    faulted = {e["path"].rstrip("/").rsplit("/", 1)[-1] for e in journal if "fault" in e}
    left = pool_outcome(w, before)
    return {
        "runs": 1,
        "apply_runs": runs,
        "faults": sum("fault" in e for e in journal),
        "moves": len(MOVED),
        "moves_under_faults": len(faulted & set(MOVED)),
        "converged": int(last.code == 0 and pending == 0 and not left["members_misplaced"]),
        "numbers_lost": left["numbers_lost"],
        "members_misplaced": left["members_misplaced"],
        "unmanaged_pools_changed": left["unmanaged_pools_changed"],
        "unrent_or_rent_sent": sum(
            (e["body"] or {}).get("unrent") is True or (e["body"] or {}).get("rent") is True
            for e in journal
            if e["method"] != "GET"
        ),
    }


def pool_world(base: Path, i: int, **options: Any) -> tuple[World, set[str]]:
    pps, spares = pool_account()
    w = start_world(base, i, pps, numbers=spares, **options)
    w.write(pool_manifest())
    return w, rented(w)


def pool_fault_run(base: Path, i: int, specs: list[str], seed: int) -> dict[str, int]:
    """The pool scenario's apply under faults, re-run until it converges (at most POOL_RERUNS)."""
    w, before = pool_world(base, i, faults=specs, seed=seed)
    try:
        runs = 0
        while runs < POOL_RERUNS:
            runs += 1
            result = w.run(*APPLY, POWERPACKS_TIMEOUT="0.5")
            if result.code == 0:
                break
        return pool_counts(w, before, result, runs)
    finally:
        if any(s.startswith("timeout") for s in specs):
            time.sleep(1.6)
        w.sb.stop()


def pool_crash_run(base: Path, i: int, seed: int, saved: bool = False) -> dict[str, int]:
    """SIGKILL the pool scenario's apply (or apply --plan) after k writes, then run it again."""
    rng = random.Random(seed)
    w, before = pool_world(base, i, latency_ms=rng.choice([5, 15, 30]), seed=seed)
    try:
        args = [*APPLY]
        if saved:
            w.run("plan", "--out", "plan.json")
            args += ["--plan", "plan.json"]
        seen = kill_after_writes(w, rng.randint(1, WRITES - 1), args=args)
        mid_move = len(in_no_pool(w) & moving())
        lost_at_kill = len(before - rented(w))
        again = w.run(*args)
        counts = pool_counts(w, before, again, 2)
        counts["numbers_lost"] += lost_at_kill
        return {**counts, "killed_mid_apply": int(seen < WRITES), "killed_mid_move": mid_move}
    finally:
        w.sb.stop()


def pool_mid_move_run(
    base: Path, i: int, seed: int, saved: bool = False, service: bool = False
) -> dict[str, int]:
    """SIGKILL exactly between a move's (or a service change's) removal and its add, every add
    held by a fault; then run again. The scenario's other work is applied first (from a manifest
    without the moves, or without the service changes), so the first add left is that one's."""
    w, before = pool_world(base, i, seed=seed)
    try:
        w.write(pool_manifest(moves=service, services=False), "first.yaml")
        w.run(*APPLY, "-f", "first.yaml")
        args = [*APPLY]
        if saved:
            w.run("plan", "--out", "plan.json")
            args += ["--plan", "plan.json"]
        w.sb.clear_journal()
        w.sb.set_faults([HUNG_ADD])
        kill_once(w, lambda j: any(removed(f"/Number/{n}/")(j) for n in moving()), *args)
        mid_move = len(in_no_pool(w) & moving())
        lost_at_kill = len(before - rented(w))
        again = w.run(*args)
        counts = pool_counts(w, before, again, 2)
        counts["numbers_lost"] += lost_at_kill
        return {**counts, "killed_mid_move": mid_move}
    finally:
        w.sb.stop()


def pool_jobs(quick: bool) -> dict[str, list[Any]]:
    seeds = [41] if quick else [41, 42, 43]
    cases = [
        [f"{kind}:{rate}{OPTIONS.get(kind, '')}"] for kind in KINDS for rate in (0.1, 0.2, 0.3)
    ]
    return {
        "pools: faults, one kind at 10/20/30%": [
            (pool_fault_run, c, s) for c in cases for s in seeds
        ],
        "pools: faults, all kinds at once (~30%)": [
            (pool_fault_run, MIXED, s) for s in range(51, 53 if quick else 61)
        ],
        "pools: SIGKILL mid-apply, then re-run": [
            (pool_crash_run, s) for s in range(3 if quick else 16)
        ],
        "pools: SIGKILL mid-apply --plan, then re-run the plan": [
            (pool_crash_run, s, True) for s in range(100, 103 if quick else 116)
        ],
        "pools: SIGKILL between a move's removal and its add, then re-run": [
            (pool_mid_move_run, s, saved)
            for s in range(1 if quick else 4)
            for saved in (False, True)
        ],
        "pools: SIGKILL between a service change's removal and its add, then re-run": [
            (pool_mid_move_run, s, saved, True)
            for s in range(1 if quick else 4)
            for saved in (False, True)
        ],
    }


def total(results: list[dict[str, int]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for r in results:
        out.update(r)
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one seed per case")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pools", action="store_true", help="only the pool runs")
    args = parser.parse_args()
    seeds = [11] if args.quick else [11, 12, 13]
    fault_cases = [
        [f"{kind}:{rate}{OPTIONS.get(kind, '')}"] for kind in KINDS for rate in (0.1, 0.2, 0.3)
    ]
    jobs: dict[str, list[Any]] = {
        "faults, one kind at 10/20/30%": [(fault_run, c, s) for c in fault_cases for s in seeds],
        "faults, all kinds at once (~30%)": [
            (fault_run, MIXED, s) for s in range(21, 23 if args.quick else 31)
        ],
        "SIGKILL mid-apply, then re-run": [(crash_run, s) for s in range(5 if args.quick else 24)],
        "two applies at once": [(race_run, s) for s in range(3 if args.quick else 12)],
    }
    if args.pools:
        jobs = {}
    jobs.update(pool_jobs(args.quick))
    report = {}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.workers) as pool:
        n = 0
        for title, items in jobs.items():
            futures = []
            for fn, *rest in items:
                n += 1
                futures.append(pool.submit(fn, Path(tmp), n, *rest))
            report[title] = total([f.result() for f in futures])
            print(f"{title}: {json.dumps(report[title])}", flush=True)
    print(json.dumps({"total": total(list(report.values()))}))
    pools = [r for title, r in report.items() if title.startswith("pools:")]
    print(json.dumps({"pools total": total(pools)}))
    sys.exit(0)


if __name__ == "__main__":
    main()
