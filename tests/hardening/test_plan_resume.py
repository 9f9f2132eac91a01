"""Class 1, continued: a change whose live state already equals its after-state is "already
applied", not stale. Re-running a saved plan after a crash (a real SIGKILL part-way through
`apply --plan`) or after a partial apply (faults) sends only what is left, and succeeds."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest

from tests.support.plans import LIVE, MANIFEST, POOL_LIVE, POOL_RENTED, pool_plan, saved_plan
from tests.support.world import World, world_at

APPLY = ("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete", "--allow-mass-change")


def members(w: World) -> dict[str, list[tuple[str, str]]]:
    return {
        p["name"]: sorted((m["number"], m["service"]) for m in p["number_pool"]["numbers"])
        for p in w.sb.snapshot()["powerpacks"]
    }


POOLS_AFTER = {
    "m-10": [
        ("14155550100", "sms"),
        ("14155550101", "mms"),
        ("14155550111", "sms"),
        ("14155550199", "sms"),
    ],
    "m-11": [],
    "keep-10": [("14155550122", "sms")],
}


def make(base: Path, which: str, **options) -> World:
    if which == "main":
        w = world_at(base, LIVE, **options)
        saved_plan(w)
    else:
        w = world_at(base, POOL_LIVE, POOL_RENTED, **options)
        pool_plan(w, "plan.json")
    return w


def converged(w: World, which: str) -> None:
    if which == "main":
        w.write(MANIFEST)
        assert w.invoke("plan", "--detailed-exitcode").code == 0, (
            "a plan after it still has changes"
        )
        assert sorted(w.names()) == ["m-00", "m-01", "new-0", "renamed-2"]
        assert all(n == 1 for n in w.names().values())
    else:
        assert members(w) == POOLS_AFTER


def kill_after(w: World, k: int) -> int:
    """SIGKILL `apply --plan` once k writes reached the sandbox; the writes seen by then."""
    proc = w.popen(*APPLY, "--parallelism", "1")
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if len(w.writes()) >= k:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    return len(w.writes())


TOTAL = {"main": 6, "pools": 6}  # writes of each plan


@pytest.mark.parametrize("which", ["main", "pools"])
def test_sigkill_part_way_then_the_same_saved_plan_finishes(tmp_path: Path, which: str) -> None:
    rng = random.Random(which)
    killed_mid = 0
    for i, k in enumerate(sorted(rng.sample(range(1, TOTAL[which]), 3))):
        w = make(tmp_path / f"{which}{i}", which, latency_ms=25)
        seen = kill_after(w, k)
        killed_mid += seen < TOTAL[which]
        again = w.invoke(*APPLY)
        assert again.code == 0, again.err[-3000:]
        assert "stale" not in again.err
        assert "Traceback" not in again.err
        converged(w, which)
        # nothing landed twice: each write of the plan was answered 200 at most once
        done = [(e["method"], e["path"]) for e in w.writes() if e["status"] == 200]
        assert len(done) == len(set(done)), done
        w.sb.stop()
    assert killed_mid >= 2  # the kills landed part-way, not after the last write


@pytest.mark.parametrize("which", ["main", "pools"])
@pytest.mark.parametrize(
    "fault",
    ["500:every=3,method=write", "drop-after:every=2,method=write", "drop:every=2,method=write"],
)
def test_a_partial_apply_then_the_same_saved_plan_finishes(
    tmp_path: Path, which: str, fault: str
) -> None:
    w = make(tmp_path, which)
    w.sb.set_faults([fault])
    first = w.invoke(*APPLY)
    assert "Traceback" not in first.err
    w.sb.set_faults([])
    runs = 0
    while True:  # an ambiguous write stops a run (it may have landed): the next one goes on
        runs += 1
        again = w.invoke(*APPLY)
        assert "stale" not in again.err, again.err
        if again.code == 0:
            break
        assert runs < 4, again.err
    converged(w, which)
    w.sb.stop()


@pytest.mark.parametrize("which", ["main", "pools"])
def test_a_saved_plan_applied_twice_is_already_applied_with_no_write(
    tmp_path: Path, which: str
) -> None:
    w = make(tmp_path, which)
    assert w.invoke(*APPLY).code == 0
    w.sb.clear_journal()
    again = w.invoke(*APPLY)
    assert again.code == 0, again.err
    assert w.writes() == []
    doc = json.loads((w.cwd / "plan.json").read_text())
    assert again.err.count("already applied") >= len(doc["changes"]), again.err
    converged(w, which)
    w.sb.stop()
