"""End-to-end fixtures: the sandbox over loopback and a work folder (tests/support/world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.world import envs


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Any]:
    """Factory: world(powerpacks=[...], **sandbox_options) -> Env (stopped at teardown)."""
    yield from envs(tmp_path)
