"""The only module that speaks HTTP: auth, deadlines, retries, rate cap, pages, error mapping.

Every retry of the package lives here, with its clock and sleep injectable: 429, 5xx and
connection errors are retried with exponential backoff and full jitter (or the server's
Retry-After), within one deadline per call (30 s) and one per exchange (`timeout`, connect
through the last byte of the body: see deadline.py). A write that may have landed is never
retried when the caller says it must not be (`retry=False`, for creates and pool adds).
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, TypeVar

import requests

from reconciler.api import pages
from reconciler.api.deadline import Watchdog, WatchedAdapter
from reconciler.api.exchange import Exchanges, Retryable
from reconciler.api.observe import Observer
from reconciler.api.pages import Page
from reconciler.api.ratelimit import RateLimiter
from reconciler.api.wire import (
    AUTH_ID,
    call_kind,
    check_api_url,
    check_path,
)
from reconciler.errors import AmbiguousWriteError, ApiError, IncompleteReadError, RunInterrupted
from reconciler.secrets import Redactor, basic_value, mask_account, token_problem

log = logging.getLogger("reconciler.client")

T = TypeVar("T")
R = TypeVar("R")

CALL_CPU = 0.0005  # seconds of client CPU per call (requests, urllib3, parsing): see _workers
MAX_BODY = 8 * 1024 * 1024  # bytes read of one answer; a page of 20 objects is a few kB
RETRY_AFTER_CAP = 20.0  # seconds: never sleep longer on the server's word
# Concurrent calls at most. The account's limit is a rate (300 requests per 5 s, docs/api.md
# section 1), not a number of connections; the rate cap below counts calls in flight, so more
# threads never mean more than the window allows. 32 covers a 50 ms round trip at the cap's
# full rate (300 / 5 s * 0.05 s = 3 in flight) many times over, for bursts under the window.
MAX_WORKERS = 32


class PlivoClient(Exchanges):
    """A Plivo REST client for one account: pooled, rate-capped, retrying, strict about answers.

    `backoff=(base, cap)` seconds for the exponential backoff with full jitter; `clock` and
    `sleep` are injectable (tests observe the retries without waiting); `observer` is told of
    phases, calls, retries and waits; `cancel()` ends every call (a signal).
    """

    def __init__(
        self,
        api_url: str,
        auth_id: str,
        auth_token: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 8,
        rate_limit: tuple[int, float] | None = (300, 5.0),
        max_workers: int = MAX_WORKERS,
        deadline: float = 30.0,
        backoff: tuple[float, float] = (0.5, 8.0),
        max_body: int = MAX_BODY,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
    ):
        if not auth_id or not AUTH_ID.fullmatch(auth_id):
            raise ApiError("invalid PLIVO_AUTH_ID: expected letters and digits (e.g. MA...)")
        if not auth_token:
            raise ApiError("PLIVO_AUTH_TOKEN is empty")
        if (problem := token_problem(auth_token)) is not None:
            raise ApiError(problem)
        self.redactor = Redactor(auth_id, auth_token)
        self.api_url = check_api_url(api_url, self.redactor.mask)
        self.auth_id = auth_id
        self.timeout, self.max_retries, self.deadline = timeout, max_retries, deadline
        self.backoff, self.max_body, self.max_workers = backoff, max_body, max(1, max_workers)
        self.observer = observer or Observer()
        self.round_trip: float | None = None  # seconds per exchange, a moving average
        self._clock = clock
        self.watchdog = Watchdog(clock=clock)
        self._sleep = sleep or self.watchdog.cancelled.wait  # a sleep a cancel() cuts short
        self.limiter = (
            RateLimiter(*rate_limit, clock=clock, sleep=self._sleep) if rate_limit else None
        )
        self._session = self._make_session(auth_id, auth_token)
        self._stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._phase: list[Any] = []  # [name, calls] of the phase under way

    def _make_session(self, auth_id: str, auth_token: str) -> requests.Session:
        session = requests.Session()
        session.verify = True  # never turned off: TLS verification is not an option
        session.trust_env = False  # no .netrc credentials or proxy surprises from the environment
        session.headers.update({"Accept": "application/json", "User-Agent": "powerpacks"})
        # Basic auth from the UTF-8 bytes of id:token (requests would encode latin-1 and fail).
        session.headers["Authorization"] = basic_value(auth_id, auth_token)
        adapter = WatchedAdapter(pool_connections=2, pool_maxsize=self.max_workers, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # The headers Session.request would send, computed once: re-merging the session's
        # settings on every call cost more client CPU than the rest of the call.
        self._headers = session.prepare_request(requests.Request("GET", self.api_url)).headers
        return session

    def __repr__(self) -> str:
        return f"PlivoClient({self.api_url!r}, account={mask_account(self.auth_id)!r})"

    def __enter__(self) -> PlivoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.watchdog.close()
        self._session.close()

    def cancel(self) -> None:
        """End the run's calls: reads now, writes after a short grace; none starts after this."""
        self.watchdog.cancel()

    @property
    def cancelled(self) -> bool:
        return self.watchdog.cancelled.is_set()

    @property
    def stats(self) -> dict[str, int]:
        """HTTP calls sent, by kind ("GET Powerpack list", "POST Powerpack update"...), plus
        "retries" and "429"."""
        with self._lock:
            return dict(self._stats)

    def _count(self, *kinds: str) -> None:
        with self._lock:
            self._stats.update(kinds)
            if self._phase and kinds and not kinds[0].isdigit() and kinds[0] != "retries":
                self._phase[1] += 1

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Calls made inside count toward phase `name` (for -v and the progress line)."""
        started = self._clock()
        with self._lock:
            outer, self._phase = self._phase, [name, 0, 0]
        self.observer.phase(name, None)
        try:
            yield
        finally:
            with self._lock:
                calls, self._phase = self._phase[1], outer
            self.observer.phase_done(name, calls, self._clock() - started)
            if outer:
                self.observer.phase(outer[0], outer[2] or None)

    def expect(self, calls: int) -> None:
        """The phase under way will make `calls` more calls (its progress total grows)."""
        with self._lock:
            if not self._phase:
                return
            self._phase[2] = max(self._phase[2], self._phase[1]) + calls
            name, total = self._phase[0], self._phase[2]
        self.observer.phase(name, total)

    # --- paths and messages ------------------------------------------------------------------

    def full_path(self, path: str) -> str:
        """The absolute path for `path`, relative to the account or in the plan's "/v1/..." form."""
        return check_path(path, self.auth_id, self.mask)

    def mask(self, text: str) -> str:
        """`text` with the token (in any form) removed and the auth id masked."""
        return self.redactor.mask(text)

    def _error(self, method: str, path: str, reason: str, status: int | None = None, cls=ApiError):
        return cls(
            self.mask(f"{method} {path}: {reason}"),
            status=status,
            method=method,
            path=self.mask(path),
        )

    # --- one request, with retries -----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        retry: bool = True,
    ) -> dict[str, Any]:
        """Send one call and return its JSON object.

        retry=False is for non-idempotent writes (a create, a pool add): only failures where
        the API surely did nothing (429, connection refused) are retried; an ambiguous one
        raises AmbiguousWriteError.
        """
        method, path = method.upper(), self.full_path(path)
        kind = call_kind(method, path)
        started: float | None = None
        for attempt in range(self.max_retries + 1):
            self._check_cancel(method, path)
            if self.limiter:
                waited = self.limiter.acquire(cancelled=self.watchdog.cancelled.is_set)
                self._check_cancel(method, path, holding=True)
                if waited:
                    self.observer.waiting(waited)
            started = self._clock() if started is None else started
            remaining = self.deadline - (self._clock() - started)
            try:
                return self._attempt(method, path, params, body, kind, remaining)
            except Retryable as e:
                if e.reason == "cancelled":
                    raise self._error(method, path, "interrupted", None, RunInterrupted) from e
                pause = self._pause(e, attempt)
                elapsed = self._clock() - started
                last = attempt >= self.max_retries or elapsed + pause >= self.deadline
                if e.ambiguous and not retry:
                    raise self._error(method, path, e.reason, e.status, AmbiguousWriteError) from e
                if last or e.status == 404:
                    raise self._give_up(method, path, e, attempt + 1, elapsed) from e
                self.observer.retry(method, self.mask(path), e.reason, pause)
                self._count("retries")
                self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_cancel(self, method: str, path: str, holding: bool = False) -> None:
        if self.cancelled:
            if holding and self.limiter:
                self.limiter.release()
            raise self._error(method, path, "interrupted: not sent", None, RunInterrupted)

    def _pause(self, e: Retryable, attempt: int) -> float:
        """Exponential backoff with full jitter; the server's Retry-After when it gave one."""
        if e.retry_after is not None:
            return min(e.retry_after, RETRY_AFTER_CAP)
        return self.backoff_delay(attempt)

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter for the `attempt`-th retry (0-based)."""
        base, cap = self.backoff
        return random.uniform(0, min(cap, base * 2**attempt))

    def _give_up(self, method: str, path: str, e: Retryable, attempts: int, elapsed: float):
        if e.status == 404:
            return self._error(method, path, e.reason, 404)
        where = f" at {self.api_url}" if e.status is None else ""
        reason = f"{e.reason}{where} (gave up after {attempts} attempts in {elapsed:.1f} s)"
        return self._error(method, path, reason, e.status)

    def _attempt(self, method, path, params, body, kind, remaining: float) -> dict[str, Any]:
        """One HTTP exchange, holding the rate-limit slot request() took for it."""
        t0 = self._clock()
        limit = min(self.timeout, remaining)
        exchange = self.watchdog.watch(t0 + limit, write=method != "GET")
        status: int | None = None
        try:
            if remaining <= 0:
                raise Retryable("deadline exceeded", ambiguous=False)
            self._count(kind)
            try:
                response = self._send(method, path, params, body, limit)
                try:
                    status, data = response.status_code, self._read_body(method, path, response)
                finally:
                    response.close()
                if exchange.fired:  # cut mid-answer: what was read is not the answer
                    raise Retryable("cut", ambiguous=True)
            except (Retryable, ApiError):
                cut = self._cut_reason(exchange.fired, limit)
                if cut is None:
                    raise
                raise cut from None
        finally:
            self.watchdog.done(exchange)
            if self.limiter:
                self.limiter.release()
            took = self._clock() - t0
            self.observer.call(method, self.mask(path), status, took)
        self.round_trip = took if self.round_trip is None else 0.8 * self.round_trip + 0.2 * took
        return self._interpret(method, path, status, response.headers, data)

    # --- concurrency and pagination ----------------------------------------------------------

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """func over items on up to max_workers threads, results in order; the first error wins
        and cancels what has not started."""
        items = list(items)
        if len(items) <= 1:
            return [func(item) for item in items]
        pool = ThreadPoolExecutor(self._workers(len(items)))
        try:
            futures = [pool.submit(func, item) for item in items]
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
            return [f.result() for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _workers(self, count: int) -> int:
        """Threads for `count` calls: enough to keep the round trip covered (Little's law), up to
        max_workers. More only fight over the interpreter lock: on loopback (N=5,000, 2 cores)
        3 threads fetched 0.3 s faster than 8; at 50 ms a round trip, many more are used."""
        wanted = 8 if self.round_trip is None else math.ceil(self.round_trip / CALL_CPU)
        return max(1, min(self.max_workers, count, max(2, wanted)))

    def first_page(self, path: str, *, params: dict[str, Any] | None = None) -> Page:
        """The first page of a list: (total_count, objects); list_all(first=...) goes on from it."""
        return pages.first_page(self, path, params)

    def list_all(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        first: Page | None = None,
        attempts: int = 1,
    ) -> list[dict[str, Any]]:
        """Every object of an offset-paginated list; a partial read is an ApiError (see pages).

        With `attempts` > 1 a list that moved while it was read is read again, after a backoff.
        """
        for attempt in range(attempts):
            try:
                return pages.read_all(self, path, params, first if attempt == 0 else None)
            except IncompleteReadError as e:
                if attempt == attempts - 1:
                    raise
                self.observer.retry("GET", self.mask(path), str(e), 0.0)
                self._sleep(self.backoff_delay(attempt) / 4)
        raise AssertionError("unreachable")  # pragma: no cover
