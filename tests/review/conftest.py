"""Review and guards end to end: the `powerpacks` command as a subprocess, the sandbox over HTTP.

The `world` fixture is the e2e one (tests/e2e/conftest.py): a seeded sandbox, a work folder, and
`env.run(...)` with that sandbox's credentials. The helpers here write manifests and read plans.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.e2e.conftest import APPS, PHLOS, Env, Result, pp

__all__ = ["Env", "Result", "pp"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Any]:
    """world(powerpacks=[...], numbers=[...], auth_id=..., **sandbox_options) -> Env: the e2e
    world (tests/e2e/conftest.py), with rented numbers in no pool and a chosen auth id."""
    started: list[Sandbox] = []

    def make(
        powerpacks: list[dict[str, Any]] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        auth_id: str | None = None,
        **options: Any,
    ) -> Env:
        state_path = tmp_path / f"sandbox{len(started)}.json"
        state = build_state(
            powerpacks=powerpacks or [], applications=APPS, phlos=PHLOS, numbers=numbers,
            auth_id=auth_id, seed=7,
        )  # fmt: skip
        write_state(state_path, state)
        sb = Sandbox(state_path, **options).start()
        started.append(sb)
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        return Env(sb, work)

    yield make
    for sb in started:
        sb.stop()


def rented(*numbers: str, country: str = "US") -> list[dict[str, Any]]:
    """Numbers the account rents, in no pool: long codes, or toll-free by their area code."""
    kinds = {"800", "888", "877", "866", "855", "844", "833"}
    return [
        {"number": n, "country_iso2": country,
         "type": "tollfree" if n[1:4] in kinds else "fixed"}
        for n in numbers
    ]  # fmt: skip


def manifest(*entries: str, head: str = "") -> str:
    """A version 1 manifest: `head` lines (prune, guards, account...), then one line a Powerpack."""
    lines = ["version: 1", *(line for line in head.splitlines() if line), "powerpacks:"]
    lines += [f"  {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


def plan_json(env: Env, *args: str) -> dict[str, Any]:
    """`plan --format json` (plus args) as data; the plan must succeed."""
    result = env.run("plan", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def origins(plan: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(Powerpack, field) -> origin of every field change in a JSON plan."""
    return {(c["name"], f["field"]): f["origin"] for c in plan["changes"] for f in c["fields"]}


def reads(env: Env) -> list[dict[str, Any]]:
    return list(env.sb.journal())


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens: any call to it fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err, result.err
