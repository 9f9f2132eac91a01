"""Servers for what the sandbox can't do: an API whose answers a test bends (`Hostile`), one whose
Powerpack list moves between page reads (and which still takes writes), raw sockets that trickle,
stall or never answer, and an API that quotes back what it was sent."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.accounts import AUTH_ID, powerpack_obj

# --- loopback HTTP servers ----------------------------------------------------------------------

Answer = tuple[int, dict[str, str], Any]  # body: bytes, or a callable writing a stream
Behaviour = Callable[["Hostile", str, str, dict[str, str]], Answer | None]


def json_answer(data: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def split_target(target: str) -> tuple[str, dict[str, str]]:
    """`/v1/x/?limit=20` -> ("/v1/x/", {"limit": "20"})."""
    parts = urlsplit(target)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


class Loopback:
    """An HTTP/1.1 server on loopback, each request on its own thread: a subclass answers
    `respond(method, target, body, headers) -> (status, headers, body)` (target: the path and
    query as sent), where body is bytes or a callable that writes a stream (sent without a
    length, then the connection closes)."""

    def _serve(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def respond(self, method: str, target: str, body: bytes, headers: Any) -> Answer:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = owner.respond(self.command, self.path, raw, self.headers)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if callable(body):  # a streaming answer: no length, the body writes itself
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        body(self.wfile)
                    return
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _any

        return Handler


class Hostile(Loopback):
    """A loopback HTTP API serving `count` Powerpacks, bent by `behave` (None: a normal answer).

    Every request is recorded in `requests` as (method, path+query)."""

    def __init__(self, count: int, behave: Behaviour | None = None):
        self.objects = [powerpack_obj(i) for i in range(count)]
        self.behave = behave
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._serve()

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

    def respond(self, method: str, target: str, body: bytes, headers: Any) -> Answer:
        with self.lock:
            self.requests.append((method, target))
        path, query = split_target(target)
        answer = self.behave(self, method, path, query) if self.behave is not None else None
        return answer or self.normal(method, path, query)


def hostiles() -> Iterator[Callable[..., Hostile]]:
    """For a `hostile` fixture: hostile(count=45, behave=None) -> Hostile, closed at teardown."""
    servers: list[Hostile] = []

    def make(count: int = 45, behave: Behaviour | None = None) -> Hostile:
        servers.append(Hostile(count, behave))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens: any call to it fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- an API whose Powerpack list moves between page reads -------------------------------------

Churn = Callable[["MovingApi", int, int], None]
"""churn(api, read, offset): called before a list page at offset > 0 is answered; `read` counts
the list reads (one per offset-0 page) so far, from 1."""


class MovingApi(Loopback):
    """A loopback Powerpack API: list (pages of 20), get, create, update, delete, applications.

    `churn` edits `objects` between page reads, as a concurrent editor of the account would.
    Every request is kept in `log` as (method, path, query, body)."""

    def __init__(self, count: int, churn: Churn | None = None, lag: int = 0):
        self.objects = [powerpack_obj(i) for i in range(count)]
        self.churn = churn
        self.reads = 0
        self.created = 0
        self.log: list[tuple[str, str, dict[str, str], Any]] = []
        self.lock = threading.RLock()
        # lag: the list shows a created Powerpack only after this many list pages more
        self.lag = lag
        self.hidden: dict[str, int] = {}  # uuid -> list pages still to answer without it
        self._serve()

    def writes(self) -> list[tuple[str, str, Any]]:
        return [(m, p, b) for m, p, _, b in self.log if m != "GET"]

    def names(self) -> list[str]:
        return [o["name"] for o in self.objects]

    # --- edits a churn makes ---------------------------------------------------------------

    def new(self, name: str, at: int | None = None) -> dict[str, Any]:
        self.created += 1
        obj = powerpack_obj(1000 + self.created, name=name)
        self.objects.insert(len(self.objects) if at is None else at, obj)
        return obj

    def delete_at(self, index: int) -> dict[str, Any]:
        return self.objects.pop(index)

    def rename_at(self, index: int, name: str) -> None:
        self.objects[index] = {**self.objects[index], "name": name}

    # --- answers -----------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        with self.lock:
            if parts[-1] == "Application":
                return 200, {
                    "api_id": "x",
                    "meta": {"total_count": 0, "limit": 20, "offset": 0},
                    "objects": [],
                }
            if parts[-1] == "Powerpack" and method == "GET":
                return 200, self._page(query)
            if parts[-1] == "Powerpack" and method == "POST":
                obj = self.new(str(body.get("name")))
                obj.update({k: v for k, v in body.items() if k != "name"})
                if self.lag:
                    self.hidden[obj["uuid"]] = self.lag
                return 200, {"api_id": "x", **obj}
            for i, obj in enumerate(self.objects):
                if parts[-1] != obj["uuid"]:
                    continue
                if method == "GET":
                    return 200, {"api_id": "x", **obj}
                if method == "POST":
                    obj.update(body)
                    return 200, {"api_id": "x", **obj}
                if method == "DELETE":
                    del self.objects[i]
                    return 200, {"api_id": "x", "response": "success"}
            return 404, {"api_id": "x", "error": "not found"}

    def _page(self, query: dict[str, str]) -> dict[str, Any]:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
        if offset == 0:
            self.reads += 1
        elif self.churn is not None:
            self.churn(self, self.reads, offset)
        shown = [o for o in self.objects if self.hidden.get(o["uuid"], 0) <= 0]
        for uuid in list(self.hidden):
            self.hidden[uuid] -= 1
        meta = {"limit": limit, "offset": offset, "total_count": len(shown), "next": None}
        return {"api_id": "x", "meta": meta, "objects": shown[offset : offset + limit]}

    def respond(self, method: str, target: str, body: bytes, headers: Any) -> Answer:
        path, query = split_target(target)
        data = json.loads(body) if body else {}
        with self.lock:
            self.log.append((method, path, query, data))
        status, answer = self.answer(method, path, query, data)
        return json_answer(answer, status)


# --- raw sockets -------------------------------------------------------------------------------

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
    b"Connection: close\r\n\r\n"
)
LIST_BODY = json.dumps(
    {
        "api_id": "x",
        "meta": {"total_count": 1, "limit": 20, "offset": 0},
        "objects": [powerpack_obj(0, AUTH_ID)],
    }
).encode()


class RawServer:
    """A TCP server on loopback; each connection is handed to `serve(conn)` on its own thread."""

    def __init__(self, serve: Callable[[socket.socket], None]):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.serve = serve
        self.connections = 0
        self.closed = threading.Event()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self.serve(conn)

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        for conn in self.open:
            with contextlib.suppress(OSError):
                conn.close()


def read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def trickle(data: bytes, conn: socket.socket, pause: float, stop: threading.Event) -> None:
    for i in range(len(data)):
        if stop.is_set():
            return
        conn.sendall(data[i : i + 1])
        time.sleep(pause)


def trickling(part: str, pause: float = 0.05) -> Callable[[RawServer], Callable]:
    """A server that answers one byte at a time in `part`: "status", "headers" or "body"."""

    def make(server: RawServer) -> Callable[[socket.socket], None]:
        def serve(conn: socket.socket) -> None:
            read_head(conn)
            head = HEAD % len(LIST_BODY)
            status_end = head.index(b"\r\n") + 2
            if part == "status":
                trickle(head + LIST_BODY, conn, pause, server.closed)
            elif part == "headers":
                conn.sendall(head[:status_end])
                trickle(head[status_end:] + LIST_BODY, conn, pause, server.closed)
            else:
                conn.sendall(head)
                trickle(LIST_BODY, conn, pause, server.closed)

        return serve

    return make


def silent(server: RawServer) -> Callable[[socket.socket], None]:
    """Accepts, reads the request, never answers (and never closes)."""

    def serve(conn: socket.socket) -> None:
        read_head(conn)
        server.closed.wait()

    return serve


def deaf(server: RawServer) -> Callable[[socket.socket], None]:
    """Accepts and never reads nor answers."""

    def serve(conn: socket.socket) -> None:
        server.closed.wait()

    return serve


def slow_tls(pause: float = 0.05) -> Callable[[RawServer], Callable]:
    """Answers a TLS ClientHello with the start of a ServerHello, one byte at a time, forever."""

    def make(server: RawServer) -> Callable[[socket.socket], None]:
        def serve(conn: socket.socket) -> None:
            conn.recv(4096)  # the ClientHello
            hello = b"\x16\x03\x03\xff\xff\x02\x00\xff\xfb\x03\x03" + b"\x00" * 100_000
            trickle(hello, conn, pause, server.closed)

        return serve

    return make


def endless_headers(server: RawServer) -> Callable[[socket.socket], None]:
    """A status line, then header lines forever, each quick (no read timeout ever trips)."""

    def serve(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        i = 0
        while not server.closed.is_set():
            conn.sendall(b"X-%d: y\r\n" % i)
            i += 1
            time.sleep(0.02)

    return serve


class EchoApi(Loopback):
    """Answers every request with `answer(authorization_header) -> (status, headers, body)`:
    an API that quotes back what it was sent (the token, in any form it likes)."""

    def __init__(self, answer: Callable[[str], tuple[int, dict[str, str], bytes]]):
        self.answer = answer
        self.requests = 0
        self._serve()

    def respond(self, method: str, target: str, body: bytes, headers: Any) -> Answer:
        self.requests += 1
        status, answer_headers, answer = self.answer(headers.get("Authorization", ""))
        return status, {k: v for k, v in answer_headers.items() if k != "Content-Length"}, answer
