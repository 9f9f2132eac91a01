"""One deadline over a whole HTTP exchange, and a way to cut every exchange on a signal.

requests' timeouts bound each socket operation, not the exchange: a server that trickles its
status line or headers a byte at a time never trips them. The Watchdog holds each exchange's
deadline (connect, status line, headers and body together) and, when it passes, shuts the
exchange's socket down, which wakes the thread blocked on it with an error at once. `cancel()`
does the same to every exchange (reads at once, writes after a short grace, so one that is
answering completes): that is how SIGINT ends a run within about a second.

The connection an exchange uses is learned from urllib3's pool (`_get_conn`, stable since
urllib3 1.x), through the thread that sends it. Hand-written, because neither requests nor
urllib3 offers a total deadline; the watchdog is one thread per client, its clock injectable.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()  # the exchange the calling thread is sending, if any


class Exchange:
    """One request and its answer, watched until done."""

    __slots__ = ("conn", "deadline", "fired", "write")

    def __init__(self, deadline: float, write: bool):
        self.deadline, self.write = deadline, write
        self.conn: Any = None
        self.fired = ""  # "deadline" or "cancel" once cut

    def cut(self, why: str) -> None:
        """Shut the exchange's socket down (both ways): the blocked read or write fails now."""
        self.fired = self.fired or why
        # An answer with "Connection: close" takes the socket from its connection (http.client
        # sets conn.sock to None once the headers are read): the body is still read from it.
        sock = getattr(self.conn, "sock", None) or getattr(self.conn, "watched_sock", None)
        if sock is None:
            return
        try:  # on a dup of the descriptor: the other thread's socket object is left alone
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError):
            return
        try:
            dup.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            dup.close()


class Watchdog:
    """Cuts each watched exchange when its deadline passes; all of them on cancel()."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, thread: bool = True):
        self._clock = clock
        self._heap: list[tuple[float, int, Exchange]] = []
        self._live: set[Exchange] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._use_thread = thread
        self._thread: threading.Thread | None = None
        self._closed = False
        self.cancelled = threading.Event()

    def watch(self, deadline: float, write: bool) -> Exchange:
        """Start watching an exchange of the calling thread (its connection is learned later)."""
        exchange = Exchange(deadline, write)
        with self._cond:
            self._live.add(exchange)
            heapq.heappush(self._heap, (deadline, next(self._seq), exchange))
            if self._use_thread and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        _current.exchange = exchange
        return exchange

    def done(self, exchange: Exchange) -> None:
        """The exchange is over (answered, failed or abandoned): stop watching it."""
        _current.exchange = None
        with self._cond:
            self._live.discard(exchange)

    def cancel(self, grace: float = 0.5) -> None:
        """Cut every read now and every write after `grace` seconds; no new call may start."""
        self.cancelled.set()
        now = self._clock()
        with self._cond:
            for exchange in list(self._live):
                if exchange.write:
                    exchange.deadline = min(exchange.deadline, now + grace)
                    heapq.heappush(self._heap, (exchange.deadline, next(self._seq), exchange))
                else:
                    exchange.cut("cancel")
            self._cond.notify()

    def tick(self) -> float | None:
        """Cut what is due now; return the next deadline (None: nothing watched)."""
        now = self._clock()
        due = []
        with self._cond:
            while self._heap:
                deadline, _, exchange = self._heap[0]
                if exchange not in self._live or deadline != exchange.deadline:
                    heapq.heappop(self._heap)  # finished, or re-scheduled by cancel()
                elif deadline <= now:
                    heapq.heappop(self._heap)
                    self._live.discard(exchange)
                    due.append(exchange)
                else:
                    break
            following = self._heap[0][0] if self._heap else None
        for exchange in due:
            exchange.cut("cancel" if self.cancelled.is_set() else "deadline")
        return following

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            following = self.tick()
            with self._cond:
                if self._closed:
                    return
                wait = 0.5 if following is None else max(0.0, following - self._clock())
                self._cond.wait(min(wait, 0.5))


def _remember(conn: Any) -> Any:
    exchange = getattr(_current, "exchange", None)
    if exchange is not None:
        exchange.conn = conn
        if exchange.fired:  # cut before the connection was known: cut it now
            exchange.cut(exchange.fired)
    return conn


class _HTTPConnection(HTTPConnection):
    watched_sock: Any = None

    def connect(self) -> None:
        super().connect()
        self.watched_sock = self.sock  # kept for the watchdog: see Exchange.cut


class _HTTPSConnection(HTTPSConnection):
    watched_sock: Any = None

    def connect(self) -> None:
        super().connect()
        self.watched_sock = self.sock


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _remember(super()._get_conn(timeout))


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _remember(super()._get_conn(timeout))


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with pools that tell the watchdog which connection an exchange uses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
