"""A sandbox account over loopback and a work folder, to run the CLI in; the journal read back.

`Env` (e2e, review, export, pools) runs with the sandbox's own credentials; `World` (reliability,
hardening) with our AUTH_ID and TOKEN, and remembers the account as it was (`before`). Both run
the CLI in this process (`invoke`) or as a subprocess (`run`, `popen`): the same arguments, the
same environment and the same `Run` (tests/support/cli.py says when a process is needed).
"""

from __future__ import annotations

import itertools
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.accounts import APPS, AUTH_ID, PHLOS, TOKEN, manifest_names
from tests.support.cli import Run, clean_env, cli_command, cli_env, invoke, run_cli


@dataclass
class Env:
    """One test's world: a sandbox, a work folder, and a way to run the CLI against them."""

    sb: Sandbox
    cwd: Path

    def write_manifest(self, text: str, name: str = "powerpacks.yaml") -> Path:
        path = self.cwd / name
        path.write_text(text, encoding="utf-8")
        return path

    def creds(self) -> dict[str, str]:
        return {
            "PLIVO_AUTH_ID": self.sb.auth_id,
            "PLIVO_AUTH_TOKEN": self.sb.auth_token,
            "PLIVO_API_URL": self.sb.url,
        }

    def invoke(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120,
    ) -> Run:  # fmt: skip
        """The CLI in this process, with this sandbox's credentials and URL in the environment."""
        env = {**self.creds(), **(env or {})}
        return self.invoke_plain(*args, env=env, stdin=stdin, timeout=timeout)

    def invoke_plain(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120,
    ) -> Run:  # fmt: skip
        """The CLI in this process, with a clean environment: no PLIVO_* or GITHUB_* unless
        given."""
        return invoke(self.cwd, clean_env(**(env or {})), *args, stdin=stdin, timeout=timeout)

    def run(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120,
    ) -> Run:  # fmt: skip
        """`invoke`, as a subprocess."""
        env = {**self.creds(), **(env or {})}
        return self.run_plain(*args, env=env, stdin=stdin, timeout=timeout)

    def run_plain(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 120,
    ) -> Run:  # fmt: skip
        """`invoke_plain`, as a subprocess."""
        return run_cli(self.cwd, clean_env(**(env or {})), *args, stdin=stdin, timeout=timeout)

    def writes(self) -> list[dict[str, Any]]:
        """Every write the sandbox received since the last clear, in order."""
        return [e for e in self.sb.journal() if e["method"] in ("POST", "DELETE")]

    def live(self) -> dict[str, dict[str, Any]]:
        """The sandbox account's Powerpacks by name."""
        return {p["name"]: p for p in self.sb.snapshot()["powerpacks"]}


def sandbox_env(
    base: Path,
    index: int,
    powerpacks: list[dict[str, Any]] | None = None,
    numbers: list[dict[str, Any]] | None = None,
    auth_id: str | None = None,
    **options: Any,
) -> Env:
    """A running sandbox (its state in base/sandbox{index}.json) seeded with `powerpacks`, the
    apps and flows, and spare rented `numbers`; the work folder base/work."""
    state_path = base / f"sandbox{index}.json"
    state = build_state(
        powerpacks=powerpacks or [], applications=APPS, phlos=PHLOS, numbers=numbers,
        auth_id=auth_id, seed=7,
    )  # fmt: skip
    write_state(state_path, state)
    sb = Sandbox(state_path, **options).start()
    work = base / "work"
    work.mkdir(exist_ok=True)
    return Env(sb, work)


def envs(tmp_path: Path) -> Iterator[Any]:
    """For a `world` fixture: world(powerpacks=[...], numbers=[...], auth_id=..., **Sandbox
    options) -> Env, each sandbox stopped at teardown."""
    started: list[Sandbox] = []

    def make(
        powerpacks: list[dict[str, Any]] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        auth_id: str | None = None,
        **options: Any,
    ) -> Env:
        env = sandbox_env(tmp_path, len(started), powerpacks, numbers, auth_id, **options)
        started.append(env.sb)
        return env

    yield make
    for sb in started:
        sb.stop()


