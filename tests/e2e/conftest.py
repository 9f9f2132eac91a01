"""End-to-end harness: the `powerpacks` command as a subprocess, the sandbox over loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state

DEFAULT_MATRIX = {
    "US": ("shortcode", "tollfree", "longcode"),
    "CA": ("shortcode", "longcode", "tollfree"),
}


def api_matrix(cells: dict[str, tuple[str, str, str]] | None = None) -> list[dict[str, Any]]:
    """A four-entry API number_priority; `cells` ("US.SMS" -> order) override the default."""
    cells = cells or {}
    out = []
    for country in ("US", "CA"):
        for service in ("SMS", "MMS"):
            order = cells.get(f"{country}.{service}", DEFAULT_MATRIX[country])
            out.append(
                {
                    "country_iso": country,
                    "service_type": service,
                    "priority": {f"priority{i + 1}": t for i, t in enumerate(order)},
                }
            )
    return out


def matrix_of(obj: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """number_priority of a state/API object as "US.SMS" -> order."""
    return {
        f"{e['country_iso']}.{e['service_type']}": tuple(
            e["priority"][f"priority{i}"] for i in (1, 2, 3)
        )
        for e in obj.get("number_priority") or []
    }


APPS = [
    {"app_id": "20468599130939380", "app_name": "Marketing replies"},
    {"app_id": "33660394121755210", "app_name": "Support IVR"},
    {"app_id": "17231002233445566", "app_name": "Legacy replies"},
    {"app_id": "17231002233445577", "app_name": "Twin"},
    {"app_id": "17231002233445588", "app_name": "Twin"},
]
PHLOS = [{"phlo_id": "e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11", "name": "Support flow"}]


def pp(name: str, **fields: Any) -> dict[str, Any]:
    """A live Powerpack for build_state, with the API's defaults for what isn't given."""
    base: dict[str, Any] = {
        "name": name,
        "sticky_sender": True,
        "local_connect": True,
        "application_type": "",
        "application_id": "",
        "number_priority": api_matrix(),
    }
    base.update(fields)
    return base


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Env:
    """One test's world: a sandbox, a work folder, and a way to run the CLI against them."""

    sb: Sandbox
    cwd: Path

    def write_manifest(self, text: str, name: str = "powerpacks.yaml") -> Path:
        path = self.cwd / name
        path.write_text(text, encoding="utf-8")
        return path

    def run(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> Result:
        """Run the CLI with this sandbox's credentials and URL in the environment."""
        creds = {
            "PLIVO_AUTH_ID": self.sb.auth_id,
            "PLIVO_AUTH_TOKEN": self.sb.auth_token,
            "PLIVO_API_URL": self.sb.url,
        }
        return self.run_plain(*args, env={**creds, **(env or {})}, stdin=stdin)

    def run_plain(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> Result:
        """Run the CLI with a clean environment: no PLIVO_* or GITHUB_* unless given."""
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "GITHUB_"))}
        full_env["NO_COLOR"] = "1"
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            cwd=self.cwd,
            env=full_env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def writes(self) -> list[dict[str, Any]]:
        """Every write the sandbox received since the last clear, in order."""
        return [e for e in self.sb.journal() if e["method"] in ("POST", "DELETE")]

    def live(self) -> dict[str, dict[str, Any]]:
        """The sandbox account's Powerpacks by name."""
        return {p["name"]: p for p in self.sb.snapshot()["powerpacks"]}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Any]:
    """Factory: world(powerpacks=[...], **sandbox_options) -> Env (stopped at teardown)."""
    started: list[Sandbox] = []

    def make(powerpacks: list[dict[str, Any]] | None = None, **options: Any) -> Env:
        state_path = tmp_path / "sandbox.json"
        state = build_state(powerpacks=powerpacks or [], applications=APPS, phlos=PHLOS, seed=7)
        write_state(state_path, state)
        sb = Sandbox(state_path, **options).start()
        started.append(sb)
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        return Env(sb, work)

    yield make
    for sb in started:
        sb.stop()
