"""The terminal tests' fixtures: sandbox accounts (tests/support/terminal.py), a hung API."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.terminal import APPS, REPO, Account, manifest_for


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
