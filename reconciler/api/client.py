"""The only module that speaks HTTP: auth, timeouts, retries, rate cap, pages, error mapping."""

from __future__ import annotations

import base64
import json
import logging
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import requests
import urllib3
from requests.adapters import HTTPAdapter

from reconciler.api import pages
from reconciler.api.pages import Page
from reconciler.api.ratelimit import RateLimiter
from reconciler.api.wire import api_message, call_kind, check_api_url, retry_after
from reconciler.errors import ApiError
from reconciler.secrets import mask_account

log = logging.getLogger("reconciler.api.client")

T = TypeVar("T")
R = TypeVar("R")

CALL_CPU = 0.0005  # seconds of client CPU per call (requests, urllib3, parsing): see _workers
MAX_BODY = 8 * 1024 * 1024  # bytes read of one answer; a page of 20 objects is a few kB
RETRY_AFTER_CAP = 20.0  # seconds: never sleep longer on the server's word
AUTH_MESSAGE = "authentication failed (check PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN)"
_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]*")
_AUTH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class AmbiguousWriteError(ApiError):
    """A write may or may not have reached the API (dropped connection, read timeout, 5xx)."""


class _Retryable(Exception):
    """One failed attempt, maybe retried; `ambiguous` if the API may have processed it."""

    def __init__(self, reason: str, *, ambiguous: bool, status: int | None = None, wait=None):
        super().__init__(reason)
        self.reason = reason
        self.ambiguous = ambiguous
        self.status = status
        self.retry_after: float | None = wait


