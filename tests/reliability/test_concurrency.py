"""Two `apply` runs on one account at once: the manifest's state and no duplicates, or a clear
refusal."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.support.accounts import account, manifest_text
from tests.support.world import create_log

ROUNDS = [1, 2, *(pytest.param(s, marks=pytest.mark.slow) for s in range(3, 15))]


@pytest.mark.parametrize("seed", ROUNDS)
def test_two_applies_at_once(world: Any, seed: int) -> None:
    rng = random.Random(seed)
    w = world(account(10, 3), latency_ms=rng.choice([2, 10, 25]), seed=seed)
    text = manifest_text(10, creates=6)
    w.write(text)
    procs = [
        w.popen(
            "apply",
            "--auto-approve",
            "--allow-mass-change",
            "--parallelism",
            str(rng.choice([1, 4, 8])),
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert "Traceback" not in err
        if code != 0:  # a refusal must say what and why, in a line or two
            assert (code == 1 and "Error" in err) or "FAILED" in err, err
    assert any(code == 0 for code, _, _ in results), [r[2] for r in results]
    w.check_converged(text)
    creates = create_log(w.sb.journal(), w.sb.auth_id)
    for name, tries in creates.items():
        assert len([e for e in tries if e["status"] == 200]) == 1, name


POOL_ROUNDS = [1, *(pytest.param(s, marks=pytest.mark.slow) for s in range(2, 10))]


@pytest.mark.parametrize("seed", POOL_ROUNDS)
def test_two_pool_applies_at_once(world: Any, seed: int) -> None:
    """Both runs move, re-add and remove the same numbers: a removal answered 404 and an add
    answered 400 are checked by a read, so each run ends done or with a clear failure, and a
    re-run converges with every number still the account's."""
    from .pools import check_pools_converged, pool_account, pool_manifest, rented

    rng = random.Random(seed)
    pps, spares = pool_account()
    w = world(pps, spares, latency_ms=rng.choice([2, 10, 25]), seed=seed)
    before = rented(w)
    w.write(pool_manifest())
    args = ("apply", "--auto-approve", "--allow-mass-change", "--parallelism")
    procs = [w.popen(*args, str(rng.choice([1, 4, 8]))) for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert "Traceback" not in err
        assert code == 0 or "FAILED" in err or "Error" in err, err
    assert rented(w) == before
    if any(code != 0 for code, _, _ in results):
        again = w.run("apply", "--auto-approve", "--allow-mass-change")
        assert again.code == 0, again.err
    check_pools_converged(w, before)
    creates = create_log(w.sb.journal(), w.sb.auth_id)
    assert [len([e for e in tries if e["status"] == 200]) for tries in creates.values()] == [1]
