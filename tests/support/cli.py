"""Running `powerpacks`: as a subprocess (`run_cli`: `python -m reconciler`), or in this process
(`invoke`), which is many times faster and gives the same `Run` for the same arguments.

`invoke` goes through the real entry point, `reconciler.cli.main(argv)` (exceptions to exit
codes, then sys.exit), inside click's CliRunner isolation (stdin, stdout and stderr apart). For
the call it sets the working directory and the environment exactly as given (variables not in
it are unset, as in a child given that env), and a process's fresh state: the CLI's module state
(colour, the redactors, the signal state) as at import. Afterwards it puts everything back: the
directory, the environment, the SIGINT/SIGTERM/SIGALRM handlers, the root and urllib3 loggers'
levels and handlers (-v adds one), the CLI's log handler and module state. A run longer than
`timeout` raises subprocess.TimeoutExpired, as run_cli does (SIGALRM interrupts it).

Use run_cli where the process itself is the subject: signals, a pty, the console script, a
child's environment, stdout closed, two runs at once, a hang cut by the timeout.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import click.formatting
from click.testing import CliRunner

import reconciler.cli
from reconciler.cli import base as cli_base
from reconciler.cli import observe as cli_observe
from reconciler.cli import signals as cli_signals
from tests.support.accounts import AUTH_ID, TOKEN


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float = 0.0
    logs: str = ""  # apply_until_done: the stderr of every run it made


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without PLIVO_*/GITHUB_*, with NO_COLOR=1, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "GITHUB_"))}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def cli_env(url: str, auth_id: str = AUTH_ID, token: str = TOKEN, **extra: str) -> dict[str, str]:
    """A clean environment (no PLIVO_*/GITHUB_*) with these credentials and API URL."""
    env = clean_env(PLIVO_AUTH_ID=auth_id, PLIVO_AUTH_TOKEN=token, PLIVO_API_URL=url)
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def run_cli(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 120, stdin: str | None = None
) -> Run:
    """Run the CLI as a subprocess to the end; the result keeps both streams."""
    t0 = time.monotonic()
    proc = subprocess.run(
        cli_command(*args), cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


def no_traceback(result: Run) -> None:
    assert "Traceback" not in result.err, result.err


# --- in this process ------------------------------------------------------------------------

# The CLI's module state, as a fresh process has it (taken at import, before any run).
_MODULE_STATES: tuple[dict[str, Any], ...] = (cli_base._state, cli_signals._state)
_FRESH = copy.deepcopy(_MODULE_STATES)
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)
_LOGGERS = ("", "urllib3")  # what setup_logging sets (-v, -vv)


class _Hung(BaseException):
    """The run outlived its timeout (not an Exception: nothing in the CLI may swallow it)."""


def _pipe_terminal_size(fallback: tuple[int, int] = (80, 24)) -> os.terminal_size:
    """shutil.get_terminal_size as a child whose stdout is a pipe sees it: COLUMNS and LINES
    from the environment, else the fallback."""
    size = []
    for name, default in zip(("COLUMNS", "LINES"), fallback, strict=True):
        try:
            value = int(os.environ.get(name, ""))
        except ValueError:
            value = 0
        size.append(value if value > 0 else default)
    return os.terminal_size(size)


@contextlib.contextmanager
def _process(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """This process as a fresh child in `cwd` with exactly `env`; everything put back after."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("invoke runs in the main thread only (signals): use run_cli")
    saved_environ, saved_cwd = dict(os.environ), os.getcwd()
    saved_signals = {s: signal.getsignal(s) for s in _SIGNALS}
    root = logging.getLogger()
    saved_handlers = list(root.handlers)
    saved_levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    handler = cli_observe._handler
    saved_stream, saved_progress = handler.stream, handler.progress
    saved_states = [dict(state) for state in _MODULE_STATES]
    try:
        for state, fresh in zip(_MODULE_STATES, copy.deepcopy(_FRESH), strict=True):
            state.clear()
            state.update(fresh)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        with mock.patch.object(shutil, "get_terminal_size", _pipe_terminal_size):
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
        for signum, old in saved_signals.items():
            if old is not None:
                signal.signal(signum, old)
        root.handlers[:] = saved_handlers
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
        handler.setStream(saved_stream)
        handler.progress = saved_progress
        for state, saved in zip(_MODULE_STATES, saved_states, strict=True):
            state.clear()
            state.update(saved)


def _exit_code(code: Any) -> int:
    """What a process exiting by SystemExit(code) returns."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _main(argv: list[str], timeout: float) -> int:
    """reconciler.cli.main(argv) to its exit code; an escaping exception is a traceback on
    stderr and exit 1, as the interpreter does."""

    def hung(_signum: int, _frame: Any) -> None:
        raise _Hung

    signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        try:
            reconciler.cli.main(argv)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except SystemExit as e:
        return _exit_code(e.code)
    except Exception:
        traceback.print_exc()
        return 1
    return 0  # not reached: main always exits


def invoke(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 120, stdin: str | None = None
) -> Run:
    """Run the CLI in this process, as run_cli runs it in a child (same arguments, same Run)."""
    t0 = time.monotonic()
    runner = CliRunner()
    with _process(cwd, env), runner.isolation(input=stdin) as (out, err, _mixed):
        click.formatting.FORCED_WIDTH = None  # the width a child on a pipe has (isolation: 80)
        try:
            code = _main(list(args), timeout)
        except _Hung:
            sys.stdout.flush()
            sys.stderr.flush()
            raise subprocess.TimeoutExpired(
                cli_command(*args), timeout, out.getvalue(), err.getvalue()
            ) from None
        sys.stdout.flush()
        sys.stderr.flush()
    text = out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")
    return Run(code, *text, time.monotonic() - t0)
