"""Pool fixtures: a sandbox whose pools and rented numbers a test chooses, read back by Powerpack
name (tests/support/pools.py), and a hostile server (tests/support/servers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.accounts import APPS, PHLOS
from tests.support.pools import PoolEnv
from tests.support.servers import Hostile, hostiles


@pytest.fixture
def hostile() -> Iterator[Callable[..., Hostile]]:
    """hostile(count=45, behave=None) -> a running Hostile server (closed at teardown)."""
    yield from hostiles()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Any]:
    """world(powerpacks, numbers=[spare rented numbers], **Sandbox options) -> PoolEnv."""
    started: list[Sandbox] = []

    def make(
        powerpacks: list[dict[str, Any]] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> PoolEnv:
        state_path = tmp_path / f"sandbox{len(started)}.json"
        state = build_state(
            powerpacks=powerpacks or [],
            applications=APPS,
            phlos=PHLOS,
            numbers=numbers or [],
            seed=7,
        )
        write_state(state_path, state)
        options.setdefault("rate_limit", None)
        sb = Sandbox(state_path, **options).start()
        started.append(sb)
        work = tmp_path / f"work{len(started)}"
        work.mkdir(exist_ok=True)
        env = PoolEnv(sb, work)
        env.snapshot()
        return env

    yield make
    for sb in started:
        sb.stop()
