"""Running `powerpacks`: as a subprocess (`python -m reconciler`), with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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
