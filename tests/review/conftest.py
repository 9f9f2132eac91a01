"""Review and guards end to end: the sandbox over loopback, a work folder, and `env.run(...)` with
that sandbox's credentials (tests/support/world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.world import envs


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Any]:
    """world(powerpacks=[...], numbers=[...], auth_id=..., **sandbox_options) -> Env, with rented
    numbers in no pool and a chosen auth id."""
    yield from envs(tmp_path)
