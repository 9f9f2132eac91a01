"""The terminal tests' world: a sandbox account over loopback and `powerpacks` on a real pty."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.terminal.term import TermRun, run_tty, terminal_env

# A long name (wider than any terminal tested), and one of wide characters: two columns each.
LONG = "campaign-pool-for-the-spring-sale-in-the-north-east-region-" * 3
WIDE = "マーケティング配信プール" * 3
APPS = [
    {"app_id": "20468599130939380", "app_name": "Marketing replies"},
    {"app_id": "33660394121755210", "app_name": "Support IVR"},
    {"app_id": "17231002233445566", "app_name": "Legacy replies"},
]


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


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Any]:
    """Factory: account(names, **sandbox_options) -> Account (its sandbox stopped at teardown)."""
    started: list[Sandbox] = []

    def make(names: list[Any], **options: Any) -> Account:
        state_path = tmp_path / f"sandbox-{len(started)}.json"
        specs = [n if isinstance(n, dict) else {"name": n} for n in names]
        state = build_state(powerpacks=specs, applications=APPS, seed=5)
        write_state(state_path, state)
        sb = Sandbox(state_path, **options).start()
        started.append(sb)
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        plain_names = [s["name"] for s in specs]
        (work / "powerpacks.yaml").write_text(manifest_for(plain_names), encoding="utf-8")
        return Account(sb, work)

    yield make
    for sb in started:
        sb.stop()


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Any]:
    """Factory: demo(**sandbox_options) -> Account on the bundled demo account (fixed ids), with
    the repository's powerpacks.yaml in its folder."""
    from reconciler.sandbox import demo_state

    started: list[Sandbox] = []

    def make(**options: Any) -> Account:
        state_path = tmp_path / f"demo-{len(started)}.json"
        write_state(state_path, demo_state())
        sb = Sandbox(state_path, **options).start()
        started.append(sb)
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        text = (REPO / "powerpacks.yaml").read_text(encoding="utf-8")
        (work / "powerpacks.yaml").write_text(text, encoding="utf-8")
        return Account(sb, work)

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A URL whose server accepts connections and never answers (a hung API)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()