class PlivoClient:
    """A Plivo REST client for one account: pooled, rate-capped, retrying, strict about answers.

    Additions to the documented interface: `backoff=(base, cap)` seconds for the exponential
    backoff with full jitter, `max_body` bytes, `map(func, items)` to run calls concurrently, and
    `limiter` (None when the rate cap is off).
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
        max_workers: int = 8,
        deadline: float = 30.0,
        backoff: tuple[float, float] = (0.5, 8.0),
        max_body: int = MAX_BODY,
    ):
        if not auth_id or not _AUTH_ID.fullmatch(auth_id):
            raise ApiError("invalid PLIVO_AUTH_ID: expected letters and digits (e.g. MA...)")
        if not auth_token:
            raise ApiError("PLIVO_AUTH_TOKEN is empty")
        self.api_url = check_api_url(api_url, auth_token)
        self.auth_id = auth_id
        self.timeout, self.max_retries, self.deadline = timeout, max_retries, deadline
        self.backoff, self.max_body, self.max_workers = backoff, max_body, max(1, max_workers)
        self.limiter = RateLimiter(*rate_limit) if rate_limit else None
        self.round_trip: float | None = None  # seconds per exchange, a moving average
        self._secret = auth_token
        self._secrets = secret_forms(auth_id, auth_token)
        self._session = self._make_session(auth_id, auth_token)
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._sleep = time.sleep  # tests swap these two to observe the backoff without waiting
        self._clock = time.monotonic

    def _make_session(self, auth_id: str, auth_token: str) -> requests.Session:
        session = requests.Session()
        session.auth = (auth_id, auth_token)
        session.verify = True  # never turned off: TLS verification is not an option
        session.trust_env = False  # no .netrc credentials or proxy surprises from the environment
        session.headers.update({"Accept": "application/json", "User-Agent": "powerpacks"})
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self.max_workers * 2, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # The headers Session.request would send (auth included), computed once: re-merging the
        # session's settings on every call cost more client CPU than the rest of the call.
        self._headers = session.prepare_request(requests.Request("GET", self.api_url)).headers
        return session

    def __repr__(self) -> str:
        return f"PlivoClient({self.api_url!r}, account={mask_account(self.auth_id)!r})"

    def __enter__(self) -> PlivoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def stats(self) -> dict[str, int]:
        """HTTP calls sent, by kind ("GET Powerpack list", "POST Powerpack update"...), plus
        "retries" and "429"."""
        with self._stats_lock:
            return dict(self._stats)

    def _count(self, *kinds: str) -> None:
        with self._stats_lock:
            self._stats.update(kinds)

    # --- paths and messages ------------------------------------------------------------------

    def full_path(self, path: str) -> str:
        """The absolute path for `path`, relative to the account or in the plan's "/v1/..." form."""
        prefix = f"/v1/Account/{self.auth_id}/"
        path = path.replace("{auth_id}", self.auth_id)
        if path.startswith("/v1/Account/"):
            if not path.startswith(prefix):
                raise ApiError(f"refusing path {self.mask(path)!r}: it is not this account's")
        else:
            path = prefix + path.lstrip("/")
        for segment in path.split("/"):
            if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
                raise ApiError(f"refusing unsafe API path {self.mask(path)!r}")
        return path

    def mask(self, text: str) -> str:
        """`text` with the token removed and the auth id masked: safe for messages and logs."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text.replace(self.auth_id, mask_account(self.auth_id))

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

        retry=False is for non-idempotent writes (a create): only failures where the API surely did
        nothing (429, connection refused) are retried; an ambiguous one raises AmbiguousWriteError.
        """
        method, path = method.upper(), self.full_path(path)
        kind = call_kind(method, path)
        started: float | None = None
        ambiguous_before = False
        for attempt in range(self.max_retries + 1):
            if self.limiter:
                self.limiter.acquire()  # released by _attempt; the deadline starts after this wait
            started = self._clock() if started is None else started
            remaining = self.deadline - (self._clock() - started)
            try:
                return self._attempt(method, path, params, body, kind, remaining)
            except _Retryable as e:
                if method == "DELETE" and e.status == 404 and ambiguous_before:
                    return {}  # an earlier attempt deleted it but the answer was lost
                ambiguous_before = ambiguous_before or e.ambiguous
                pause = self._pause(e, attempt)
                elapsed = self._clock() - started
                last = attempt >= self.max_retries or elapsed + pause >= self.deadline
                if e.ambiguous and not retry:
                    raise self._error(method, path, e.reason, e.status, AmbiguousWriteError) from e
                if last or e.status == 404:
                    raise self._give_up(method, path, e, attempt + 1, elapsed) from e
                log.debug(
                    "client: %s %s: %s; retry in %.2fs", method, self.mask(path), e.reason, pause
                )
                self._count("retries")
                self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, e: _Retryable, attempt: int) -> float:
        """Exponential backoff with full jitter; the server's Retry-After when it gave one."""
        if e.retry_after is not None:
            return min(e.retry_after, RETRY_AFTER_CAP)
        return self.backoff_delay(attempt)

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter for the `attempt`-th retry (0-based)."""
        base, cap = self.backoff
        return random.uniform(0, min(cap, base * 2**attempt))

    def _give_up(self, method: str, path: str, e: _Retryable, attempts: int, elapsed: float):
        if e.status == 404:
            return self._error(method, path, e.reason, 404)
        where = f" at {self.api_url}" if e.status is None else ""
        reason = f"{e.reason}{where} (gave up after {attempts} attempts in {elapsed:.1f} s)"
        return self._error(method, path, reason, e.status)

    def _attempt(self, method, path, params, body, kind, remaining: float) -> dict[str, Any]:
        """One HTTP exchange, holding the rate-limit slot request() took for it."""
        t0 = time.monotonic()
        try:
            if remaining <= 0:
                raise _Retryable("deadline exceeded", ambiguous=False)
            self._count(kind)
            response = self._send(method, path, params, body, min(self.timeout, remaining))
            try:
                until = t0 + remaining
                status, data = response.status_code, self._read_body(method, path, response, until)
            finally:
                response.close()
        finally:
            if self.limiter:
                self.limiter.release()
        took = time.monotonic() - t0
        self.round_trip = took if self.round_trip is None else 0.8 * self.round_trip + 0.2 * took
        log.debug("client: %s %s -> %s in %.0f ms", method, self.mask(path), status, 1e3 * took)
        return self._interpret(method, path, status, response.headers, data)

    def _send(self, method, path, params, body, timeout: float) -> requests.Response:
        try:
            return self._session.send(
                self._prepare(method, self.api_url + path, params, body),
                timeout=(timeout, timeout), stream=True, allow_redirects=False,
                verify=True, cert=None, proxies={},
            )  # fmt: skip
        except requests.exceptions.ConnectTimeout:
            raise _Retryable("connection timed out", ambiguous=False) from None
        except requests.exceptions.SSLError as e:
            raise self._error(method, path, f"TLS error: {_short(e)}") from None
        except requests.exceptions.ReadTimeout:
            raise _Retryable("read timed out", ambiguous=True) from None
        except requests.exceptions.ConnectionError as e:
            refused = _never_sent(e)
            reason = "connection refused" if refused else "connection dropped"
            raise _Retryable(reason, ambiguous=not refused) from None
        except requests.exceptions.RequestException as e:
            raise self._error(method, path, f"request failed: {_short(e)}") from None

    def _prepare(self, method, url, params, body) -> requests.PreparedRequest:
        """The request Session.request would prepare (same headers, query and JSON body), at a
        third of its cost: 5,000 GETs took 0.5 s of CPU more that way (N=5,000 plan)."""
        if self._session.cookies:  # the API set a cookie: let requests send it back as usual
            return self._session.prepare_request(requests.Request(
                method, url, params=params, json=body if method != "GET" else None))  # fmt: skip
        prepared = requests.PreparedRequest()
        prepared.method, prepared.headers = method, self._headers.copy()
        prepared.prepare_cookies(requests.cookies.RequestsCookieJar())  # send() reads it on 3xx
        prepared.url = f"{url}?{urlencode(params, doseq=True)}" if params else url
        if body is not None and method != "GET":
            prepared.body = json.dumps(body, allow_nan=False).encode("utf-8")
            prepared.headers["Content-Type"] = "application/json"
        if method != "GET":
            prepared.headers["Content-Length"] = str(len(prepared.body or b""))
        return prepared

    def _read_body(
        self, method: str, path: str, response: requests.Response, until: float
    ) -> bytes:
        """The body, at most max_body bytes, read by `until` (monotonic): a server trickling
        bytes can't hold a call longer than its deadline."""
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_body:
            raise self._error(
                method, path, f"answer too large ({length} bytes)", response.status_code
            )
        chunks, size = [], 0
        try:
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > self.max_body:
                    raise self._error(
                        method, path, f"answer too large (over {self.max_body} bytes)"
                    )
                if time.monotonic() > until:
                    raise _Retryable("answer too slow", ambiguous=True)
                chunks.append(chunk)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
            raise _Retryable(
                "connection dropped while reading the answer", ambiguous=True
            ) from None
        return b"".join(chunks)

    def _interpret(self, method, path, status: int, headers, raw: bytes) -> dict[str, Any]:
        if status == 429:
            self._count("429")
            raise _Retryable(
                "rate limited (429)", ambiguous=False, status=429, wait=retry_after(headers)
            )
        if status >= 500:
            raise _Retryable(
                f"server error {status}", ambiguous=True, status=status, wait=retry_after(headers)
            )
        if status == 401:
            raise self._error(method, path, AUTH_MESSAGE, 401)
        if status == 404:
            raise _Retryable("not found (404)", ambiguous=False, status=404)
        if status >= 300:
            reason = api_message(raw) or f"HTTP {status}"
            raise self._error(
                method, path, f"the API refused the request ({status}): {reason}", status
            )
        if method == "DELETE" and not raw.strip():
            return {}  # 204 No Content
        return self._json_object(method, path, status, headers, raw)

    def _json_object(self, method, path, status, headers, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            kind = headers.get("Content-Type", "unknown type").split(";")[0]
            raise self._error(
                method, path, f"the API answered {status} with a non-JSON body ({kind})", status
            ) from None
        if not isinstance(data, dict):
            raise self._error(
                method, path, f"the API answered {status} with JSON that is not an object", status
            )
        return data

    # --- concurrency and pagination ----------------------------------------------------------

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """func over items on up to max_workers threads, results in order; the first error wins
        and cancels what has not started."""
        items = list(items)
        if len(items) <= 1:
            return [func(item) for item in items]
        with ThreadPoolExecutor(self._workers(len(items))) as pool:
            futures = [pool.submit(func, item) for item in items]
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                for f in futures:
                    f.cancel()
                raise failed[0].exception()  # type: ignore[misc]
            return [f.result() for f in futures]

    def _workers(self, count: int) -> int:
        """Threads for `count` calls: enough to keep the round trip covered (Little's law), up to
        max_workers. More only fight over the interpreter lock: on loopback (N=5,000, 2 cores)
        3 threads fetched 0.3 s faster than 8; at 50 ms a round trip, all 8 are used."""
        wanted = 8 if self.round_trip is None else math.ceil(self.round_trip / CALL_CPU)
        return max(1, min(self.max_workers, count, max(2, wanted)))

    def first_page(self, path: str, *, params: dict[str, Any] | None = None) -> Page:
        """The first page of a list: (total_count, objects); list_all(first=...) goes on from it."""
        return pages.first_page(self, path, params)

    def list_all(
        self, path: str, *, params: dict[str, Any] | None = None, first: Page | None = None
    ) -> list[dict[str, Any]]:
        """Every object of an offset-paginated list; a partial read is an ApiError (see pages)."""
        return pages.read_all(self, path, params, first)


def secret_forms(auth_id: str, token: str) -> tuple[str, ...]:
    """The token as an answer might echo it back: inside the Basic header, URL-quoted, plain."""
    basic = base64.b64encode(f"{auth_id}:{token}".encode()).decode()
    return tuple(dict.fromkeys((basic, basic.rstrip("="), quote(token, safe=""), token)))


def _never_sent(e: requests.exceptions.ConnectionError) -> bool:
    """True when the connection could not even be opened, so the API surely saw nothing."""
    text = repr(e)
    return any(
        s in text for s in ("NewConnectionError", "Connection refused", "NameResolutionError")
    )


def _short(e: Exception) -> str:
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__
