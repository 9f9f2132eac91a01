"""It holds up: malformed input, oversized bodies, unknown routes, wrong methods, 100 clients."""

from __future__ import annotations

import base64
import json
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from reconciler.sandbox import Sandbox, load_state


def raw(sandbox: Sandbox, data: bytes) -> bytes:
    """Send raw bytes on a fresh connection; return everything the server answers."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def auth_header(sandbox: Sandbox) -> str:
    token = base64.b64encode(f"{sandbox.auth_id}:{sandbox.auth_token}".encode()).decode()
    return f"Authorization: Basic {token}\r\n"


def healthy(http: requests.Session, base: str) -> bool:
    return http.get(f"{base}/Powerpack/").status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_bad_bodies_are_400(http, base: str, body: bytes) -> None:
    r = http.post(f"{base}/Powerpack/", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and set(r.json()) == {"api_id", "error"}
    assert healthy(http, base)


def test_oversized_body_is_413_without_reading_it(sandbox: Sandbox, http, base: str) -> None:
    head = (
        f"POST /v1/Account/{sandbox.auth_id}/Powerpack/ HTTP/1.1\r\nHost: x\r\n"
        f"{auth_header(sandbox)}Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"
    )
    answer = raw(sandbox, head.encode())
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert healthy(http, base)


def test_oversized_chunked_body_is_413(sandbox: Sandbox) -> None:
    head = f"POST /v1/Account/{sandbox.auth_id}/Powerpack/ HTTP/1.1\r\nHost: x\r\n"
    chunk = b"%x\r\n" % (2 << 20) + b"x" * 10
    answer = raw(sandbox, (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunk)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_chunked_body_and_expect_continue(sandbox: Sandbox) -> None:
    body = json.dumps({"name": "chunked"}).encode()
    head = (
        f"POST /v1/Account/{sandbox.auth_id}/Powerpack/ HTTP/1.1\r\n{auth_header(sandbox)}"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    answer = raw(sandbox, head.encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"name":"chunked"' in answer
    head = (
        f"POST /v1/Account/{sandbox.auth_id}/Powerpack/ HTTP/1.1\r\n{auth_header(sandbox)}"
        f"Expect: 100-continue\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
    )
    answer = raw(sandbox, head.encode() + b'{"name":"cont1"}')
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 ")


@pytest.mark.parametrize(
    "data",
    [b"GARBAGE\r\n\r\n", b"GET / HTTP/2.0\r\n\r\n", b"GET /x HTTP/1.1\r\nNoColon\r\n\r\n"],
)
def test_malformed_requests_are_400_and_closed(sandbox: Sandbox, http, base, data) -> None:
    assert raw(sandbox, data).startswith(b"HTTP/1.1 400 ")
    assert healthy(http, base)


def test_huge_header_is_431(sandbox: Sandbox) -> None:
    answer = raw(sandbox, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_half_sent_request_does_not_hurt(sandbox: Sandbox, http, base) -> None:
    with socket.create_connection(("127.0.0.1", sandbox.port)) as s:
        s.sendall(b"POST /v1/Account/x/Powerpack/ HTTP/1.1\r\nContent-Length: 50\r\n\r\n{")
    assert healthy(http, base)


@pytest.mark.parametrize(
    "path", ["/", "/v2/Account/x/Powerpack/", "/Nope/", "/v1/Account/{aid}/Nope/",
             "/v1/Account/{aid}/Powerpack/a/b/c/", "/v1/Account/{aid}/NumberPool/"],
)  # fmt: skip
def test_unknown_routes_are_404(http, sandbox: Sandbox, path: str) -> None:
    r = http.get(sandbox.url + path.format(aid=sandbox.auth_id))
    assert r.status_code == 404 and set(r.json()) == {"api_id", "error"}


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("PUT", "/Powerpack/"), ("DELETE", "/Powerpack/"), ("PATCH", "/Application/"),
     ("POST", "/Application/"), ("POST", "/NumberPool/p/Shortcode/1/")],
)  # fmt: skip
def test_wrong_methods_are_405(http, base: str, method: str, suffix: str) -> None:
    r = http.request(method, base + suffix, json={})
    assert r.status_code == 405 and "Allow" in r.headers


def test_http10_closes_the_connection(sandbox: Sandbox) -> None:
    request = f"GET /v1/Account/{sandbox.auth_id}/Powerpack/ HTTP/1.0\r\n{auth_header(sandbox)}\r\n"
    answer = raw(sandbox, request.encode())  # returns only because the server closed it
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer


def test_100_concurrent_clients_lose_no_write(sandbox: Sandbox, base: str) -> None:
    def client(i: int) -> tuple[int, int]:
        with requests.Session() as s:
            s.auth = (sandbox.auth_id, sandbox.auth_token)
            created = s.post(f"{base}/Powerpack/", json={"name": f"c{i:03d}"})
            uuid = created.json()["uuid"]
            updated = s.post(f"{base}/Powerpack/{uuid}/", json={"sticky_sender": i % 2 == 0})
            return created.status_code, updated.status_code

    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(client, range(100)))
    assert results == [(200, 200)] * 100
    sandbox.stop()
    saved = {p["name"]: p for p in load_state(sandbox.state_path)["powerpacks"]}
    assert len(saved) == 104
    assert all(saved[f"c{i:03d}"]["sticky_sender"] is (i % 2 == 0) for i in range(100))


def test_concurrent_creates_with_one_name_make_exactly_one(sandbox: Sandbox, base: str) -> None:
    def create(_: int) -> int:
        with requests.Session() as s:
            s.auth = (sandbox.auth_id, sandbox.auth_token)
            return s.post(f"{base}/Powerpack/", json={"name": "same"}).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = sorted(pool.map(create, range(20)))
    assert codes == [200] + [400] * 19


def test_tls_client_hello_is_answered_at_once_not_left_hanging(
    sandbox: Sandbox, http, base: str
) -> None:
    """https:// pointed at the plain-http sandbox fails fast instead of waiting for a timeout."""
    hello = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 32
    answer = raw(sandbox, hello)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"plain HTTP" in answer
    assert healthy(http, base)
