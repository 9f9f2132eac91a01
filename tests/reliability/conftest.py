"""Reliability harness: the CLI as a subprocess against a sandbox or a hostile server."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.e2e.conftest import APPS, PHLOS, api_matrix, pp

TOKEN = "tOkEn-Sup3r-s3cret-0123456789abcdef"  # distinctive: any leak of it is easy to find
AUTH_ID = "MA7Q2ZB4XK9P1LMN3RST"
US_SMS_REVERSED = "{SMS: [longcode, tollfree, shortcode]}"


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float = 0.0
    logs: str = ""  # apply_until_done: the stderr of every run it made


def cli_env(url: str, auth_id: str = AUTH_ID, token: str = TOKEN, **extra: str) -> dict[str, str]:
    """A clean environment (no PLIVO_*/GITHUB_*) with these credentials and API URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "GITHUB_"))}
    env.update(NO_COLOR="1", PLIVO_AUTH_ID=auth_id, PLIVO_AUTH_TOKEN=token, PLIVO_API_URL=url)
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def run_cli(cwd: Path, env: dict[str, str], *args: str, timeout: float = 120) -> Run:
    """Run the CLI to the end; the result keeps both streams."""
    import time

    t0 = time.monotonic()
    proc = subprocess.run(
        cli_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


# --- a sandbox account with managed and unmanaged Powerpacks --------------------------------------


def account(managed: int = 12, unmanaged: int = 4) -> list[dict[str, Any]]:
    """Live Powerpacks: `managed` ones the manifest names (m-00...), `unmanaged` (keep-0...)."""
    pps = [pp(f"m-{i:02d}") for i in range(managed)]
    pps += [pp(f"keep-{i}", local_connect=False, sticky_sender=i % 2 == 0)
            for i in range(unmanaged)]  # fmt: skip
    return pps


def manifest_text(managed: int = 12, creates: int = 5, rename: bool = True, prune: bool = False):
    """Updates to every managed Powerpack (flags, matrix, app), `creates` new ones, a rename."""
    lines = ["version: 1", f"prune: {'true' if prune else 'false'}", "powerpacks:"]
    for i in range(managed):
        if rename and i == managed - 1:
            break
        body = ["local_connect: false", "sticky_sender: false"][i % 2]
        if i % 3 == 0:
            body += f", number_priority: {{US: {US_SMS_REVERSED}}}"
        if i % 4 == 1:
            body += ', application: {type: xml, id: "20468599130939380"}'
        lines.append(f"  m-{i:02d}: {{{body}}}")
    if rename:
        lines.append(f"  renamed-{managed - 1}: {{renamed_from: m-{managed - 1:02d}}}")
    for i in range(creates):
        prio = f"number_priority: {{CA: {US_SMS_REVERSED}}}"
        lines.append(f"  new-{i}: {{local_connect: false, {prio}}}")
    return "\n".join(lines) + "\n"


def manifest_names(text: str) -> list[str]:
    """The Powerpack names a manifest_text() declares."""
    return [ln.split(":")[0].strip() for ln in text.splitlines() if ln.startswith("  ")]


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

    def run(self, *args: str, timeout: float = 120, **extra: str) -> Run:
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
        assert self.run("plan", "--detailed-exitcode").code == 0, "a second plan still has changes"
        wanted = manifest_names(text)
        live = self.live()
        counts = self.names()
        assert [n for n, k in counts.items() if k > 1] == [], "duplicate Powerpacks"
        unmanaged = {n: p for n, p in self.before.items() if n.startswith("keep-")}
        assert {n: live.get(n) for n in unmanaged} == unmanaged, "an unmanaged Powerpack changed"
        assert set(live) == set(wanted) | set(unmanaged), "something was created or deleted"
        uuids = {p["uuid"] for p in self.before.values()}
        assert uuids <= {p["uuid"] for p in live.values()}, "a Powerpack was deleted"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """world(powerpacks, **Sandbox options) -> World (stopped at teardown)."""
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


def start_world(
    base: Path,
    index: int,
    powerpacks: list[dict[str, Any]] | None,
    numbers: list[dict[str, Any]] | None = None,
    **options: Any,
) -> World:
    """A running sandbox (our AUTH_ID and TOKEN) seeded with `powerpacks` (and spare rented
    `numbers`), and a work folder."""
    state_path = base / f"sandbox{index}.json"
    state = build_state(
        powerpacks=powerpacks or [], applications=APPS, phlos=PHLOS, numbers=numbers,
        auth_id=AUTH_ID, auth_token=TOKEN, seed=7,
    )  # fmt: skip
    write_state(state_path, state)
    sb = Sandbox(state_path, **options).start()
    work = base / f"work{index}"
    work.mkdir()
    return World(sb, work, {p["name"]: p for p in sb.snapshot()["powerpacks"]})


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


# --- a hostile HTTP server for answers the sandbox can't give ------------------------------------

Answer = tuple[int, dict[str, str], Any]  # body: bytes, or a callable writing a stream
Behaviour = Callable[["Hostile", str, str, dict[str, str]], Answer | None]


def powerpack_obj(i: int, auth_id: str = AUTH_ID, **over: Any) -> dict[str, Any]:
    obj = {
        "application_id": "", "application_type": "", "created_on": "2019-09-03T08:50:09.510692Z",
        "local_connect": True, "name": f"m-{i:02d}", "sticky_sender": True,
        "number_pool": f"/v1/Account/{auth_id}/NumberPool/pool-{i:04d}/",
        "uuid": f"00000000-0000-4000-8000-{i:012d}", "number_priority": api_matrix(),
    }  # fmt: skip
    obj.update(over)
    return obj


def json_answer(data: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


class Hostile:
    """A loopback HTTP API serving `count` Powerpacks, bent by `behave` (None: a normal answer).

    Every request is recorded in `requests` as (method, path+query)."""

    def __init__(self, count: int, behave: Behaviour | None = None):
        self.objects = [powerpack_obj(i) for i in range(count)]
        self.behave = behave
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    def page(self, query: dict[str, str], total: int | None = None) -> Answer:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
        objs = self.objects[offset : offset + limit]
        total = len(self.objects) if total is None else total
        meta = {"limit": limit, "offset": offset, "total_count": total, "next": None}
        return json_answer({"api_id": "x", "meta": meta, "objects": objs})

    def normal(self, method: str, path: str, query: dict[str, str]) -> Answer:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts[-1] == "Powerpack":
            return self.page(query)
        if method == "GET" and parts[-1] == "Application":
            return json_answer({"api_id": "x", "meta": {"total_count": 0}, "objects": []})
        for obj in self.objects:
            if parts[-1] == obj["uuid"] and method == "GET":
                return json_answer({"api_id": "x", **obj})
        return json_answer({"api_id": "x", "error": "not found"}, 404)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with hostile.lock:
                    hostile.requests.append((self.command, self.path))
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                answer = None
                if hostile.behave is not None:
                    answer = hostile.behave(hostile, self.command, parts.path, query)
                status, headers, body = answer or hostile.normal(self.command, parts.path, query)
                if callable(body):  # a streaming answer: no length, the body writes itself
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        body(self.wfile)
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _any

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile() -> Iterator[Callable[..., Hostile]]:
    servers: list[Hostile] = []

    def make(count: int = 45, behave: Behaviour | None = None) -> Hostile:
        servers.append(Hostile(count, behave))
        return servers[-1]

    yield make
    for s in servers:
        s.close()
