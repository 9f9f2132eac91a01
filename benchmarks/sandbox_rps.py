"""Requests per second the sandbox serves: list pages, GET one, POST update; 1 and 8 client threads.

    .venv/bin/python benchmarks/sandbox_rps.py [--powerpacks 5000] [--requests 3000] [--process]

Clients are keep-alive `requests.Session`s (one per thread). By default the sandbox runs in this
process, as `--sandbox` runs it (server and clients then share one interpreter lock); `--process`
serves it from a child process instead, which shows the server's own ceiling.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def scenarios(base: str, uuids: list[str], total: int) -> dict[str, Callable[..., object]]:
    """Name -> fn(session, i) sending request number i of that scenario."""
    pages = max(1, (len(uuids) + 19) // 20)
    return {
        "GET list page (limit=20)": lambda s, i: s.get(
            f"{base}/Powerpack/", params={"limit": 20, "offset": 20 * (i % pages)}
        ),
        "GET one Powerpack": lambda s, i: s.get(f"{base}/Powerpack/{uuids[i % len(uuids)]}/"),
        "POST update": lambda s, i: s.post(
            f"{base}/Powerpack/{uuids[i % len(uuids)]}/", json={"sticky_sender": i % 2 == 0}
        ),
    }


def run(send: Callable[..., object], auth: tuple[str, str], total: int, threads: int) -> float:
    """Send `total` requests over `threads` keep-alive sessions; return requests per second."""
    per_thread = total // threads

    def worker(t: int) -> None:
        with requests.Session() as s:
            s.auth = auth
            for i in range(t * per_thread, (t + 1) * per_thread):
                r = send(s, i)
                assert r.status_code == 200, r.text  # type: ignore[attr-defined]

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return per_thread * threads / (time.perf_counter() - start)


def measure(url: str, auth_id: str, token: str, uuids: list[str], total: int) -> None:
    """Print the table."""
    base = f"{url}/v1/Account/{auth_id}"
    print(f"{'scenario':<28} {'1 thread':>12} {'8 threads':>12}")
    for name, send in scenarios(base, uuids, total).items():
        rates = [run(send, (auth_id, token), total, n) for n in (1, 8)]
        print(f"{name:<28} {rates[0]:>8.0f} r/s {rates[1]:>8.0f} r/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--powerpacks", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--process", action="store_true", help="serve from a child process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sandbox.json"
        uuids = seed_state(path, args.powerpacks)
        where = "child process" if args.process else "this process"
        print(f"sandbox: {args.powerpacks} Powerpacks, {args.requests} requests/cell, {where}")
        if not args.process:
            with Sandbox(path, rate_limit=None) as sb:
                measure(sb.url, sb.auth_id, sb.auth_token, uuids, args.requests)
            return
        ready: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        done = mp.Event()
        child = mp.Process(target=serve_child, args=(str(path), ready, done))
        child.start()
        try:
            measure(*ready.get(timeout=30), uuids, args.requests)
        finally:
            done.set()
            child.join(30)


if __name__ == "__main__":
    main()
