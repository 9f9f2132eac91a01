"""What a plan reads of the pools: nothing when no Powerpack manages members, else exactly the
calls the formula below counts, in pages of 20 checked like the Powerpack list.

The calls of `plan` (the sandbox lists omit the matrix, so each managed matrix is one GET):

    pages(n)  = max(1, ceil(n / 20))
    calls     = pages(live Powerpacks)                                  the Powerpack list
              + Powerpacks whose number_priority the manifest manages   one GET each
              + sum of pages(numbers + toll-free) over pools managing numbers or tollfree
              + sum of pages(short codes) over pools managing shortcodes
              + declared numbers and toll-free numbers in no pool read  the account lookup each
              + if one of those is rented: sum of pages(numbers + toll-free) over the pools
                whose Number/ list was not read yet                     (its pool must be known)
              + 1 if the plan creates, renames or deletes                the list read again
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import pytest

from tests.support.accounts import code, fixed, pp, tollfree
from tests.support.cli import cli_env, invoke
from tests.support.servers import Hostile, json_answer

HEAD = "version: 1\npowerpacks:\n"


def pages(n: int) -> int:
    return max(1, math.ceil(n / 20))


def long_codes(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(count)]


def pool_calls(journal: list[dict[str, Any]]) -> list[str]:
    """Every call that touches a pool or the account's numbers."""
    return [e["path"] for e in journal if "/NumberPool/" in e["path"] or "/Number/" in e["path"]]


NO_MEMBERS = """version: 1
prune: true
defaults:
  sticky_sender: false
powerpacks:
  a:
    local_connect: false
    number_priority:
      US: {SMS: [longcode, tollfree, shortcode]}
    application: {type: xml, name: Marketing replies}
  b: {}
  fresh: {local_connect: false}
"""


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_no_pool_call_at_all_when_no_powerpack_manages_members(world: Any, command: str) -> None:
    """Pools full of members, a plan with updates, a create and a delete: not one pool call,
    and every call is one the Powerpack part of the plan needs."""
    env = world(
        [
            pp("a", numbers=long_codes("1312555", 25), shortcodes=[code("444111")]),
            pp("b", numbers=["18885550201"]),
            pp("c", numbers=["14155550101"]),
        ]
    )
    env.write_manifest(NO_MEMBERS)
    env.sb.clear_journal()
    args = ("apply", "--auto-approve", "--allow-delete") if command == "apply" else ("plan",)
    result = env.invoke(*args)
    assert result.code == 0, result.err
    journal = env.sb.journal()
    assert pool_calls(journal) == []
    reads = Counter(env.short(e["path"]) for e in journal if e["method"] == "GET")
    assert reads == Counter({"Powerpack": 2, "pp:a": 1, "Application": 1})
    if command == "apply":
        writes = [(m, where) for m, where, _ in env.writes_named()]
        assert sorted(writes) == sorted(
            [("POST", "pp:a"), ("POST", "pp:b"), ("POST", "create"), ("DELETE", "pp:c")]
        )
        assert env.pools()["a"]["shortcodes"] == ["444111"]
        assert len(env.pools()["a"]["numbers"]) == 25


def test_the_calls_of_a_plan_are_exactly_the_formula(world: Any) -> None:
    """23 live Powerpacks (2 list pages); a manages numbers (45 members: 3 pages) and declares two
    spare rented numbers; b manages short codes (3); c manages every kind of an empty pool; d
    manages its matrix; the 19 others hold what they hold, one of them 21 numbers (2 pages)."""
    big = long_codes("1312555", 45)
    wide = long_codes("1646555", 21)
    live = [
        pp("a", numbers=big),
        pp("b", shortcodes=[code("444111"), code("555111", "CA")]),
        pp("c"),
        pp("d"),
        pp("e", numbers=wide),
        *(pp(f"z{i:02d}", numbers=[f"1718555{i:04d}"]) for i in range(18)),
    ]
    env = world(live, numbers=[fixed("14155550104"), tollfree("18885550209")])
    declared = ", ".join(f'"{n}"' for n in [*big, "14155550104"])
    env.write_manifest(
        HEAD + f'  a:\n    numbers: [{declared}]\n    tollfree: ["18885550209"]\n'
        '  b:\n    shortcodes: ["444111", "555111"]\n'
        "  c:\n    numbers: []\n    tollfree: []\n    shortcodes: []\n"
        "  d:\n    number_priority:\n      CA: {MMS: [longcode, tollfree, shortcode]}\n"
    )
    env.sb.clear_journal()
    result = env.invoke("plan")
    assert result.code == 0, result.err
    expected = (
        pages(23)  # the Powerpack list
        + 1  # d's matrix
        + pages(45)
        + pages(2)
        + pages(0)
        + pages(0)  # a's Number/, b's Shortcode/, c's two
        + 2  # the lookups of 14155550104 and 18885550209, in no pool read
        + pages(21)
        + 19 * pages(1)
        + pages(0)  # rented: the Number/ lists of e, z*, b and d
    )
    journal = env.sb.journal()
    assert len(journal) == expected == 33
    assert all(e["method"] == "GET" for e in journal)
    assert all(e["query"].get("limit") == "20" for e in journal if e["path"].endswith("/Number/"))
    calls = Counter(env.short(e["path"]) for e in journal)
    assert calls["a/Number"] == 3 and calls["e/Number"] == 2 and calls["b/Shortcode"] == 1
    assert calls["c/Number"] == calls["c/Shortcode"] == 1 and calls["b/Number"] == 1
    assert "a/Shortcode" not in calls  # a doesn't manage short codes
    _, plan = env.plan_json()
    assert [c["name"] for c in plan["changes"]] == ["a", "d"]
    counts = Counter(r["step"] for c in plan["changes"] for r in c["requests"])
    assert counts == {"add": 2, "powerpack": 1}  # one request per add


