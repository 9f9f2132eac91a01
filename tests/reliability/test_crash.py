"""SIGKILL `apply` part-way: a re-run always converges; nothing outside the manifest moves, nothing
is deleted or duplicated."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tests.support.accounts import account, manifest_text, pp
from tests.support.world import create_log

RUNS_CI = 3
RUNS_SLOW = 24


def kill_after_writes(
    w: Any,
    k: int,
    limit: float = 60.0,
    args: Sequence[str] = ("apply", "--auto-approve", "--allow-mass-change"),
) -> int:
    """Start `apply --auto-approve` (or `args`), SIGKILL it once k writes are in the journal;
    the writes seen."""
    proc = w.popen(*args, "--parallelism", "4")
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if len(w.writes()) >= k:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait(timeout=limit)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    return len(w.writes())


def crash_then_rerun(w: Any, rng: random.Random) -> dict[str, int]:
    text = manifest_text(12, creates=6)
    w.write(text)
    total = 12 + 6  # one write per managed Powerpack (updates and the rename) and per create
    k = rng.randint(1, total - 1)
    seen = kill_after_writes(w, k)
    killed_mid = seen < total
    again = w.invoke("apply", "--auto-approve", "--allow-mass-change")
    assert again.code == 0, again.err[-3000:]
    assert "Traceback" not in again.err
    w.check_converged(text)
    creates = create_log(w.sb.journal(), w.sb.auth_id)
    assert all(len([e for e in v if e["status"] == 200]) == 1 for v in creates.values())
    return {"k": k, "writes_before_kill": seen, "killed_mid_apply": int(killed_mid)}


def run_crashes(world: Any, runs: int, seed: int) -> list[dict[str, int]]:
    rng = random.Random(seed)
    out = []
    for i in range(runs):
        w = world(account(12, 4), latency_ms=rng.choice([5, 15, 30]), seed=i)
        out.append(crash_then_rerun(w, rng))
        w.sb.stop()
    return out


def test_sigkill_mid_apply_then_rerun_converges(world: Any) -> None:
    figures = run_crashes(world, RUNS_CI, seed=1)
    assert sum(f["killed_mid_apply"] for f in figures) >= RUNS_CI - 1  # kills landed mid-apply


@pytest.mark.slow
def test_sigkill_at_random_points_many_runs(world: Any) -> None:
    figures = run_crashes(world, RUNS_SLOW, seed=2)
    assert sum(f["killed_mid_apply"] for f in figures) >= RUNS_SLOW * 3 // 4


# --- pools: a kill between a move's removal and its add -------------------------------------------

HUNG_ADD = "timeout:every=1,method=POST,delay=0.5"  # every POST waits, then drops: never applied


def kill_once(w: Any, done: Callable[[list[dict[str, Any]]], bool], *args: str) -> None:
    """Start apply (`args`), SIGKILL it as soon as the journal satisfies `done`."""
    proc = w.popen(*args, POWERPACKS_TIMEOUT="20")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not done(w.sb.journal()):
            time.sleep(0.002)
        assert proc.poll() is None, "apply ended before the kill: " + proc.communicate()[1]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    w.sb.set_faults([])
    time.sleep(0.7)  # the hung add's answer is a dropped connection; let it end before the re-run


def removed(path_tail: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda journal: any(
        e["method"] == "DELETE" and e["status"] == 200 and e["path"].endswith(path_tail)
        for e in journal
    )


def pool_writes(w: Any) -> list[tuple[str, str]]:
    """Writes since the journal was cleared, as (method, pool-relative path)."""
    out = []
    for e in w.writes():
        parts = e["path"].rstrip("/").split("/")
        out.append((e["method"], "/".join(parts[-2:])))
    return out


MOVE_LIVE = [pp("a", numbers=["14155550101", "14155550102"]), pp("b", numbers=["14155550103"])]
MOVE_TEXT = """version: 1
powerpacks:
  a:
    numbers: ["14155550102"]
  b:
    numbers: ["14155550103", "14155550101"]
