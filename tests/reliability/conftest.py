"""Reliability fixtures: a sandbox account (tests/support/world.py) or a hostile server
(tests/support/servers.py) for the CLI to run against."""

from tests.support.fixtures import hostile, world

__all__ = ["hostile", "world"]
