"""Hostile answers to writes: the write is reported failed or unverified (exit 1), named, and never
sent again blindly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.accounts import powerpack_obj
from tests.support.cli import cli_env, invoke
from tests.support.servers import Hostile, json_answer

HTML = (200, {"Content-Type": "text/html"}, b"<html><body>OK!</body></html>")
UPDATE = "version: 1\npowerpacks:\n  m-00: {sticky_sender: false}\n"
CREATE = "version: 1\npowerpacks:\n  new-a: {local_connect: false}\n"
DELETE = "version: 1\nprune: true\npowerpacks:\n" + "".join(f"  m-{i:02d}: {{}}\n" for i in (0, 1))


def on_writes(answer: Any) -> Any:
    def behave(h: Hostile, method: str, path: str, q: dict[str, str]) -> Any:
        return (answer(h) if callable(answer) else answer) if method != "GET" else None

    return behave


CASES: dict[str, tuple[str, Any, str]] = {
    "update-answers-html": (UPDATE, on_writes(HTML), "non-JSON"),
    "update-answers-another": (
        UPDATE,
        on_writes(json_answer({"api_id": "x", **powerpack_obj(7)})),
        "after the write",
    ),
    "update-answers-400-html": (
        UPDATE,
        on_writes((400, {"Content-Type": "text/html"}, b"<h1>Bad</h1>")),
        "(400)",
    ),
    "create-answers-html": (CREATE, on_writes(HTML), "non-JSON"),
    "create-answers-no-object": (
        CREATE,
        on_writes(json_answer({"api_id": "x", "message": "created"})),
        "not in the list",
    ),
    "create-answers-wrong-name": (
        CREATE,
        on_writes(json_answer({"api_id": "x", **powerpack_obj(99, name="other")})),
        "after the write",
    ),
    "delete-answers-html": (DELETE, on_writes(HTML), "non-JSON"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_write_answer_is_a_clear_failure_sent_once(hostile, tmp_path, case) -> None:
    manifest, behave, expected = CASES[case]
    server = hostile(3, behave)
    (tmp_path / "powerpacks.yaml").write_text(manifest)
    args = ["apply", "--auto-approve", "--allow-delete", "--parallelism", "1"]
    result = invoke(tmp_path, cli_env(server.url), *args, timeout=60)
    assert result.code == 1, (result.out, result.err)
    assert "Traceback" not in result.err
    assert expected in result.err, result.err
    assert "Apply incomplete" in result.err
    assert len(server.writes()) == 1, server.writes()  # one write, never re-sent