@dataclass
class World:
    """A sandbox account and a work folder; run the CLI against it."""

    sb: Sandbox
    cwd: Path
    before: dict[str, Any] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return cli_env(self.sb.url, self.sb.auth_id, self.sb.auth_token, **extra)

    def write(self, text: str, name: str = "powerpacks.yaml") -> Path:
        path = self.cwd / name
        path.write_text(text, encoding="utf-8")
        return path

    def invoke(self, *args: str, timeout: float = 120, **extra: str) -> Run:
        """The CLI in this process; `extra`: more environment variables."""
        return invoke(self.cwd, self.env(**extra), *args, timeout=timeout)

    def run(self, *args: str, timeout: float = 120, **extra: str) -> Run:
        """`invoke`, as a subprocess."""
        return run_cli(self.cwd, self.env(**extra), *args, timeout=timeout)

    def popen(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            cli_command(*args), cwd=self.cwd, env=self.env(**extra), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def names(self) -> Counter[str]:
        return Counter(p["name"] for p in self.sb.snapshot()["powerpacks"])

    def live(self) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.sb.snapshot()["powerpacks"]}

    def writes(self) -> list[dict[str, Any]]:
        return [e for e in self.sb.journal() if e["method"] in ("POST", "DELETE")]

    def check_converged(self, text: str) -> None:
        """The account holds exactly what the manifest says, once each; the rest untouched."""
        again = self.invoke("plan", "--detailed-exitcode")
        assert again.code == 0, "a second plan still has changes"
        wanted = manifest_names(text)
        live = self.live()
        counts = self.names()
        assert [n for n, k in counts.items() if k > 1] == [], "duplicate Powerpacks"
        unmanaged = {n: p for n, p in self.before.items() if n.startswith("keep-")}
        assert {n: live.get(n) for n in unmanaged} == unmanaged, "an unmanaged Powerpack changed"
        assert set(live) == set(wanted) | set(unmanaged), "something was created or deleted"
        uuids = {p["uuid"] for p in self.before.values()}
        assert uuids <= {p["uuid"] for p in live.values()}, "a Powerpack was deleted"


def _seeded(
    state_path: Path,
    work: Path,
    powerpacks: list[dict[str, Any]] | None,
    numbers: Any = None,
    **options: Any,
) -> World:
    state = build_state(
        powerpacks=powerpacks or [], applications=APPS, phlos=PHLOS, numbers=numbers,
        auth_id=AUTH_ID, auth_token=TOKEN, seed=7,
    )  # fmt: skip
    write_state(state_path, state)
    sb = Sandbox(state_path, **options).start()
    return World(sb, work, {p["name"]: p for p in sb.snapshot()["powerpacks"]})


def start_world(
    base: Path,
    index: int,
    powerpacks: list[dict[str, Any]] | None,
    numbers: list[dict[str, Any]] | None = None,
    **options: Any,
) -> World:
    """A running sandbox (our AUTH_ID and TOKEN) seeded with `powerpacks` (and spare rented
    `numbers`), and a work folder: base/sandbox{index}.json, base/work{index}."""
    work = base / f"work{index}"
    work.mkdir()
    return _seeded(base / f"sandbox{index}.json", work, powerpacks, numbers, **options)


def world_at(base: Path, powerpacks: list[dict[str, Any]], numbers: Any = None, **options: Any):
    """A running sandbox (our AUTH_ID and TOKEN) with these Powerpacks and rented numbers, all in
    its own folder `base`: base/sandbox.json, base/work."""
    base.mkdir(parents=True, exist_ok=True)
    work = base / "work"
    work.mkdir(exist_ok=True)
    return _seeded(base / "sandbox.json", work, powerpacks, numbers, **options)


def worlds(tmp_path: Path) -> Iterator[Any]:
    """For a `world` fixture: world(powerpacks, numbers=None, **Sandbox options) -> World, each
    sandbox stopped at teardown."""
    started: list[Sandbox] = []

    def make(
        powerpacks: list[dict[str, Any]] | None = None,
        numbers: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> World:
        w = start_world(tmp_path, len(started), powerpacks, numbers=numbers, **options)
        started.append(w.sb)
        return w

    yield make
    for sb in started:
        sb.stop()


# --- the journal ------------------------------------------------------------------------------


def create_log(journal: list[dict[str, Any]], auth_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every create POST in the journal, by the name it asked for, oldest first."""
    path = f"/v1/Account/{auth_id}/Powerpack/"
    out: dict[str, list[dict[str, Any]]] = {}
    for e in journal:
        if e["method"] == "POST" and e["path"].rstrip("/") + "/" == path:
            out.setdefault(str((e["body"] or {}).get("name")), []).append(e)
    return out


def blind_repeats(journal: list[dict[str, Any]], auth_id: str) -> list[str]:
    """Creates sent again after an ambiguous attempt without a list read in between."""
    bad = []
    lists = [
        e["time"]
        for e in journal
        if e["method"] == "GET" and e["path"].rstrip("/").endswith("/Powerpack")
    ]
    for name, tries in create_log(journal, auth_id).items():
        for prev, nxt in itertools.pairwise(tries):
            ambiguous = (
                prev.get("fault") in ("drop", "drop-after", "timeout")
                or (prev["status"] or 0) >= 500
            )
            if ambiguous and not any(prev["time"] <= t <= nxt["time"] for t in lists):
                bad.append(name)
    return bad
