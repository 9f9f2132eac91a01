"""tests/support/cli.py's `invoke` gives what `run_cli` gives (a child process) for the same
arguments and environment, and leaves this process as it found it."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import base as cli_base
from reconciler.cli import observe as cli_observe
from reconciler.cli import signals as cli_signals
from reconciler.sandbox import Sandbox
from tests.support.cli import Run, clean_env, cli_env, invoke, run_cli
from tests.support.servers import RawServer, silent

MANIFEST = "version: 1\nprune: false\npowerpacks:\n  alerts: {sticky_sender: false}\n"
TIME = re.compile(r"in \d+\.\d+ s")
BROKEN = "version: 1\npowerpacks:\n  a: {sticky_sender: maybe}\n  b: {colour: red}\n"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "sandbox.json", rate_limit=None) as sb:
        yield sb


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "powerpacks.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return folder


def same(a: Run, b: Run) -> tuple[Any, ...]:
    return (a.code, a.out, a.err) == (b.code, b.out, b.err), a, b


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("--help",),
        ("plan", "--help"),
        ("no-such-command",),
        ("plan", "--no-such-option"),
        ("validate",),
        ("validate", "-f", "broken.yaml"),
        ("validate", "-f", "missing.yaml"),
        ("plan",),  # no credentials: PLIVO_* are not in a clean environment
    ],
)
def test_without_an_account_the_same_as_a_child(work: Path, args: tuple[str, ...]) -> None:
    env = clean_env()
    assert same(invoke(work, env, *args), run_cli(work, env, *args))


@pytest.mark.parametrize(
    "args",
    [
        ("plan",),
        ("plan", "--detailed-exitcode", "--format", "json"),
        ("plan", "-v"),
        ("apply",),  # no terminal to confirm on: refused
        ("export",),
        ("show", "no-such-plan.json"),
    ],
)
def test_against_a_sandbox_the_same_as_a_child(
    work: Path, sandbox: Sandbox, args: tuple[str, ...]
) -> None:
    env = cli_env(sandbox.url, sandbox.auth_id, sandbox.auth_token)
    here, child = invoke(work, env, *args), run_cli(work, env, *args)
    if "-v" in args:  # the timings differ from run to run
        assert "reconciler: Powerpack list: 1 call in" in here.err
        here.err, child.err = (TIME.sub("in T s", r.err) for r in (here, child))
    assert same(here, child)


def test_apply_then_the_same_plan_is_empty(work: Path, sandbox: Sandbox) -> None:
    env = cli_env(sandbox.url, sandbox.auth_id, sandbox.auth_token)
    applied = invoke(work, env, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert [e["method"] for e in sandbox.journal()].count("POST") == 1
    assert run_cli(work, env, "plan", "--detailed-exitcode").code == 0
    assert invoke(work, env, "plan", "--detailed-exitcode").code == 0


def test_the_environment_is_exactly_the_one_given(
    work: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable of this process that the env leaves out is unset for the run, as in a child."""
    monkeypatch.setenv("PLIVO_AUTH_ID", sandbox.auth_id)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", sandbox.auth_token)
    monkeypatch.setenv("PLIVO_API_URL", sandbox.url)
    r = invoke(work, clean_env(), "plan")
    assert r.code == 1
    assert "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN not set" in r.err
    assert os.environ["PLIVO_AUTH_TOKEN"] == sandbox.auth_token  # and back afterwards


def test_stdin_is_given_and_not_a_terminal(work: Path, sandbox: Sandbox) -> None:
    env = cli_env(sandbox.url, sandbox.auth_id, sandbox.auth_token)
    r = invoke(work, env, "apply", stdin="yes\n")
    assert "no terminal to ask on" in r.err
    assert same(r, run_cli(work, env, "apply", stdin="yes\n"))


def state() -> dict[str, Any]:
    root = logging.getLogger()
    return {
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "signals": [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)],
        "timer": signal.getitimer(signal.ITIMER_REAL),
        "handlers": list(root.handlers),
        "levels": (root.level, logging.getLogger("urllib3").level),
        "stream": cli_observe._handler.stream,
        "progress": cli_observe._handler.progress,
        "base": {k: list(v) if isinstance(v, list) else v for k, v in cli_base._state.items()},
        "signal state": {
            k: list(v) if isinstance(v, list) else v for k, v in cli_signals._state.items()
        },
    }


def test_this_process_is_left_as_it_was(work: Path, sandbox: Sandbox) -> None:
    before = state()
    env = cli_env(sandbox.url, sandbox.auth_id, sandbox.auth_token)
    for args in (("plan", "-vv", "--no-color"), ("apply", "--auto-approve", "-v"), ("nope",)):
        invoke(work, env, *args)
        assert state() == before, args


def test_each_run_starts_as_a_fresh_process(work: Path, sandbox: Sandbox) -> None:
    """What one run learnt (a token to mask, --no-color) is not in the next one's state."""
    env = cli_env(sandbox.url, sandbox.auth_id, sandbox.auth_token)
    invoke(work, env, "--no-color", "plan")
    seen: list[Any] = []
    cli_base._state["redactors"].append(seen)  # a run that started with it would break on it
    r = invoke(work, clean_env(), "validate")
    assert r.code == 0, r.err
    assert cli_base._state["redactors"] == [seen]
    cli_base._state["redactors"].remove(seen)


def test_a_hung_run_raises_timeout_expired_like_a_child(work: Path) -> None:
    server = RawServer(lambda conn: None)
    server.serve = silent(server)
    try:
        env = cli_env(server.url, POWERPACKS_TIMEOUT="60")
        with pytest.raises(subprocess.TimeoutExpired):
            invoke(work, env, "plan", timeout=0.5)
    finally:
        server.close()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
