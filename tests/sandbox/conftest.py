"""Fixtures: a running sandbox (ephemeral port, fresh demo state) and a keep-alive session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reconciler.sandbox import Sandbox


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The demo account, no rate limit (tests that need it switch it on)."""
    with Sandbox(tmp_path / "sandbox.json", rate_limit=None) as sb:
        yield sb


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[requests.Session]:
    """A session authenticated as the sandbox account."""
    with requests.Session() as session:
        session.auth = (sandbox.auth_id, sandbox.auth_token)
        yield session


@pytest.fixture
def base(sandbox: Sandbox) -> str:
    """The account's API root, without a trailing slash."""
    return f"{sandbox.url}/v1/Account/{sandbox.auth_id}"
