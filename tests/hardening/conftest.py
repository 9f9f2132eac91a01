"""tests/hardening: each file attacks one class of "trust under hostile input" from outside."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.e2e.conftest import APPS, PHLOS
from tests.reliability.conftest import AUTH_ID, TOKEN, World, hostile, world

__all__ = ["hostile", "world"]


def start(base: Path, powerpacks: list[dict[str, Any]], numbers: Any = None, **options: Any):
    """A running sandbox (our AUTH_ID and TOKEN) with these Powerpacks and rented numbers."""
    base.mkdir(parents=True, exist_ok=True)
    state_path = base / "sandbox.json"
    state = build_state(
        powerpacks=powerpacks, applications=APPS, phlos=PHLOS, numbers=numbers,
        auth_id=AUTH_ID, auth_token=TOKEN, seed=7,
    )  # fmt: skip
    write_state(state_path, state)
    sb = Sandbox(state_path, **options).start()
    work = base / "work"
    work.mkdir(exist_ok=True)
    return World(sb, work, {p["name"]: p for p in sb.snapshot()["powerpacks"]})


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """fresh(powerpacks, numbers=None, **Sandbox options) -> World, each in its own folder."""
    started: list[Sandbox] = []

    def make(powerpacks: list[dict[str, Any]], numbers: Any = None, **options: Any) -> World:
        w = start(tmp_path / f"w{len(started)}", powerpacks, numbers, **options)
        started.append(w.sb)
        return w

    yield make
    for sb in started:
        sb.stop()
