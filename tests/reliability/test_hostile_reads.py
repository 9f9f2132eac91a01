"""Partial reads and hostile API answers: a clear error (exit 1), no write, in bounded time.

The manifest prunes and apply is given --allow-delete, so a read mistaken for complete would show
up as deletes. The hostile server serves 45 Powerpacks (three pages) and bends one kind of answer.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import TOKEN, Hostile, cli_env, json_answer, run_cli

MANIFEST = "version: 1\nprune: true\npowerpacks:\n" + "".join(
    f"  m-{i:02d}: {{sticky_sender: false}}\n" for i in range(5)
)
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
BOUND = 25.0  # seconds: every hostile case must end well within DESIGN's 30 s


def is_list(path: str) -> bool:
    return path.rstrip("/").endswith("/Powerpack")


def later_page(behave: Any) -> Any:
    """Bend only list pages after the first."""

    def wrapped(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        if method == "GET" and is_list(path) and int(q.get("offset", 0)) > 0:
            return behave(h, method, path, q)
        return None

    return wrapped


def every_list(behave: Any) -> Any:
    def wrapped(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        return behave(h, method, path, q) if method == "GET" and is_list(path) else None

    return wrapped


def objects_with(change: Any) -> Any:
    """Every list page, its objects passed through `change(obj) -> obj`."""

    def behave(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        data = json.loads(h.page(q)[2])
        data["objects"] = [change(dict(o)) for o in data["objects"]]
        return json_answer(data)

    return every_list(behave)


def meta_with(**meta: Any) -> Any:
    def behave(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        data = json.loads(h.page(q)[2])
        data["meta"].update(meta)
        return json_answer(data)

    return every_list(behave)


def without(key: str) -> Any:
    return lambda o: {k: v for k, v in o.items() if k != key}


def past_end(q: dict[str, str]) -> dict[str, str]:
    """The first page as asked; every later one from beyond the data (so empty)."""
    return q if q.get("offset") == "0" else {**q, "offset": "99999"}


def stream(chunk: bytes, limit: int = 64 * 1024 * 1024) -> Any:
    def write(wfile: Any) -> None:
        sent = 0
        while sent < limit:
            wfile.write(chunk)
            sent += len(chunk)

    return write


CASES: dict[str, tuple[Any, str]] = {
    # partial reads
    "page-fails-beyond-retries": (
        later_page(lambda *_: (503, {"Retry-After": "0"}, b'{"error": "busy"}')),
        "server error 503",
    ),
    "total-count-moves-while-paging": (
        later_page(lambda h, m, p, q: h.page(q, total=len(h.objects) + 1)),
        "total_count changed",
    ),
    "page-repeats": (
        later_page(lambda h, m, p, q: h.page({**q, "offset": "0"})),
        "incomplete read",
    ),
    "page-short": (
        later_page(lambda h, m, p, q: json_answer({**json.loads(h.page(q)[2]), "objects": []})),
        "incomplete read",
    ),
    # hostile answers
    "html-200": (every_list(lambda *_: (200, {"Content-Type": "text/html"}, HTML)), "non-JSON"),
    "html-502": (every_list(lambda *_: (502, {"Retry-After": "0"}, HTML)), "server error 502"),
    "html-400": (every_list(lambda *_: (400, {"Content-Type": "text/html"}, HTML)), "(400)"),
    "html-404": (every_list(lambda *_: (404, {"Content-Type": "text/html"}, HTML)), "404"),
    "json-array": (every_list(lambda *_: json_answer([1, 2])), "not an object"),
    "missing-name": (objects_with(without("name")), "name"),
    "missing-uuid": (objects_with(without("uuid")), "uuid"),
    "bool-as-string": (objects_with(lambda o: {**o, "sticky_sender": "true"}), "sticky_sender"),
    "uuid-as-number": (objects_with(lambda o: {**o, "uuid": 7}), "uuid"),
    "name-as-list": (objects_with(lambda o: {**o, "name": ["m"]}), "name"),
    "objects-not-a-list": (meta_with(), "objects"),
    "total-count-string": (meta_with(total_count="45"), "total_count"),
    "total-count-negative": (meta_with(total_count=-1), "total_count"),
    "total-count-huge": (meta_with(total_count=10**12), "total_count"),
    "no-meta": (every_list(lambda *_: json_answer({"objects": []})), "total_count"),
    "huge-declared-body": (
        every_list(lambda *_: (200, {"Content-Length": str(10**9)}, b"")),
        "too large",
    ),
    "endless-body": (every_list(lambda *_: (200, {}, stream(b"[" * 65536))), "too large"),
    "endless-pagination": (
        every_list(lambda h, m, p, q: h.page({**q, "offset": "0"}, total=199_999)),
        "incomplete read",
    ),
    "endless-empty-pages": (
        every_list(lambda h, m, p, q: h.page(past_end(q), total=199_999)),
        "incomplete read",
    ),
    "duplicate-names": (
        objects_with(lambda o: {**o, "name": "m-00"} if o["name"] == "m-30" else o),
        "m-00",
    ),
}
CASES["objects-not-a-list"] = (
    every_list(lambda h, m, p, q: json_answer({"meta": {"total_count": 1}, "objects": {"a": 1}})),
    "objects",
)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["apply", "plan"])
def test_a_hostile_read_is_a_clear_error_and_no_write(hostile, tmp_path, case, command) -> None:
    behave, expected = CASES[case]
    server = hostile(45, behave)

    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    args = ["apply", "--auto-approve", "--allow-delete"] if command == "apply" else ["plan"]
    t0 = time.monotonic()
    result = run_cli(tmp_path, cli_env(server.url), *args, timeout=60)
    elapsed = time.monotonic() - t0
    assert result.code == 1, (result.out, result.err)
    assert server.writes() == []
    assert elapsed < BOUND
    assert "Traceback" not in result.err
    assert result.err.startswith("Error: ") and result.err.count("\n") <= 3, result.err
    assert expected in result.err, result.err
    assert TOKEN not in result.out + result.err
    assert "to delete" not in result.out  # no plan was printed from a partial read
