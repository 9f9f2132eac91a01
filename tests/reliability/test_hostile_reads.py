"""Partial reads and hostile API answers: a clear error (exit 1), no write, never a hang.

The manifest prunes and apply is given --allow-delete, so a read mistaken for complete would show
up as deletes. The hostile server serves 45 Powerpacks (three pages) and bends one kind of answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.accounts import TOKEN, api_matrix
from tests.support.cli import cli_env, invoke
from tests.support.servers import Hostile, json_answer

MANIFEST = "version: 1\nprune: true\npowerpacks:\n" + "".join(
    f"  m-{i:02d}: {{sticky_sender: false}}\n" for i in range(5)
)
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


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
    "redirect-elsewhere": (
        every_list(lambda *_: (302, {"Location": "http://127.0.0.1:9/steal"}, b"")),
        "(302)",
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


PARTIAL = list(CASES)[:4]  # the partial reads also run through apply; the rest through plan
RUNS = [("plan", c) for c in CASES] + [("apply", c) for c in PARTIAL]
RUNS += [pytest.param("apply", c, marks=pytest.mark.slow) for c in list(CASES)[4:]]


@pytest.mark.parametrize(("command", "case"), RUNS)
def test_a_hostile_read_is_a_clear_error_and_no_write(hostile, tmp_path, case, command) -> None:
    behave, expected = CASES[case]
    server = hostile(45, behave)

    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    args = ["apply", "--auto-approve", "--allow-delete"] if command == "apply" else ["plan"]
    result = invoke(tmp_path, cli_env(server.url), *args, timeout=60)  # a hang fails here
    assert result.code == 1, (result.out, result.err)
    assert server.writes() == []
    assert "Traceback" not in result.err
    last = result.err.rstrip("\n").rsplit("\n", 1)[-1]  # located problems come first, if any
    assert last.startswith("Error: ") and result.err.count("\n") <= 3, result.err
    assert expected in result.err, result.err
    assert TOKEN not in result.out + result.err
    assert "to delete" not in result.out  # no plan was printed from a partial read


# --- single reads (the matrix of a managed Powerpack) and the Application list -------------------

MANAGED = (
    "version: 1\nprune: true\npowerpacks:\n"
    "  m-00: {number_priority: {US: {SMS: [longcode, tollfree, shortcode]}}}\n"
    '  m-01: {application: {type: xml, name: "Replies"}}\n'
)


def single_get(change: Any) -> Any:
    """Bend the GET of one Powerpack: change(object) -> answer object (or raw Answer)."""

    def behave(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and len(parts) > 4 and parts[-2] == "Powerpack":
            obj = next(o for o in h.objects if o["uuid"] == parts[-1])
            out = change({**obj, "number_priority": api_matrix()})
            return out if isinstance(out, tuple) else json_answer({"api_id": "x", **out})
        return None

    return behave


def apps(answer: Any) -> Any:
    def behave(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        return answer if method == "GET" and path.rstrip("/").endswith("/Application") else None

    return behave


def with_apps(objects: Any, total: Any = 1) -> Any:
    return apps(json_answer({"meta": {"total_count": total}, "objects": objects}))


APP = {"app_id": "1001", "app_name": "Replies"}
BAD_CELL = {
    "country_iso": "US",
    "service_type": "SMS",
    "priority": {"priority1": "pigeon", "priority2": "x", "priority3": "y"},
}
SINGLE_CASES: dict[str, tuple[Any, str]] = {
    "matrix-not-a-list": (single_get(lambda o: {**o, "number_priority": "US"}), "number_priority"),
    "matrix-entry-junk": (single_get(lambda o: {**o, "number_priority": [1]}), "number_priority"),
    "matrix-bad-sender": (
        single_get(lambda o: {**o, "number_priority": [BAD_CELL]}),
        "number_priority",
    ),
    "matrix-another-powerpack": (single_get(lambda o: {**o, "uuid": "other"}), "other"),
    "single-html": (single_get(lambda o: (200, {"Content-Type": "text/html"}, HTML)), "non-JSON"),
    "single-404": (single_get(lambda o: json_answer({"error": "not found"}, 404)), "404"),
    "apps-html": (apps((200, {"Content-Type": "text/html"}, HTML)), "non-JSON"),
    "apps-missing-id": (with_apps([{"app_name": "Replies"}]), "app_id"),
    "apps-id-not-string": (with_apps([{"app_id": [1], "app_name": "Replies"}]), "app_id"),
    "apps-count-lies": (with_apps([APP], total=3), "incomplete read"),
    "apps-two-named-alike": (
        with_apps([APP, {**APP, "app_id": "1002"}], total=2),
        "Replies",
    ),
}


@pytest.mark.parametrize("case", list(SINGLE_CASES))
def test_a_hostile_single_read_is_a_clear_error_and_no_write(hostile, tmp_path, case) -> None:
    behave, expected = SINGLE_CASES[case]
    server = hostile(45, behave)
    server.objects = [without("number_priority")(o) for o in server.objects]  # as real lists
    if not case.startswith("apps"):
        server.behave = lambda h, m, p, q: behave(h, m, p, q) or with_apps([APP])(h, m, p, q)
    (tmp_path / "powerpacks.yaml").write_text(MANAGED)
    args = ["apply", "--auto-approve", "--allow-delete"]
    result = invoke(tmp_path, cli_env(server.url), *args, timeout=60)
    assert result.code == 1, (result.out, result.err)
    assert server.writes() == []
    assert "Traceback" not in result.err
    last = result.err.rstrip("\n").rsplit("\n", 1)[-1]  # located problems come first, if any
    assert last.startswith("Error: ") and result.err.count("\n") <= 3, result.err
    assert expected in result.err, result.err
