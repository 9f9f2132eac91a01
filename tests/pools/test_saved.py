"""Saved plans with pool requests: applied exactly; every pool request rebuilt from the change's
content and checked (an edited file is refused whole, before any write); stale when a member
moved since the plan; re-run once done, it sends nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.accounts import fixed, pp, tollfree
from tests.support.pools import planned_named

L1, L2, L3, L4, L5 = (f"1415555010{i}" for i in range(1, 6))
T1 = "18885550201"
MANIFEST = f"""version: 1
prune: true
powerpacks:
  a:
    numbers: ["{L2}", "{L5}"]
  b:
    numbers: [{{number: "{L1}", service: mms}}, {{number: "{L3}", service: mms}}]
  fresh:
    tollfree: ["{T1}"]
"""


def account(world: Any) -> Any:
    """a {L1, L2}, b {L3 sms, L4}, c {T1} (pruned); L5 spare: a move, an add, a service change,
    a removal, a move into a create and a delete, all in one saved plan."""
    env = world(
        [pp("a", numbers=[L1, L2]), pp("b", numbers=[L3, L4]), pp("c", numbers=[T1])],
        numbers=[fixed(L5), tollfree(T1)],
    )
    env.write_manifest(MANIFEST)
    saved = env.invoke("plan", "--out", "plan.json")
    assert saved.code == 0, saved.err
    return env


def apply_saved(env: Any, name: str = "plan.json") -> Any:
    env.sb.clear_journal()
    return env.invoke(
        "apply", "--plan", name, "--auto-approve", "--allow-delete", "--parallelism", "1"
    )


def test_a_saved_plan_with_pool_changes_is_applied_exactly(world: Any) -> None:
    env = account(world)
    plan = json.loads((env.cwd / "plan.json").read_text())
    stated = [r for c in plan["changes"] for r in planned_named(env, c)]
    result = apply_saved(env)
    assert result.code == 0, result.err
    writes = env.writes_named()
    assert sorted(writes, key=repr) == sorted(stated, key=repr)
    steps = ["powerpack", "add", "move", "service", "remove", "delete"]
    step_of = {
        (m, w): r["step"]
        for c in plan["changes"]
        for (m, w, _), r in zip(planned_named(env, c), c["requests"], strict=True)
    }
    order = [steps.index(step_of[(m, w)]) for m, w, _ in writes]
    assert order == sorted(order)
    assert env.pools() == {
        "a": {"numbers": {L2: "sms", L5: "sms"}, "tollfree": [], "shortcodes": []},
        "b": {"numbers": {L1: "mms", L3: "mms"}, "tollfree": [], "shortcodes": []},
        "fresh": {"numbers": {}, "tollfree": [T1], "shortcodes": []},
    }
    assert env.converged()
    again = apply_saved(env)  # the same file once more: every change is already applied
    assert again.code == 0, again.err
    assert env.writes_named() == []
    assert again.err.count("already applied") >= 4


def edit(change_name: str, fn: Callable[[dict[str, Any]], None]) -> Callable[[dict], None]:
    def apply(plan: dict[str, Any]) -> None:
        fn(next(c for c in plan["changes"] if c["name"] == change_name))

    return apply


def _request(ch: dict[str, Any], method: str, tail: str) -> dict[str, Any]:
    return next(r for r in ch["requests"] if r["method"] == method and r["path"].endswith(tail))


def _set(ch: dict[str, Any], method: str, tail: str, **body: Any) -> None:
    _request(ch, method, tail)["body"].update(body)


def _repath(ch: dict[str, Any], method: str, tail: str, new_tail: str) -> None:
    r = _request(ch, method, tail)
    r["path"] = r["path"].replace(tail, new_tail)


def _drop(ch: dict[str, Any], method: str, tail: str) -> None:
    ch["requests"].remove(_request(ch, method, tail))


def _extra_removal(ch: dict[str, Any]) -> None:
    pool = ch["pool_uuid"]
    ch["requests"].append(
        {
            "method": "DELETE",
            "body": {"unrent": False},
            "step": "remove",
            "path": f"/v1/Account/{{auth_id}}/NumberPool/{pool}/Number/{L4}/",
        }
    )


def _after_without(ch: dict[str, Any], number: str) -> None:
    numbers = next(f for f in ch["fields"] if f["field"] == "numbers")
    numbers["after"] = [m for m in numbers["after"] if m["number"] != number]


def _step(ch: dict[str, Any], method: str, tail: str, step: str) -> None:
    _request(ch, method, tail)["step"] = step


TAMPERS = {
    "a removal that unrents": edit("b", lambda c: _set(c, "DELETE", f"/{L4}/", unrent=True)),
    "a move's removal that unrents": edit("b", lambda c: _set(c, "DELETE", f"/{L1}/", unrent=True)),
    "an add that rents": edit("a", lambda c: _set(c, "POST", f"/{L5}/", rent=True)),
    "an add of another number": edit("a", lambda c: _repath(c, "POST", f"/{L5}/", "/14155550199/")),
    "a service that isn't the field's": edit(
        "b", lambda c: _set(c, "POST", f"/{L3}/", service="sms")
    ),
    "a removal its fields don't show": edit("a", _extra_removal),
    "a move without its removal": edit("b", lambda c: _drop(c, "DELETE", f"/{L1}/")),
    "an add its fields don't show": edit("a", lambda c: _after_without(c, L5)),
    "a removal run as a move": edit("b", lambda c: _step(c, "DELETE", f"/{L4}/", "move")),
    "a delete that gives numbers up": edit(
        "c", lambda c: c["requests"][0]["body"].update(unrent_numbers=True)
    ),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_an_edited_pool_request_is_refused_whole_before_any_write(world: Any, tamper: str) -> None:
    env = account(world)
    plan = json.loads((env.cwd / "plan.json").read_text())
    TAMPERS[tamper](plan)
    (env.cwd / "edited.json").write_text(json.dumps(plan))
    result = apply_saved(env, "edited.json")
    assert result.code == 1, result.err
    assert result.err.startswith("Error: plan edited.json: "), result.err  # the file, refused
    assert "Traceback" not in result.err
    assert env.writes_named() == []


def test_a_move_whose_source_is_edited_alike_is_stale(world: Any) -> None:
    """A file edited consistently (the move's source pool and its removal's path) passes the
    rebuild, but the number isn't where that move says: stale, nothing written."""
    env = account(world)
    plan = json.loads((env.cwd / "plan.json").read_text())
    b = next(c for c in plan["changes"] if c["name"] == "b")
    real, other = env.pool_uuid("a"), env.pool_uuid("c")
    for m in b["moves"]:
        m["source_pool"] = other
    for r in b["requests"]:
        r["path"] = r["path"].replace(real, other)
    (env.cwd / "edited.json").write_text(json.dumps(plan))
    result = apply_saved(env, "edited.json")
    assert result.code == 1
    assert f"numbers: {L1} is now in another pool ({real})" in result.err, result.err
    assert env.writes_named() == []


def test_a_member_moved_since_the_plan_makes_it_stale(world: Any) -> None:
    """After the plan, L1 is moved to c by another run: the saved move (a -> b) is stale."""
    env = account(world)
    other = env.cwd / "other.yaml"
    other.write_text(f'version: 1\npowerpacks:\n  c:\n    numbers: ["{L1}"]\n')
    assert env.invoke("apply", "-f", "other.yaml", "--auto-approve").code == 0
    result = apply_saved(env)
    assert result.code == 1
    assert "the saved plan is stale" in result.err
    assert f"update b: changed since the plan: numbers: {L1} is now in another pool" in result.err
    assert env.writes_named() == []


def test_a_member_added_since_the_plan_makes_it_stale(world: Any) -> None:
    env = account(world)
    other = env.cwd / "other.yaml"
    other.write_text(f'version: 1\npowerpacks:\n  a:\n    numbers: ["{L1}", "{L2}", "{L4}"]\n')
    assert env.invoke("apply", "-f", "other.yaml", "--auto-approve").code == 0
    result = apply_saved(env)
    assert result.code == 1
    expected = f"update a: changed since the plan: numbers: {L4} is in the pool, which the plan"
    assert expected in result.err, result.err
    assert env.writes_named() == []
