"""Fixtures for the client tests: a fast client, and running sandboxes."""

from __future__ import annotations

import pytest

from tests.support.client import make_client


@pytest.fixture
def client():
    with make_client() as c:
        yield c


@pytest.fixture
def sandbox(tmp_path):
    """start(powerpacks=[...], applications=[...], **Sandbox options) -> a running Sandbox."""
    from reconciler.sandbox import Sandbox, build_state, write_state

    running = []

    def start(powerpacks=(), applications=(), seed=1, **options):
        path = tmp_path / f"sandbox{len(running)}.json"
        state = build_state(powerpacks=list(powerpacks), applications=list(applications), seed=seed)
        write_state(path, state)
        sb = Sandbox(path, seed=seed, **options).start()
        running.append(sb)
        return sb

    yield start
    for sb in running:
        sb.stop()
