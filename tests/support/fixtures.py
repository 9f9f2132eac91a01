"""Fixtures more than one folder uses: a folder's conftest.py imports the ones it offers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.servers import Hostile, hostiles
from tests.support.world import World, worlds


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """world(powerpacks, **Sandbox options) -> World (stopped at teardown)."""
    yield from worlds(tmp_path)


@pytest.fixture
def hostile() -> Iterator[Callable[..., Hostile]]:
    """hostile(count=45, behave=None) -> a running Hostile server (closed at teardown)."""
    yield from hostiles()
