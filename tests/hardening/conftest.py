"""tests/hardening: each file attacks one class of "trust under hostile input" from outside."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.support.servers import Hostile, hostiles
from tests.support.world import World, world_at, worlds


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """world(powerpacks, **Sandbox options) -> World (stopped at teardown)."""
    yield from worlds(tmp_path)


@pytest.fixture
def hostile() -> Iterator[Callable[..., Hostile]]:
    """hostile(count=45, behave=None) -> a running Hostile server (closed at teardown)."""
    yield from hostiles()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """fresh(powerpacks, numbers=None, **Sandbox options) -> World, each in its own folder."""
    started: list[Sandbox] = []

    def make(powerpacks: list[dict[str, Any]], numbers: Any = None, **options: Any) -> World:
        w = world_at(tmp_path / f"w{len(started)}", powerpacks, numbers, **options)
        started.append(w.sb)
        return w

    yield make
    for sb in started:
        sb.stop()
