"""tests/hardening: each file attacks one class of "trust under hostile input" from outside."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.support.fixtures import hostile, world
from tests.support.world import World, world_at

__all__ = ["fresh", "hostile", "world"]


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
