"""Class 3: one deadline over the whole exchange.

Servers that trickle the status line, the headers or the body a byte at a time (no socket read
ever times out), accept and never answer, never read, send headers forever, or answer the TLS
handshake a byte at a time: plan and apply end with one clear error, bounded by
POWERPACKS_TIMEOUT per exchange and the 30 s per call. The subprocess timeouts are hang guards,
not measurements: nothing here asserts a duration. The watchdog itself is unit-tested with an
injected clock.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconciler.api.client import PlivoClient
from reconciler.api.deadline import Exchange, Watchdog, _remember
from reconciler.errors import ApiError
from tests.support import servers as S
from tests.support.accounts import AUTH_ID, TOKEN
from tests.support.cli import cli_env, run_cli

KINDS: dict[str, Callable[[S.RawServer], Callable]] = {
    "status line a byte at a time": S.trickling("status"),
    "headers a byte at a time": S.trickling("headers"),
    "body a byte at a time": S.trickling("body"),
    "accepts, never answers": S.silent,
    "accepts, never reads": S.deaf,
    "headers forever": S.endless_headers,
    "TLS handshake a byte at a time": S.slow_tls(),
}
MANIFEST = "version: 1\npowerpacks:\n  m-00: {sticky_sender: false}\n  new-0: {}\n"


@pytest.fixture
def raw() -> Iterator[Callable[[str], S.RawServer]]:
    started: list[S.RawServer] = []

    def make(kind: str) -> S.RawServer:
        server = S.RawServer(lambda conn: None)
        server.serve = KINDS[kind](server)
        started.append(server)
        return server

    yield make
    for s in started:
        s.close()


def url_of(server: S.RawServer, kind: str) -> str:
    scheme = "https" if "TLS" in kind else "http"
    return f"{scheme}://127.0.0.1:{server.port}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_client_cuts_each_stalled_exchange(raw, kind: str) -> None:
    """Every kind of stall, through the real client: a clear ApiError, never a hang; the cut is
    the exchange's deadline, and the call's deadline ends the retries."""
    server = raw(kind)
    client = PlivoClient(
        url_of(server, kind), AUTH_ID, TOKEN, timeout=0.3, deadline=1.0, backoff=(0.01, 0.05)
    )
    with client, pytest.raises(ApiError) as info:
        client.request("GET", "Powerpack/")
    message = str(info.value)
    assert "GET /v1/Account/MA" in message, message
    assert any(s in message for s in ("no complete answer within", "timed out", "TLS")), message
    assert "gave up after" in message or "TLS" in message, message
    assert server.connections >= 1


# Each CLI run retries its first call until the 30 s per-call deadline: two in CI, the rest slow.
CLI_CASES = [
    ("headers a byte at a time", "apply"),
    ("body a byte at a time", "plan"),
    pytest.param("status line a byte at a time", "plan", marks=pytest.mark.slow),
    pytest.param("accepts, never answers", "apply", marks=pytest.mark.slow),
    pytest.param("TLS handshake a byte at a time", "plan", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("kind", "command"), CLI_CASES)
def test_plan_and_apply_end_with_a_clear_error(raw, tmp_path: Path, kind: str, command: str):
    server = raw(kind)
    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    args = [command] + (["--auto-approve"] if command == "apply" else [])
    env = cli_env(url_of(server, kind), POWERPACKS_TIMEOUT="0.5")
    r = run_cli(tmp_path, env, *args, timeout=90)  # a hang guard, not a bound under test
    assert r.code == 1, (r.code, r.err[-2000:])
    assert "Traceback" not in r.err
    last = r.err.strip().splitlines()[-1]
    assert last.startswith("Error: GET /v1/Account/MA"), r.err
    # Each exchange is cut at POWERPACKS_TIMEOUT, or sooner when the call's 30 s run out first
    # (where the last attempt starts depends on the jittered backoff and the machine's load).
    cut = re.search(r"no complete answer within (\d*\.?\d+) s", last)
    assert (cut and 0 < float(cut.group(1)) <= 0.5) or "TLS" in last, last


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("command", ["plan", "apply", "export"])
def test_every_stall_through_every_command(raw, tmp_path: Path, kind: str, command: str):
    server = raw(kind)
    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    args = {"plan": ["plan"], "apply": ["apply", "--auto-approve"], "export": ["export"]}[command]
    r = run_cli(
        tmp_path, cli_env(url_of(server, kind), POWERPACKS_TIMEOUT="0.5"), *args, timeout=90
    )
    assert r.code == 1, (r.code, r.err[-2000:])
    assert "Traceback" not in r.err
    assert r.err.strip().splitlines()[-1].startswith("Error: "), r.err


# --- the watchdog, with an injected clock ------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Conn:
    """A connection whose socket is one end of a socketpair: a cut shows on the other end."""

    def __init__(self) -> None:
        self.sock, self.peer = socket.socketpair()

    def was_cut(self) -> bool:
        self.peer.settimeout(1.0)
        try:
            return self.peer.recv(1) == b""  # the write side was shut down
        except OSError:
            return True

    def close(self) -> None:
        self.sock.close()
        self.peer.close()


@pytest.fixture
def conns() -> Iterator[Callable[[], Conn]]:
    made: list[Conn] = []

    def make() -> Conn:
        made.append(Conn())
        return made[-1]

    yield make
    for c in made:
        c.close()


def watched(dog: Watchdog, deadline: float, conn: Conn, write: bool = False) -> Exchange:
    exchange = dog.watch(deadline, write)
    _remember(conn)
    return exchange


def test_an_exchange_is_cut_at_its_deadline_not_before(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    conn = conns()
    ex = watched(dog, clock.now + 5, conn)
    clock.now += 4.999
    assert dog.tick() == pytest.approx(105.0)
    assert ex.fired == ""
    clock.now += 0.001
    assert dog.tick() is None  # nothing left to watch
    assert ex.fired == "deadline"
    assert conn.was_cut()


def test_an_exchange_done_in_time_is_never_cut(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    conn = conns()
    ex = watched(dog, clock.now + 1, conn)
    dog.done(ex)
    clock.now += 10
    assert dog.tick() is None
    assert ex.fired == ""


def test_deadlines_fire_in_their_order_and_tick_returns_the_next(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    late, early, middle = (watched(dog, clock.now + d, conns()) for d in (3, 1, 2))
    clock.now += 1
    assert dog.tick() == pytest.approx(102.0)
    assert (early.fired, middle.fired, late.fired) == ("deadline", "", "")
    clock.now += 1.5
    assert dog.tick() == pytest.approx(103.0)
    assert middle.fired == "deadline" and late.fired == ""


def test_cancel_cuts_reads_now_and_writes_after_the_grace(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    read_conn, write_conn = conns(), conns()
    read = watched(dog, clock.now + 30, read_conn)
    write = watched(dog, clock.now + 30, write_conn, write=True)
    dog.cancel(grace=0.5)
    assert read.fired == "cancel" and read_conn.was_cut()
    assert write.fired == ""
    assert dog.tick() == pytest.approx(100.5)
    clock.now += 0.5
    dog.tick()
    assert write.fired == "cancel" and write_conn.was_cut()
    assert dog.cancelled.is_set()


def test_a_write_whose_deadline_is_sooner_than_the_grace_keeps_it(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    write = watched(dog, clock.now + 0.1, conns(), write=True)
    dog.cancel(grace=0.5)
    clock.now += 0.1
    dog.tick()
    assert write.fired == "cancel"  # cut when due, and said to be the cancel's doing


def test_an_exchange_cut_before_its_connection_is_known_is_cut_when_it_is(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    ex = dog.watch(clock.now + 1, write=False)
    clock.now += 2
    dog.tick()  # due: cut, though no connection is known yet
    assert ex.fired == "deadline"
    conn = conns()
    _remember(conn)  # the pool hands the exchange its connection: cut at once
    assert conn.was_cut()


def test_a_cut_of_a_closed_socket_is_harmless(conns) -> None:
    clock = Clock()
    dog = Watchdog(clock=clock, thread=False)
    conn = conns()
    ex = watched(dog, clock.now + 1, conn)
    conn.sock.close()
    clock.now += 1
    dog.tick()
    assert ex.fired == "deadline"
