"""Hostile servers over real sockets: trickled, cut and oversized answers end in bounded time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from reconciler.api.client import AmbiguousWriteError
from reconciler.errors import ApiError
from tests.support.client import make_client

Handler = Callable[[socket.socket], None]


@pytest.fixture
def raw_server():
    """serve(handler) -> base URL of a loopback server running `handler` per connection."""
    servers: list[socket.socket] = []

    def serve(handler: Handler) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        servers.append(srv)

        def loop() -> None:
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{srv.getsockname()[1]}"

    yield serve
    for srv in servers:
        srv.close()


def _run(handler: Handler, conn: socket.socket) -> None:
    with conn:
        try:
            conn.recv(65536)
            handler(conn)
        except OSError:
            pass


def trickle(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    )
    for _ in range(5000):
        conn.sendall(b" ")
        time.sleep(0.05)


def cut(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
    )


def endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    while True:
        conn.sendall(b"[" * 65536)


def test_a_trickling_answer_is_cut_at_the_deadline(raw_server):
    url = raw_server(trickle)
    c = make_client(url, timeout=0.5, deadline=1.0, max_retries=50)
    with c, pytest.raises(ApiError, match="no complete answer within"):
        c.request("GET", "Powerpack/")
    assert c.stats["GET Powerpack list"] <= 3  # each cut at 0.5 s: the 1 s deadline holds two


def test_an_answer_cut_short_is_retried_then_reported(raw_server):
    url = raw_server(cut)
    c = make_client(url, max_retries=2)
    with c, pytest.raises(ApiError, match="connection dropped while reading the answer"):
        c.request("GET", "Powerpack/")
    assert c.stats["GET Powerpack list"] == 3


def test_a_cut_answer_to_a_create_is_ambiguous(raw_server):
    url = raw_server(cut)
    c = make_client(url)
    with c, pytest.raises(AmbiguousWriteError):
        c.request("POST", "Powerpack/", body={"name": "x"}, retry=False)
    assert c.stats["POST Powerpack create"] == 1


def test_an_endless_answer_without_length_stops_at_the_size_cap(raw_server):
    url = raw_server(endless)
    c = make_client(url, max_body=1_000_000)
    with c, pytest.raises(ApiError, match=r"answer too large \(over 1000000 bytes\)"):
        c.request("GET", "Powerpack/")
    assert c.stats["GET Powerpack list"] == 1  # not retried: a size is no passing fault