def test_no_other_pool_is_read_when_every_missing_number_is_unrented(world: Any) -> None:
    env = world([pp("a", numbers=["14155550101"]), pp("b"), pp("c")])
    env.write_manifest(HEAD + '  a:\n    numbers: ["14155550101", "14155550199"]\n')
    env.sb.clear_journal()
    result = env.invoke("plan")
    assert result.code == 1
    assert "14155550199 is not rented by this account" in result.err
    assert env.reads_named() == ["Powerpack", "a/Number", "Number/14155550199"]


def test_numbers_already_in_a_pool_read_are_not_looked_up(world: Any) -> None:
    """b's pool is read (managed): the number a declares is found there, a move, no lookup."""
    env = world([pp("a"), pp("b", numbers=["14155550101"]), pp("c")])
    env.write_manifest(HEAD + '  a:\n    numbers: ["14155550101"]\n  b:\n    numbers: []\n')
    env.sb.clear_journal()
    assert env.invoke("plan").code == 0
    assert sorted(env.reads_named()) == ["Powerpack", "a/Number", "b/Number"]


# --- pool lists are checked like the Powerpack list -----------------------------------------------


def member(number: str) -> dict[str, Any]:
    return {"number": number, "type": "fixed", "service": "sms", "country_iso2": "US"}


def bent_pool(kind: str) -> Any:
    """A server whose pool-0000 Number/ list is inconsistent in the way `kind` says."""
    numbers = [f"1312555{i:04d}" for i in range(25)]

    def behave(h: Hostile, method: str, path: str, query: dict[str, str]) -> Any:
        if method != "GET" or not path.endswith("/NumberPool/pool-0000/Number/"):
            if method == "GET" and "/NumberPool/" in path:
                return json_answer({"meta": {"total_count": 0}, "objects": []})
            return None
        offset = int(query.get("offset", 0))
        total = {"moved": 25 if offset == 0 else 26, "short": 25, "repeat": 25}[kind]
        chosen = numbers[offset : offset + 20]
        if kind == "short" and offset:
            chosen = chosen[:3]  # 2 objects missing from the last page
        if kind == "repeat" and offset:
            chosen = numbers[:5]  # the first page again, shifted
        return json_answer(
            {
                "meta": {"total_count": total, "limit": 20, "offset": offset},
                "objects": [member(n) for n in chosen],
            }
        )

    return behave


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("moved", "total_count changed from 25 to 26 while paging"),
        ("short", "the page at offset 20 has 3 objects, expected 5"),
        ("repeat", "pages repeated objects"),
    ],
)
def test_an_inconsistent_pool_list_stops_the_plan(
    hostile: Any, tmp_path: Any, kind: str, why: str
) -> None:
    server = hostile(3, bent_pool(kind))
    (tmp_path / "powerpacks.yaml").write_text(HEAD + "  m-00:\n    numbers: []\n")
    result = invoke(tmp_path, cli_env(server.url), "apply", "--auto-approve")
    assert result.code == 1
    assert "NumberPool/pool-0000/Number/: incomplete read: " + why in result.err, result.err
    assert server.writes() == []
    assert result.out == ""


def test_a_complete_pool_list_of_two_pages_plans_every_removal(hostile: Any, tmp_path: Any) -> None:
    """The same server, consistent: 25 members read in two pages, 25 removals planned."""
    numbers = [f"1312555{i:04d}" for i in range(25)]

    def behave(h: Hostile, method: str, path: str, query: dict[str, str]) -> Any:
        if method == "GET" and path.endswith("/NumberPool/pool-0000/Number/"):
            offset = int(query.get("offset", 0))
            chosen = numbers[offset : offset + 20]
            return json_answer(
                {"meta": {"total_count": 25}, "objects": [member(n) for n in chosen]}
            )
        return None

    server = hostile(3, behave)
    (tmp_path / "powerpacks.yaml").write_text(HEAD + "  m-00:\n    numbers: []\n")
    result = invoke(tmp_path, cli_env(server.url), "plan", "--format", "json")
    assert result.code == 0, result.err
    (only,) = json.loads(result.out)["changes"]
    assert len(only["requests"]) == 25
    assert only["fields"][0]["before"] == [{"number": n, "service": "sms"} for n in numbers]
