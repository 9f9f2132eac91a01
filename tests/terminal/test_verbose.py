"""-v: each phase with its call count and time, every retry and every rate-cap wait; -vv: every
call. Against a sandbox that answers 429 to a third of the requests (seeded)."""

from __future__ import annotations

import re
from typing import Any

from tests.support.terminal import long_names
from tests.terminal.term import plain

PHASES = ("Powerpack list", "priority matrices", "applications", "number pools")
PHASE_LINE = re.compile(r"^reconciler: (.+): (\d+) calls? in \d+\.\d\d s$")
RETRY_LINE = re.compile(r"^reconciler\.client: GET /v1/Account/MA\*+\w{4}/\S+: rate limited "
                        r"\(429\); retry in \d+\.\d\d s$")  # fmt: skip
WAIT_LINE = re.compile(
    r"^reconciler\.client: rate cap: waited \d+\.\d\d s \(the account's limit\)$"
)
CALL_LINE = re.compile(r"^reconciler\.client: (GET|POST|DELETE) /v1/Account/MA\*+\w{4}/\S* -> "
                       r"(\d{3}|no answer) in \d+ ms$")  # fmt: skip


def journal_calls(acc: Any) -> list[dict[str, Any]]:
    return list(acc.sb.journal())


def test_v_gives_phases_with_counts_every_retry_and_every_wait(account: Any) -> None:
    acc = account(long_names(30), faults=["429:0.3"], seed=4)
    r = acc.run("plan", "-v", env=acc.env(POWERPACKS_RATE_LIMIT="20/1"))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    phases = {m.group(1): int(m.group(2)) for m in map(PHASE_LINE.match, lines) if m}
    assert set(PHASES) <= set(phases), lines
    sent = journal_calls(acc)
    answered_429 = [e for e in sent if e.get("status") == 429]
    retries = [ln for ln in lines if RETRY_LINE.match(ln)]
    assert answered_429 and len(retries) == len(answered_429), (len(retries), len(answered_429))
    assert sum(phases[p] for p in PHASES) == len(sent)  # every call sent, retries included
    assert [ln for ln in lines if WAIT_LINE.match(ln)], "no rate-cap wait was logged"
    assert not [ln for ln in lines if CALL_LINE.match(ln)], "-v logs no single call"
    assert acc.sb.auth_token not in r.stderr and acc.sb.auth_id not in r.stderr


def test_vv_logs_every_call(account: Any) -> None:
    acc = account(long_names(25), faults=["429:0.3"], seed=4)
    r = acc.run("plan", "-vv")
    assert r.returncode == 0, r.stderr
    calls = [ln for ln in r.stderr.splitlines() if CALL_LINE.match(ln)]
    assert len(calls) == len(journal_calls(acc)), r.stderr[-2000:]
    assert any(" -> 429 in " in ln for ln in calls)
    assert acc.sb.auth_token not in r.stderr and acc.sb.auth_id not in r.stderr


def test_v_on_apply_gives_the_writes_as_a_phase(account: Any) -> None:
    acc = account(long_names(5))
    r = acc.run("apply", "--auto-approve", "--allow-mass-change", "-v")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^reconciler: apply: 5 calls in \d+\.\d\d s$", r.stderr, re.M), r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("apply: [")]) == 5


def test_v_on_a_terminal_prints_whole_lines_above_the_progress_line(account: Any) -> None:
    acc = account(long_names(20), faults=["429:0.3"], seed=4)
    run = acc.tty("plan", "-v", env=acc.env(POWERPACKS_RATE_LIMIT="20/1"), cols=200)
    assert run.code == 0, plain(run.raw)
    assert run.in_place(), "no progress line"
    screen = run.screen(rows=2000)
    assert screen and all(ln.startswith("reconciler") for ln in screen), screen[:5]
    assert any(RETRY_LINE.match(ln) for ln in screen)
    assert not [ln for ln in screen if " · 00:" in ln]
