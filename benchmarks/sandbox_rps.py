"""Requests per second the sandbox serves: list pages, GET one, POST update; 1 and 8 client threads.

    .venv/bin/python benchmarks/sandbox_rps.py [--powerpacks 5000] [--requests 3000] [--process]
                                               [--client requests|stdlib]

Clients are keep-alive `requests.Session`s (one per thread), or with `--client stdlib` plain
`http.client` connections, which cost the client far less and so show more of the server. By
default the sandbox runs in this process, as `--sandbox` runs it (server and clients then share one
interpreter lock); `--process` serves it from a child process instead (the server's own ceiling).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.sandbox import Sandbox, build_state, write_state


def seed_state(path: Path, count: int) -> list[str]:
    """Write an account with `count` Powerpacks; return their uuids."""
    state = build_state(powerpacks=[{"name": f"pp-{i:05d}"} for i in range(count)], seed=7)
    write_state(path, state)
    return [pp["uuid"] for pp in state["powerpacks"]]


def serve_child(path: str, ready: mp.Queue, done: mp.Event) -> None:  # type: ignore[type-arg]
    """Child process: serve until told to stop."""
    with Sandbox(path, rate_limit=None) as sb:
        ready.put((sb.url, sb.auth_id, sb.auth_token))
        done.wait()


Call = tuple[str, str, Any]  # (method, path under /v1/Account/{auth_id}, JSON body or None)


def scenarios(uuids: list[str]) -> dict[str, Callable[[int], Call]]:
    """Name -> fn(i) giving request number i of that scenario."""
    pages = max(1, (len(uuids) + 19) // 20)
    return {
        "GET list page (limit=20)": lambda i: (
            "GET", f"/Powerpack/?limit=20&offset={20 * (i % pages)}", None),
        "GET one Powerpack": lambda i: ("GET", f"/Powerpack/{uuids[i % len(uuids)]}/", None),
        "POST update": lambda i: (
            "POST", f"/Powerpack/{uuids[i % len(uuids)]}/", {"sticky_sender": i % 2 == 0}),
    }  # fmt: skip


class RequestsClient:
    """requests.Session: what the reconciler's client uses."""

    def __init__(self, root: str, auth: tuple[str, str]) -> None:
        self.root, self.session = root, requests.Session()
        self.session.auth = auth

    def send(self, call: Call) -> int:
        method, path, body = call
        return self.session.request(method, self.root + path, json=body).status_code

    def close(self) -> None:
        self.session.close()


class StdlibClient:
    """http.client keep-alive connection: a much lighter client, closer to the server's ceiling."""

    def __init__(self, root: str, auth: tuple[str, str]) -> None:
        url = urlsplit(root)
        self.prefix = url.path
        self.conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
        token = base64.b64encode(":".join(auth).encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def send(self, call: Call) -> int:
        method, path, body = call
        payload = None if body is None else json.dumps(body)
        self.conn.request(method, self.prefix + path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.conn.close()


CLIENTS = {"requests": RequestsClient, "stdlib": StdlibClient}


def run(make: Callable[[int], Call], client: Callable[[], Any], total: int, threads: int) -> float:
    """Send `total` requests over `threads` keep-alive clients; return requests per second."""
    per_thread = total // threads

    def worker(t: int) -> None:
        c = client()
        try:
            for i in range(t * per_thread, (t + 1) * per_thread):
                assert c.send(make(i)) == 200
        finally:
            c.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return per_thread * threads / (time.perf_counter() - start)


def measure(url: str, auth_id: str, token: str, uuids: list[str], args: Any) -> None:
    """Print the table."""
    root = f"{url}/v1/Account/{auth_id}"

    def client() -> Any:
        return CLIENTS[args.client](root, (auth_id, token))

    print(f"{'scenario':<28} {'1 thread':>12} {'8 threads':>12}")
    for name, make in scenarios(uuids).items():
        rates = [run(make, client, args.requests, n) for n in (1, 8)]
        print(f"{name:<28} {rates[0]:>8.0f} r/s {rates[1]:>8.0f} r/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--powerpacks", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--process", action="store_true", help="serve from a child process")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sandbox.json"
        uuids = seed_state(path, args.powerpacks)
        where = "child process" if args.process else "this process"
        print(f"sandbox: {args.powerpacks} Powerpacks, {args.requests} requests/cell, {where}, "
              f"{args.client} client")  # fmt: skip
        if not args.process:
            with Sandbox(path, rate_limit=None) as sb:
                measure(sb.url, sb.auth_id, sb.auth_token, uuids, args)
            return
        ready: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        done = mp.Event()
        child = mp.Process(target=serve_child, args=(str(path), ready, done))
        child.start()
        try:
            measure(*ready.get(timeout=30), uuids, args)
        finally:
            done.set()
            child.join(30)


if __name__ == "__main__":
    main()
