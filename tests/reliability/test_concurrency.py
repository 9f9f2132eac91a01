"""Two `apply` runs on one account at once: the manifest's state and no duplicates, or a clear
refusal."""

from __future__ import annotations

import random
from typing import Any

import pytest

from .conftest import account, create_log, manifest_text

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
