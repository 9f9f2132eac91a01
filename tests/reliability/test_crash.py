"""SIGKILL `apply` part-way: a re-run always converges; nothing outside the manifest moves, nothing
is deleted or duplicated."""

from __future__ import annotations

import random
import signal
import time
from typing import Any

import pytest

from .conftest import account, create_log, manifest_text

RUNS_CI = 3
RUNS_SLOW = 24


def kill_after_writes(w: Any, k: int, limit: float = 60.0) -> int:
    """Start `apply --auto-approve`, SIGKILL it once k writes are in the journal; writes seen."""
    proc = w.popen("apply", "--auto-approve", "--allow-mass-change", "--parallelism", "4")
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
    again = w.run("apply", "--auto-approve", "--allow-mass-change")
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
