"""Apply verifies every pool change by what the API answers: an add's answer must show the number,
its pool and its service; a removal answered 404 counts only once a read shows the member gone;
an add answered 400 counts only once a read shows the member there. Against a loopback server
that answers as each case says (the sandbox can't answer wrong)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.accounts import AUTH_ID
from tests.support.cli import cli_env, invoke
from tests.support.servers import Hostile, json_answer

L1, L2 = "14155550101", "14155550102"
POOL = "pool-0000"


def member(number: str, service: str = "sms", pool: str = POOL) -> dict[str, Any]:
    return {
        "number": number,
        "type": "fixed",
        "service": service,
        "country_iso2": "US",
        "number_pool_uuid": pool,
    }


def page(objects: list[dict[str, Any]]) -> Any:
    return json_answer({"meta": {"total_count": len(objects)}, "objects": objects})


def server(hostile: Any, answers: dict[tuple[str, str], Any]) -> Hostile:
    """m-00's pool holds L1; L2 is rented and in no pool; `answers` bend (method, member) calls."""
    state = {"held": [L1]}

    def behave(h: Hostile, method: str, path: str, query: dict[str, str]) -> Any:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts[-1] == "Number" and "NumberPool" in parts:
            pool = parts[-2]
            return page([member(n) for n in state["held"]] if pool == POOL else [])
        if method == "GET" and parts[-2] == "Number" and "NumberPool" not in parts:  # lookup
            return json_answer({"number": parts[-1], "number_type": "local", "country_iso2": "US"})
        if "NumberPool" in parts and parts[-2] == "Number":
            bent = answers.get((method, parts[-1]))
            if bent is not None:
                return bent(state) if callable(bent) else bent
        return None

    return hostile(3, behave)


def apply(tmp_path: Any, srv: Hostile, text: str) -> Any:
    (tmp_path / "powerpacks.yaml").write_text("version: 1\npowerpacks:\n  m-00:\n" + text)
    return invoke(tmp_path, cli_env(srv.url), "apply", "--auto-approve")


def test_an_add_answered_with_another_service_is_a_verification_failure(
    hostile: Any, tmp_path: Any
) -> None:
    srv = server(hostile, {("POST", L2): json_answer(member(L2, "sms"))})
    result = apply(tmp_path, srv, f'    numbers: ["{L1}", {{number: "{L2}", service: mms}}]\n')
    assert result.code == 1
    assert f'apply: verification: update m-00: add {L2}: the answer shows service "sms"' in (
        result.err
    )
    assert srv.writes() == [("POST", f"/v1/Account/{AUTH_ID}/NumberPool/{POOL}/Number/{L2}/")]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (member(L1), f'the answer shows number "{L1}"'),
        (member(L2, pool="pool-0001"), 'the answer shows pool "pool-0001", not pool-0000'),
    ],
    ids=["another-number", "another-pool"],
)
def test_an_add_answered_with_another_member_is_a_verification_failure(
    hostile: Any, tmp_path: Any, answer: dict[str, Any], said: str
) -> None:
    srv = server(hostile, {("POST", L2): json_answer(answer)})
    result = apply(tmp_path, srv, f'    numbers: ["{L1}", "{L2}"]\n')
    assert result.code == 1
    assert f"apply: verification: update m-00: add {L2}: {said}" in result.err, result.err


def test_a_removal_answered_404_while_the_member_is_still_there_fails(
    hostile: Any, tmp_path: Any
) -> None:
    srv = server(
        hostile,
        {
            ("DELETE", L1): json_answer({"error": "not found"}, 404),
            ("GET", L1): json_answer(member(L1)),
        },
    )
    result = apply(tmp_path, srv, "    numbers: []\n")
    assert result.code == 1
    assert f"answered 404, but {L1} in pool {POOL} is still there" in result.err, result.err


def test_a_removal_answered_404_of_a_member_gone_is_done(hostile: Any, tmp_path: Any) -> None:
    srv = server(hostile, {("DELETE", L1): json_answer({"error": "not found"}, 404)})
    result = apply(tmp_path, srv, "    numbers: []\n")
    assert result.code == 0, result.err  # the GET of the member answers 404 (the default)
    methods = [m for m, p in srv.requests if p.split("?")[0].endswith(f"/{L1}/")]
    assert methods == ["DELETE", "GET"]


def test_an_add_answered_400_counts_once_a_read_shows_the_member(
    hostile: Any, tmp_path: Any
) -> None:
    """Another run added it first: the add's goal holds, checked like an answer."""
    srv = server(
        hostile,
        {
            ("POST", L2): json_answer({"error": "already in this number pool"}, 400),
            ("GET", L2): json_answer(member(L2, "mms")),
        },
    )
    result = apply(tmp_path, srv, f'    numbers: ["{L1}", {{number: "{L2}", service: mms}}]\n')
    assert result.code == 0, result.err
    assert json.dumps(srv.writes()).count("POST") == 1  # never sent twice


def test_an_add_answered_400_with_no_member_behind_it_fails(hostile: Any, tmp_path: Any) -> None:
    srv = server(hostile, {("POST", L2): json_answer({"error": "number is suspended"}, 400)})
    result = apply(tmp_path, srv, f'    numbers: ["{L1}", "{L2}"]\n')
    assert result.code == 1
    assert "number is suspended" in result.err
    assert json.dumps(srv.writes()).count("POST") == 1
