"""One HTTP exchange of the client: send a prepared request, read the answer (bounded), map
the status to a value or a retryable failure. The retry loop around it is in client.py."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import requests
import urllib3

from reconciler.api.wire import api_message, retry_after, shorten, tls_reason
from reconciler.errors import ApiError

AUTH_MESSAGE = "authentication failed (check PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN)"


class Retryable(Exception):
    """One failed attempt, maybe retried; `ambiguous` if the API may have processed it."""

    def __init__(self, reason: str, *, ambiguous: bool, status: int | None = None, wait=None):
        super().__init__(reason)
        self.reason = reason
        self.ambiguous = ambiguous
        self.status = status
        self.retry_after: float | None = wait


class Exchanges:
    """The exchange half of PlivoClient (it provides _session, _headers, max_body, mask,
    _error and _count)."""

    _session: requests.Session
    _headers: Any
    max_body: int
    api_url: str

    def mask(self, text: str) -> str:  # pragma: no cover - PlivoClient's
        raise NotImplementedError

    def _error(self, method: str, path: str, reason: str, status: int | None = None, cls=ApiError):
        raise NotImplementedError  # pragma: no cover - PlivoClient's

    def _count(self, *kinds: str) -> None:
        raise NotImplementedError  # pragma: no cover - PlivoClient's

    @staticmethod
    def _cut_reason(fired: str, limit: float) -> Retryable | None:
        if fired == "cancel":
            return Retryable("cancelled", ambiguous=True)
        if fired == "deadline":
            return Retryable(f"no complete answer within {limit:.3g} s", ambiguous=True)
        return None

    def _send(self, method, path, params, body, timeout: float) -> requests.Response:
        try:
            return self._session.send(
                self._prepare(method, self.api_url + path, params, body),
                timeout=(timeout, timeout), stream=True, allow_redirects=False,
                verify=True, cert=None, proxies={},
            )  # fmt: skip
        except requests.exceptions.ConnectTimeout:
            raise Retryable("connection timed out", ambiguous=False) from None
        except requests.exceptions.SSLError as e:
            raise self._error(method, path, f"TLS error: {tls_reason(e)}") from None
        except requests.exceptions.ReadTimeout:
            raise Retryable("read timed out", ambiguous=True) from None
        except requests.exceptions.ConnectionError as e:
            refused = _never_sent(e)
            reason = "connection refused" if refused else "connection dropped"
            raise Retryable(reason, ambiguous=not refused) from None
        except requests.exceptions.RequestException as e:
            raise self._error(method, path, f"request failed: {tls_reason(e)}") from None

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

    def _read_body(self, method: str, path: str, response: requests.Response) -> bytes:
        """The body, at most max_body bytes (the watchdog bounds how long it may take)."""
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
                chunks.append(chunk)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
            raise Retryable("connection dropped while reading the answer", ambiguous=True) from None
        return b"".join(chunks)

    def _interpret(self, method, path, status: int, headers, raw: bytes) -> dict[str, Any]:
        if status == 429:
            self._count("429")
            raise Retryable(
                "rate limited (429)", ambiguous=False, status=429, wait=retry_after(headers)
            )
        if status >= 500:
            raise Retryable(
                f"server error {status}", ambiguous=True, status=status, wait=retry_after(headers)
            )
        if status == 401:
            raise self._error(method, path, AUTH_MESSAGE, 401)
        if status == 404:
            raise Retryable("not found (404)", ambiguous=False, status=404)
        if status >= 300:
            reason = shorten(self.mask(api_message(raw))) or f"HTTP {status}"
            raise self._error(
                method, path, f"the API refused the request ({status}): {reason}", status
            )
        if method == "DELETE" and not raw.strip():
            return {}  # 204 No Content
        return self._json_object(method, path, status, headers, raw)

    def _json_object(self, method, path, status, headers, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            kind = headers.get("Content-Type", "unknown type").split(";")[0]
            raise self._error(
                method, path, f"the API answered {status} with a non-JSON body ({kind})", status
            ) from None
        if not isinstance(data, dict):
            raise self._error(
                method, path, f"the API answered {status} with JSON that is not an object", status
            )
        return data


def _never_sent(e: requests.exceptions.ConnectionError) -> bool:
    """True when the connection could not even be opened, so the API surely saw nothing."""
    text = repr(e)
    return any(
        s in text for s in ("NewConnectionError", "Connection refused", "NameResolutionError")
    )
