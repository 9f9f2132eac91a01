"""A small HTTP/1.1 layer over asyncio streams: keep-alive, Content-Length or chunked bodies.

Why hand-written (the project prefers a well-kept library): measured against the two candidates,
each as a front end over the same Sandbox core in a child process, with
`benchmarks/sandbox_rps.py --process --client stdlib` (5,000 Powerpacks, 3,000 requests a cell;
median of 3 interleaved rounds on the 2-core dev machine; requests/s at 1 and 8 client threads):

    scenario            this server       ThreadingHTTPServer    aiohttp 3.14 (low-level)
    GET list page       5,255 / 6,535     3,935 / 4,098          3,597 / 5,072
    GET one Powerpack   7,503 / 9,475     5,452 / 5,128          5,254 / 6,164
    POST update         4,576 / 5,788     4,134 / 5,350          3,788 / 4,750

With the `requests` client (what the reconciler uses) all three serve 900-1,800 r/s: the client
is the bottleneck. So no library is faster here, and each costs something the sandbox needs:
- http.server (ThreadingHTTPServer, HTTP/1.1): a thread per connection, so "mutations one at a
  time" becomes a lock, and the coalesced persistence (store.py) and stop() (ending idle
  keep-alives and sleeping `timeout` faults) need rewriting on threads. It reads no chunked
  bodies, answers errors in HTML, and a TLS ClientHello (no line end) hangs in readline until
  the client's timeout, so those parts stay hand-written anyway. Out of the box it ran at
  22 r/s (Nagle against delayed ACK: head and body sent apart) until tuned.
- aiohttp: a new runtime dependency for a test emulator (eight packages: aiohttp and seven it
  pulls in, several with C extensions), and no supported way to drop a connection after
  applying a write (the `drop-after` fault): only closing its transport by hand in a handler.
What is kept is small: a request head, Content-Length or chunked bodies with a size cap, 100
Continue, keep-alive, JSON answers; anything else is a 4xx and the connection closes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_BODY = 1 << 20  # 1 MiB: a Powerpack request is a few hundred bytes
MAX_HEAD = 64 * 1024


class HttpError(Exception):
    """A request that cannot be read; answered with `status`, then the connection closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    """One parsed request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    keep_alive: bool = True


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """(method, target, version, lower-cased headers) from the request head."""
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            key, sep, value = line.partition(":")
            if not sep:
                raise HttpError(400, "malformed header line")
            headers[key.strip().lower()] = value.strip()
    return parts[0].upper(), parts[1], parts[2], headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body (Transfer-Encoding: chunked), at most MAX_BODY bytes."""
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "malformed chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers: ignored
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise HttpError(413, "request body too large")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _read_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
) -> bytes:
    """The body by Content-Length or chunked; 413 before reading an oversized one."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader)
    try:
        length = int(headers.get("content-length") or 0)
    except ValueError:
        raise HttpError(400, "malformed Content-Length") from None
    if length < 0:
        raise HttpError(400, "malformed Content-Length")
    if length > MAX_BODY:
        raise HttpError(413, "request body too large")
    if length and headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    return await reader.readexactly(length) if length else b""


TLS_HANDSHAKE = b"\x16"  # the first byte of a TLS ClientHello record


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> Request | None:
    """The next request on the connection, or None at a clean end of stream."""
    try:
        first = await reader.readexactly(1)
    except asyncio.IncompleteReadError:
        return None
    if first == TLS_HANDSHAKE:  # https:// to this plain-http server: answer now, don't wait
        raise HttpError(400, "this server speaks plain HTTP, not TLS")
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise HttpError(400, "incomplete request") from None
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request header too large") from None
    method, target, version, headers = _parse_head(head)
    body = await _read_body(reader, writer, headers)
    url = urlsplit(target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    return Request(method, url.path or "/", query, headers, body, keep_alive)


def encode_response(
    status: int, payload: Any, headers: dict[str, str] | None = None, keep_alive: bool = True
) -> bytes:
    """A complete HTTP/1.1 response with a JSON body."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive" if keep_alive else "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
