"""How the Sandbox answers one connection: read requests, journal them, apply latency and
faults, authenticate, rate-limit, dispatch to the account, and write the answer."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from . import pools
from .account import Account
from .faults import Fault, FaultPlan
from .http import HttpError, Request, encode_response, read_request
from .lock import STATUS_PATH
from .routes import dispatch, resolve
from .store import Store
from .validate import ApiFail

_DROP = object()  # a handler result meaning "close the connection without answering"


def api_id() -> str:
    """A time-based request id (UUID v1), as Plivo's api_id."""
    return str(uuid.uuid1())


def _credentials(header: str) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _journal_body(raw: bytes) -> Any:
    """The request body for the journal: parsed JSON, else the (shortened) text, else None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw[:2000].decode("utf-8", "replace")


class Handling:
    """The request-handling half of Sandbox (it holds the account, faults, limiter, store)."""

    account: Account
    auth_id: str
    auth_token: str
    latency_ms: float
    _faults: FaultPlan
    _limiter: Any
    _store: Store
    _writers: set[asyncio.StreamWriter]
    state_path: Path
    # The waits (latency, a timeout fault) and the rate limit's clock: tests swap them to see
    # what the sandbox would wait without waiting.
    pause: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)

    @property
    def url(self) -> str:
        raise NotImplementedError  # pragma: no cover - Sandbox's

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: requests until the client closes, asks to close, or a fault drops it."""
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await read_request(reader, writer)
                except HttpError as e:
                    writer.write(
                        encode_response(e.status, self._error(e.message), keep_alive=False)
                    )
                    break
                if request is None:
                    break
                reply = await self._answer(request)
                if reply is _DROP:
                    break
                writer.write(reply)  # type: ignore[arg-type]
                await writer.drain()
                if not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # stop() while a request waits (latency, a timeout fault): end the connection quietly;
            # re-raising makes asyncio's stream callback print a CancelledError traceback.
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    @staticmethod
    def _error(message: str) -> dict[str, str]:
        return {"api_id": api_id(), "error": message}

    async def _answer(self, request: Request) -> bytes | object:
        """Journal the request, apply latency and faults, then authenticate and dispatch."""
        if request.path == STATUS_PATH:
            return self._status(request)
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "body": _journal_body(request.body),
            "status": None,
            "time": round(time.time(), 6),
        }
        if self.latency_ms > 0:
            await self.pause(self.latency_ms / 1000)
        fault = self._faults.pick(request.method)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind in ("drop", "timeout"):
                if fault.kind == "timeout":
                    await self.pause(fault.delay)
                self._store.record(entry)
                return _DROP
        status, payload, headers = self._handle(request, fault)
        entry["status"] = status
        self._store.record(entry)
        if fault is not None and fault.kind == "drop-after":
            return _DROP
        return encode_response(status, payload, headers, request.keep_alive)

    def _status(self, request: Request) -> bytes:
        """The lock's liveness probe (lock.running_server): not journaled, limited or faulted."""
        try:
            self._authenticate(request, None)
        except ApiFail as e:
            return encode_response(e.status, self._error(e.message), e.headers, request.keep_alive)
        body = {"pid": os.getpid(), "state": str(self.state_path.resolve()), "url": self.url}
        return encode_response(200, body, None, request.keep_alive)

    def _handle(self, request: Request, fault: Fault | None) -> tuple[int, Any, dict[str, str]]:
        """(status, payload, headers) for a request; applies writes to the account."""
        try:
            if fault is not None and fault.kind[0] in "45":
                raise self._fault_error(fault)
            payload = self._route(request)
        except ApiFail as e:
            return e.status, self._error(e.message), e.headers
        if self.account.dirty:
            self.account.dirty = False
            self._store.changed()
        return 200, {"api_id": api_id(), **payload}, {}

    @staticmethod
    def _fault_error(fault: Fault) -> ApiFail:
        """The error an injected status fault answers with."""
        if fault.kind == "429-retry-after":
            return ApiFail(429, "too many requests", {"Retry-After": f"{fault.retry_after:g}"})
        if fault.kind == "429":
            return ApiFail(429, "too many requests")
        return ApiFail(int(fault.kind), "injected server error")

    def _route(self, request: Request) -> dict[str, Any]:
        """Authenticate (401), rate-limit (429), parse the body (400), dispatch."""
        kind, path_auth_id, rest = resolve(request.path)
        if kind == "unknown":
            raise ApiFail(404, "not found")
        self._authenticate(request, path_auth_id)
        self._rate_limit()
        body = self._body(request)
        if kind == "phlo":
            if request.method != "GET":
                raise ApiFail(405, f"method {request.method} not allowed", {"Allow": "GET"})
            return pools.get_phlo(self.account, rest[0])
        return dispatch(self.account, request.method, rest, request.query, body)

    def _authenticate(self, request: Request, path_auth_id: str | None) -> None:
        """Basic auth must match the account, and so must the auth_id in the path (Q16)."""
        creds = _credentials(request.headers.get("authorization", ""))
        if creds is None:
            raise ApiFail(401, "authentication credentials were not provided")
        user_ok = hmac.compare_digest(creds[0].encode(), self.auth_id.encode())
        token_ok = hmac.compare_digest(creds[1].encode(), self.auth_token.encode())
        if not (user_ok and token_ok):
            raise ApiFail(401, "invalid credentials")
        if path_auth_id is not None and path_auth_id != self.auth_id:
            raise ApiFail(401, "auth_id in the URL does not match the credentials")

    def _rate_limit(self) -> None:
        """The account's sliding-window limit; 429 with Retry-After when exceeded."""
        if self._limiter is None:
            return
        wait = self._limiter.admit(self.clock())
        if wait is not None:
            retry = str(max(1, int(wait + 0.999)))
            limit = f"{self._limiter.limit} requests per {self._limiter.window:g} s"
            raise ApiFail(429, f"too many requests (limit: {limit})", {"Retry-After": retry})

    @staticmethod
    def _body(request: Request) -> Any:
        """The JSON body ({} when empty; GET bodies are ignored); 400 when malformed."""
        if request.method == "GET" or not request.body.strip():
            return {}
        try:
            return json.loads(request.body)
        except ValueError:
            raise ApiFail(400, "malformed JSON in request body") from None