"""


def test_sigkill_between_a_moves_removal_and_its_add_then_rerun_converges(world: Any) -> None:
    w = world(MOVE_LIVE, faults=[HUNG_ADD])
    w.write(MOVE_TEXT)
    rented = {n["number"] for n in w.sb.snapshot()["numbers"]}
    kill_once(w, removed("/Number/14155550101/"), "apply", "--auto-approve")
    pools = {
        p["name"]: [m["number"] for m in p["number_pool"]["numbers"]] for p in w.live().values()
    }
    assert pools == {"a": ["14155550102"], "b": ["14155550103"]}  # mid-move: in no pool
    assert {n["number"] for n in w.sb.snapshot()["numbers"]} == rented  # still the account's
    w.sb.clear_journal()
    again = w.invoke("apply", "--auto-approve")
    assert again.code == 0, again.err
    assert "+ 14155550101 (sms)" in again.out  # no pool holds it now: a plain add
    assert pool_writes(w) == [("POST", "Number/14155550101")]
    assert w.invoke("plan", "--detailed-exitcode").code == 0
    assert {n["number"] for n in w.sb.snapshot()["numbers"]} == rented


def test_sigkill_between_a_service_changes_removal_and_its_add_then_rerun_converges(
    world: Any,
) -> None:
    w = world([pp("a", numbers=["14155550101", "14155550102"])], faults=[HUNG_ADD])
    w.write(
        'version: 1\npowerpacks:\n  a:\n    numbers: [{number: "14155550101", service: mms},'
        ' "14155550102"]\n'
    )
    kill_once(w, removed("/Number/14155550101/"), "apply", "--auto-approve")
    assert [m["number"] for m in w.live()["a"]["number_pool"]["numbers"]] == ["14155550102"]
    assert "14155550101" in {n["number"] for n in w.sb.snapshot()["numbers"]}
    w.sb.clear_journal()
    again = w.invoke("apply", "--auto-approve")
    assert again.code == 0, again.err
    assert pool_writes(w) == [("POST", "Number/14155550101")]
    assert w.writes()[0]["body"] == {"rent": False, "service": "mms"}
    assert w.invoke("plan", "--detailed-exitcode").code == 0


def test_a_saved_plan_rerun_after_a_kill_mid_move_finishes_it(world: Any) -> None:
    """apply --plan, killed between the removal and the add; the same file again sends only the
    add (the removal landed), and the account converges."""
    w = world(MOVE_LIVE)
    w.write(MOVE_TEXT)
    assert w.invoke("plan", "--out", "plan.json").code == 0
    w.sb.set_faults([HUNG_ADD])
    args = ("apply", "--plan", "plan.json", "--auto-approve")
    kill_once(w, removed("/Number/14155550101/"), *args)
    w.sb.clear_journal()
    again = w.invoke(*args)
    assert again.code == 0, again.err
    assert pool_writes(w) == [("POST", "Number/14155550101")]
    assert "stale" not in again.err
    assert w.invoke("plan", "--detailed-exitcode").code == 0


# --- pools: SIGKILL at random points of a run with moves and service changes ----------------------


def pool_crash_then_rerun(w: Any, rng: random.Random, saved: bool = False) -> dict[str, int]:
    """Kill an apply of the pool scenario after k writes, re-run it; the account converges and
    keeps every number. With `saved`, both runs are `apply --plan` of one saved plan."""
    from .pools import WRITES, check_pools_converged, in_no_pool, moving, pool_manifest, rented

    w.write(pool_manifest())
    before = rented(w)
    args = ["apply", "--auto-approve", "--allow-mass-change"]
    if saved:
        assert w.invoke("plan", "--out", "plan.json").code == 0
        args += ["--plan", "plan.json"]
    k = rng.randint(1, WRITES - 1)
    seen = kill_after_writes(w, k, args=args)
    mid_move = len(in_no_pool(w) & moving())
    assert rented(w) == before, "a number left the account"
    again = w.invoke(*args)
    assert again.code == 0, again.err[-3000:]
    assert "Traceback" not in again.err
    check_pools_converged(w, before)
    return {"k": k, "killed_mid_apply": int(seen < WRITES), "killed_mid_move": mid_move}


def run_pool_crashes(world: Any, runs: int, seed: int, saved: bool = False) -> list[dict[str, int]]:
    from .pools import pool_account

    rng = random.Random(seed)
    out = []
    for i in range(runs):
        pps, spares = pool_account()
        w = world(pps, spares, latency_ms=rng.choice([5, 15, 30]), seed=i)
        out.append(pool_crash_then_rerun(w, rng, saved))
        w.sb.stop()
    return out


@pytest.mark.parametrize("saved", [False, True], ids=["apply", "apply-plan"])
def test_sigkill_mid_pool_apply_then_rerun_converges(world: Any, saved: bool) -> None:
    figures = run_pool_crashes(world, 2, seed=3 if saved else 4, saved=saved)
    assert sum(f["killed_mid_apply"] for f in figures) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("saved", [False, True], ids=["apply", "apply-plan"])
def test_sigkill_mid_pool_apply_many_runs(world: Any, saved: bool) -> None:
    figures = run_pool_crashes(world, 16, seed=5 if saved else 6, saved=saved)
    assert sum(f["killed_mid_apply"] for f in figures) >= 12
    assert sum(f["killed_mid_move"] for f in figures) >= 1
