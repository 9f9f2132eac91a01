"""CLI `apply` under API faults at 10-30% converges: no duplicate, no blind create, no loss.

A create whose answer is lost and that the lookup doesn't find stops its run (it may still
land: it is never sent twice in one run); re-running apply, as a CI job's retry does, finishes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.accounts import account, manifest_names, manifest_text
from tests.support.world import blind_repeats, create_log

# (fault spec, sandbox seed): every kind the issue names, at rates from 10% to 30%.
CI_FAULTS = [
    ("429:0.2", 1),
    ("429-retry-after:0.25,retry_after=0.05", 2),
    ("500:0.2", 3),
    ("503:0.3", 4),
    ("drop:0.2", 5),
    ("drop-after:0.3", 6),
    ("timeout:0.1,delay=1.5", 7),
]
KINDS = [*(spec.split(":")[0] for spec, _ in CI_FAULTS), "502"]
OPTIONS = {"429-retry-after": ",retry_after=0.05", "timeout": ",delay=1.5"}
SLOW = [
    pytest.param(f"{kind}:{rate}{OPTIONS.get(kind, '')}", seed, marks=pytest.mark.slow)
    for kind in KINDS
    for rate in (0.1, 0.2, 0.3)
    for seed in (11, 12, 13)
]
TIMEOUT = {"POWERPACKS_TIMEOUT": "0.5"}  # short, so a `timeout` fault is a real read timeout


RERUNS = 10
MAY_LAND = ("may have been created", "may still land")


def apply_until_done(
    w: Any, *args: str, allowed: tuple[str, ...] = MAY_LAND, reruns: int = RERUNS, **env: str
) -> Any:
    """Run apply again while a run stops on an ambiguous create (the only allowed failure; with
    `allowed`, those failures), up to `reruns` runs. The last run, with `logs`: the stderr of
    every run, in order."""
    logs = []
    for _ in range(reruns):
        result = w.invoke("apply", "--auto-approve", "--allow-mass-change", *args, **env)
        logs.append(result.err)
        result.logs = "\n".join(logs)
        assert "Traceback" not in result.err
        if result.code == 0:
            return result
        failed = [ln for ln in result.err.splitlines() if "FAILED" in ln]
        assert any(any(m in ln for m in MAY_LAND) for ln in failed), result.err[-3000:]
        assert all(any(m in ln for m in allowed) for ln in failed), result.err[-3000:]
    return result


def check_run(w: Any, text: str, result: Any) -> dict[str, int]:
    """Assert convergence, no duplicate, no blind repeat; return what happened (for figures)."""
    journal = w.sb.journal()
    faults = sum(1 for e in journal if "fault" in e)
    assert result.code == 0, result.err[-3000:]
    assert "Traceback" not in result.err
    w.sb.set_faults([])
    w.check_converged(text)
    creates = create_log(journal, w.sb.auth_id)
    for name in manifest_names(text):
        if name.startswith("new-"):
            took = [e for e in creates.get(name, []) if e["status"] == 200]
            assert len(took) == 1, f"{name} was created {len(took)} times"
    assert blind_repeats(journal, w.sb.auth_id) == []
    return {"faults": faults, "requests": len(journal)}


@pytest.mark.parametrize(("spec", "seed"), [*CI_FAULTS, *SLOW])
def test_one_cli_apply_converges_under_faults(world: Any, spec: str, seed: int) -> None:
    w = world(account(12, 4), faults=[spec], seed=seed)
    text = manifest_text(12, creates=5)
    w.write(text)
    verbose = ["-vv"] if spec.startswith("timeout") else []
    result = apply_until_done(w, *verbose, **TIMEOUT)
    figures = check_run(w, text, result)
    assert figures["faults"] or faults_fired(w), "no fault fired: the test proved nothing"
    if verbose:  # the client really cut the call (0.5 s) before the sandbox's 1.5 s delay ended
        assert "no complete answer within 0.5 s" in result.logs  # in whichever run it fired


MIXED = [
    "429:0.05",
    "429-retry-after:0.05,retry_after=0.05",
    "500:0.05",
    "503:0.05",
    "drop:0.05",
    "drop-after:0.05",
    "timeout:0.03,delay=1.5",
]


MIXED_SEEDS = [21, *(pytest.param(s, marks=pytest.mark.slow) for s in range(22, 32))]


@pytest.mark.parametrize("seed", MIXED_SEEDS)
def test_all_fault_kinds_at_once_about_30_percent(world: Any, seed: int) -> None:
    w = world(account(12, 4), faults=MIXED, seed=seed)
    text = manifest_text(12, creates=5)
    w.write(text)
    result = apply_until_done(w, "--parallelism", "8", **TIMEOUT)
    check_run(w, text, result)


def test_creates_whose_answers_are_all_lost_are_made_once(world: Any) -> None:
    """Every create is applied and its answer dropped: each must be found, never re-sent blind."""
    w = world(account(2, 1), faults=["drop-after:every=1,method=POST"], seed=1)
    text = "version: 1\npowerpacks:\n" + "".join(f"  new-{i}: {{}}\n" for i in range(4))
    w.write(text)
    result = w.invoke("apply", "--auto-approve", "--allow-mass-change")
    assert result.code == 0, result.err
    creates = create_log(w.sb.journal(), w.sb.auth_id)
    assert {n: len(v) for n, v in creates.items()} == {f"new-{i}": 1 for i in range(4)}
    assert w.names() == {"m-00": 1, "m-01": 1, "keep-0": 1, **{f"new-{i}": 1 for i in range(4)}}


def test_apply_against_a_separate_sandbox_process_under_faults(tmp_path: Any) -> None:
    """`powerpacks sandbox serve --fault ...` in its own process, the CLI apply against it."""
    import json
    import signal
    import subprocess
    from collections import Counter

    from reconciler.sandbox import build_state, write_state
    from tests.support.accounts import APPS, AUTH_ID, TOKEN
    from tests.support.cli import cli_command, cli_env, invoke

    state = tmp_path / "state.json"
    pps, creds = account(6, 2), {"auth_id": AUTH_ID, "auth_token": TOKEN}
    write_state(state, build_state(powerpacks=pps, applications=APPS, **creds))
    options = ["--state", str(state), "--seed", "3", "--fault", "drop-after:0.3,method=write"]
    options += ["--fault", "503:0.2"]
    server = subprocess.Popen(
        cli_command("sandbox", "serve", "--port", "0", *options),
        env=cli_env("unused"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().removeprefix("export PLIVO_API_URL=")
        text = manifest_text(6, creates=4)
        (tmp_path / "powerpacks.yaml").write_text(text)
        result = invoke(tmp_path, cli_env(url), "apply", "--auto-approve", "--allow-mass-change")
        assert result.code == 0, result.err
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in err
    saved = json.loads(state.read_text())
    names = Counter(p["name"] for p in saved["powerpacks"])
    assert set(names) == set(manifest_names(text)) | {"keep-0", "keep-1"}
    assert max(names.values()) == 1
    journal_text = state.with_name("state.journal.jsonl").read_text()
    journal = [json.loads(line) for line in journal_text.splitlines()]
    assert any("fault" in e for e in journal)
    assert blind_repeats(journal, AUTH_ID) == []
    assert TOKEN not in journal_text


PRUNE_FAULTS = [
    ("drop-after:0.3,method=DELETE", 1),
    ("timeout:0.3,delay=1.5,method=DELETE", 2),
    *(
        pytest.param(spec, seed, marks=pytest.mark.slow)
        for spec in ("500:0.3", "drop:0.3", "drop-after:0.3", "503:0.2", "429:0.3")
        for seed in (3, 4)
    ),
]


def faults_fired(w: Any, wait: float = 3.0) -> int:
    """Faults in the journal; a `timeout` fault is journalled when its delay ends, so wait."""
    import time

    end = time.monotonic() + wait
    while not (fired := sum("fault" in e for e in w.sb.journal())) and time.monotonic() < end:
        time.sleep(0.05)
    return fired


@pytest.mark.parametrize(("spec", "seed"), PRUNE_FAULTS)
def test_a_pruning_apply_converges_under_faults(world: Any, spec: str, seed: int) -> None:
    """Deletes whose answers are lost are not an error on re-send (404 after an ambiguous try)."""
    w = world(account(8, 5), faults=[spec], seed=seed)
    text = manifest_text(8, creates=3, prune=True)
    w.write(text)
    result = w.invoke("apply", "--auto-approve", "--allow-mass-change", "--allow-delete", **TIMEOUT)
    assert result.code == 0, result.err[-3000:]
    assert faults_fired(w)
    w.sb.set_faults([])
    assert w.invoke("plan", "--detailed-exitcode").code == 0
    assert w.names() == dict.fromkeys(manifest_names(text), 1)
    deletes = [e for e in w.sb.journal() if e["method"] == "DELETE"]
    assert all(e["body"] == {"unrent_numbers": False} for e in deletes)
    assert len({e["path"] for e in deletes if e["status"] == 200}) == 5


# --- pools: moves, service changes, adds and removals under faults --------------------------------

POOL_CI_FAULTS = [
    ("drop-after:0.3,method=write", 1),  # writes applied, answers lost: moves' removals and adds
    ("drop:0.2,method=POST", 2),  # adds not applied and unanswered: a move stops half-way
    ("500:0.2", 3),
    ("timeout:0.1,delay=1.5,method=write", 4),
    ("429:0.2", 5),
]
POOL_SLOW = [
    pytest.param(f"{kind}:{rate}{OPTIONS.get(kind, '')}", seed, marks=pytest.mark.slow)
    for kind in KINDS
    for rate in (0.1, 0.3)
    for seed in (31, 32)
]


POOL_STOPS = (*MAY_LAND, "stopped after")
POOL_RERUNS = 40


def check_pool_writes(journal: list[dict[str, Any]]) -> dict[str, int]:
    """Never rent, never unrent, whatever the faults; the moves' and adds' counts."""
    writes = [
        e for e in journal if e["method"] in ("POST", "DELETE") and "/NumberPool/" in e["path"]
    ]
    assert all(e["body"] == {"unrent": False} for e in writes if e["method"] == "DELETE")
    assert all((e["body"] or {}).get("rent") in (None, False) for e in writes)
    return {"pool_writes": len(writes), "pool_faults": sum("fault" in e for e in writes)}


@pytest.mark.parametrize(("spec", "seed"), [*POOL_CI_FAULTS, *POOL_SLOW])
def test_pool_moves_and_service_changes_converge_under_faults(
    world: Any, spec: str, seed: int
) -> None:
    from .pools import check_pools_converged, pool_account, pool_manifest, rented

    pps, spares = pool_account()
    w = world(pps, spares, faults=[spec], seed=seed)
    before = rented(w)
    w.write(pool_manifest())
    # An ambiguous add stops the run (it is never sent twice in one run); the other changes of its
    # step stop part-way with it. At 30% on every call, ~30 adds take a dozen runs or more.
    result = apply_until_done(w, allowed=POOL_STOPS, reruns=POOL_RERUNS, **TIMEOUT)
    assert result.code == 0, result.err[-3000:]
    assert faults_fired(w), "no fault fired: the test proved nothing"
    figures = check_pool_writes(w.sb.journal())
    w.sb.set_faults([])
    check_pools_converged(w, before)
    assert figures["pool_writes"] >= 32
