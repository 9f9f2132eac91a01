"""The terminal tests' world: a sandbox account over loopback and `powerpacks` run on a real pty
(tests/terminal/term.py) or with pipes, and names that don't fit a terminal."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.sandbox import Sandbox
from tests.support import accounts
from tests.terminal.term import TermRun, run_tty, terminal_env

REPO = Path(__file__).resolve().parents[2]
APPS = accounts.APPS[:3]

# A long name (wider than any terminal tested), and one of wide characters: two columns each.
LONG = "campaign-pool-for-the-spring-sale-in-the-north-east-region-" * 3
WIDE = "マーケティング配信プール" * 3


def long_names(count: int) -> list[str]:
    """`count` Powerpack names, every third of wide (CJK) characters, all longer than 80."""
    return [f"{i:03d}-{WIDE if i % 3 == 2 else LONG}" for i in range(count)]


def manifest_for(names: list[str], **fields: Any) -> str:
    """A manifest managing `sticky_sender: false` and one priority cell of each name."""
    lines = ["version: 1", "prune: false", "powerpacks:"]
    for name in names:
        lines += [f'  "{name}":', "    sticky_sender: false",
                  "    number_priority: {US: {SMS: [tollfree, longcode, shortcode]}}"]  # fmt: skip
    return "\n".join(lines) + "\n"


@dataclass
class Account:
    """A sandbox account, a work folder, and `powerpacks` run on a terminal against them."""

    sb: Sandbox
    cwd: Path

    def env(self, **extra: str) -> dict[str, str]:
        creds = {
            "PLIVO_AUTH_ID": self.sb.auth_id,
            "PLIVO_AUTH_TOKEN": self.sb.auth_token,
            "PLIVO_API_URL": self.sb.url,
        }
        return terminal_env({**creds, **extra})

    def run(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run without a terminal (pipes), as CI does."""
        return subprocess.run(
            [sys.executable, "-m", "reconciler", *args], cwd=self.cwd, env=env or self.env(),
            input=stdin, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def write(self, text: str, name: str = "powerpacks.yaml") -> None:
        (self.cwd / name).write_text(text, encoding="utf-8")

    def tty(
        self, *args: str, stdout_file: str | None = "stdout.txt", env: dict[str, str] | None = None,
        **options: Any,
    ) -> TermRun:  # fmt: skip
        """Run on a pty (stderr, stdin); stdout to a file (as `> plan.txt`) unless None."""
        if stdout_file is None:
            return run_tty(args, cwd=self.cwd, env=env or self.env(), **options)
        path = self.cwd / stdout_file
        with path.open("wb") as out:
            run = run_tty(args, cwd=self.cwd, env=env or self.env(), stdout=out, **options)
        run.stdout = path.read_text(encoding="utf-8")
        return run
