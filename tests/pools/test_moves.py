"""Moves, end to end: a number declared in one Powerpack and held live by another's pool.

The destination's change holds both requests (the removal from the source pool, then the add);
the source's change, when it has one, shows the number moved out with no request of its own; the
source is named whether it manages that kind, is absent from the file, or is being pruned. Every
test runs the CLI against the sandbox and checks the exit code, the text and JSON plan, the exact
writes (in order: `--parallelism 1` makes a run's order the plan's), the final pools, and that
no number left the account.
"""

from __future__ import annotations

from typing import Any

from tests.support.accounts import code, fixed, pp, sms, tollfree
from tests.support.pools import change, field_of, planned_named

L1, L2, L3, L4, L5 = (f"1415555010{i}" for i in range(1, 6))
T1, T2 = "18885550201", "18885550202"
HEAD = "version: 1\npowerpacks:\n"
ONE = ("--parallelism", "1")


def move_writes(number: str, source: str, dest: str, service: str = "sms") -> list[tuple]:
    """The two writes of a long code's move, in order."""
    return [
        ("DELETE", f"{source}/Number/{number}", {"unrent": False}),
        ("POST", f"{dest}/Number/{number}", {"rent": False, "service": service}),
    ]


def applied(env: Any, *args: str) -> list[tuple]:
    """Apply with the journal cleared first: (exit 0 asserted) the writes it made."""
    env.sb.clear_journal()
    result = env.apply(*ONE, *args)
    assert result.code == 0, result.err
    assert "Apply complete" in result.err
    return env.writes_named()


def test_move_from_a_managed_source(world: Any) -> None:
    env = world([pp("a", numbers=[L1, L2]), pp("b", numbers=[L3])])
    rented = env.rented()
    env.write_manifest(
        HEAD + f'  a:\n    sticky_sender: false\n    numbers: ["{L2}"]\n'
        f'  b:\n    numbers: ["{L3}", "{L1}"]\n'
    )
    result, plan = env.plan_json("--detailed-exitcode")
    assert result.code == 2, result.err
    b = change(plan, "b")
    assert field_of(b, "numbers") == {
        "field": "numbers",
        "before": [sms(L3)],
        "after": [sms(L1), sms(L3)],
    }
    assert planned_named(env, b) == move_writes(L1, "a", "b")
    assert [r["step"] for r in b["requests"]] == ["move", "move"]
    assert [(m["number"], m["source"], m["destination"]) for m in b["moves"]] == [(L1, "a", "b")]
    a = change(plan, "a")  # the source has a change of its own: it shows the move out
    assert field_of(a, "numbers") is None  # a's pool, but for the move, is as declared
    assert [(m["number"], m["destination"]) for m in a["moves"]] == [(L1, "b")]
    assert planned_named(env, a) == [("POST", "pp:a", {"sticky_sender": False})]  # none of L1
    text = env.invoke("plan").out
    assert f"+ {L1} (sms, moved from a)" in text
    assert f"- {L1} (moved to b)" in text
    assert "stays rented" not in text  # a move is no removal

    assert applied(env) == [("POST", "pp:a", {"sticky_sender": False}), *move_writes(L1, "a", "b")]
    assert env.pools()["a"]["numbers"] == {L2: "sms"}
    assert env.pools()["b"]["numbers"] == {L3: "sms", L1: "sms"}
    assert env.rented() == rented
    assert env.converged()


def test_a_source_without_a_change_of_its_own_gets_none(world: Any) -> None:
    """The move out shows on the destination only: the source's pool is otherwise as declared."""
    env = world([pp("a", numbers=[L1, L2]), pp("b")])
    env.write_manifest(HEAD + f'  a:\n    numbers: ["{L2}"]\n  b:\n    numbers: ["{L1}"]\n')
    _, plan = env.plan_json()
    assert [c["name"] for c in plan["changes"]] == ["b"]
    assert plan["summary"]["update"] == 1 and plan["summary"]["unchanged"] == 1
    assert applied(env) == move_writes(L1, "a", "b")


def test_move_from_a_source_that_manages_only_tollfree(world: Any) -> None:
    """a manages only toll-free: its pool's Number/ list (long codes and toll-free alike) is read
    once, so L1 is found there with no lookup; L1 moves, a's other members stay."""
    env = world([pp("a", numbers=[L1, L2, T1]), pp("b")])
    env.write_manifest(HEAD + f'  a:\n    tollfree: ["{T1}"]\n  b:\n    numbers: ["{L1}"]\n')
    env.sb.clear_journal()
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert sorted(env.reads_named()) == ["Powerpack", "a/Number", "b/Number"]
    assert [c["name"] for c in plan["changes"]] == ["b"]
    b = change(plan, "b")
    assert b["moves"][0]["source"] == "a"
    assert planned_named(env, b) == move_writes(L1, "a", "b")
    assert f"+ {L1} (sms, moved from a)" in env.invoke("plan").out
    assert applied(env) == move_writes(L1, "a", "b")
    assert env.pools()["a"] == {"numbers": {L2: "sms"}, "tollfree": [T1], "shortcodes": []}
    assert env.converged()


def test_move_from_a_source_that_manages_no_number_kind(world: Any) -> None:
    """a manages only its short codes: L1 is in no pool read, so the account lookup finds it
    rented and the Number/ lists of the pools not read yet (a's) are read before it is planned."""
    env = world([pp("a", numbers=[L1, L2], shortcodes=[code("444111")]), pp("b")])
    env.write_manifest(HEAD + f'  a:\n    shortcodes: ["444111"]\n  b:\n    numbers: ["{L1}"]\n')
    env.sb.clear_journal()
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    reads = env.reads_named()
    assert reads[0] == "Powerpack"
    assert sorted(reads[1:3]) == ["a/Shortcode", "b/Number"]
    assert reads[3:] == [f"Number/{L1}", "a/Number"]
    assert planned_named(env, change(plan, "b")) == move_writes(L1, "a", "b")
    assert f"+ {L1} (sms, moved from a)" in env.invoke("plan").out
    assert applied(env) == move_writes(L1, "a", "b")
    assert env.pools()["a"] == {"numbers": {L2: "sms"}, "tollfree": [], "shortcodes": ["444111"]}
    assert env.converged()


def test_move_from_a_source_absent_from_the_file(world: Any) -> None:
    """c is not in the manifest (no prune): it is named as the source, and only L1 leaves it."""
    env = world([pp("b"), pp("c", numbers=[L1, L2], shortcodes=[code("444111")])])
    env.write_manifest(HEAD + f'  b:\n    numbers: ["{L1}"]\n')
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert plan["summary"]["not_managed"] == 1
    b = change(plan, "b")
    assert [(m["source"], m["source_pool"]) for m in b["moves"]] == [("c", env.pool_uuid("c"))]
    assert f"+ {L1} (sms, moved from c)" in env.invoke("plan").out
    assert applied(env) == move_writes(L1, "c", "b")
    assert env.pools()["c"] == {"numbers": {L2: "sms"}, "tollfree": [], "shortcodes": ["444111"]}
    assert env.converged()


def test_move_from_a_source_being_pruned(world: Any) -> None:
    """The move (step 3) runs before the delete (step 6); the delete keeps the numbers rented,
    and the deleted Powerpack's block names the number moving out."""
    env = world([pp("b"), pp("c", numbers=[L1, L2])])
    rented = env.rented()
    env.write_manifest(f'version: 1\nprune: true\npowerpacks:\n  b:\n    numbers: ["{L1}"]\n')
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [("update", "b"), ("delete", "c")]
    assert change(plan, "b")["moves"][0]["source"] == "c"
    c = change(plan, "c")
    assert planned_named(env, c) == [("DELETE", "pp:c", {"unrent_numbers": False})]
    assert [(m["number"], m["destination"]) for m in c["moves"]] == [(L1, "b")]
    text = env.invoke("plan").out
    assert f"+ {L1} (sms, moved from c)" in text
    assert f"- {L1} (moved to b)" in text

    refused = env.apply()
    assert refused.code == 1 and "--allow-delete" in refused.err
    assert applied(env, "--allow-delete") == [
        *move_writes(L1, "c", "b"),
        ("DELETE", "pp:c", {"unrent_numbers": False}),
    ]
    assert set(env.pools()) == {"b"}
    assert env.pools()["b"]["numbers"] == {L1: "sms"}
    assert env.rented() == rented  # L2 left with its pool, and is still the account's
    assert env.in_no_pool() == {L2}
    assert env.converged()


def test_move_into_a_powerpack_being_created(world: Any) -> None:
    """The create answers the new pool's uuid; the move's add goes to it."""
    env = world([pp("a", numbers=[L1, T1])], numbers=[fixed(L2)])
    env.write_manifest(HEAD + f'  fresh:\n    numbers: ["{L1}", "{L2}"]\n    tollfree: ["{T1}"]\n')
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    fresh = change(plan, "fresh")
    assert fresh["action"] == "create"
    new = "/v1/Account/{auth_id}/NumberPool/{pool_uuid}/"
    old = "/v1/Account/{auth_id}/NumberPool/" + env.pool_uuid("a") + "/"
    stated = [
        (r["method"], r["path"].replace(new, "NEW/").replace(old, "A/"), r["step"])
        for r in fresh["requests"]
    ]
    assert stated == [
        ("POST", "/v1/Account/{auth_id}/Powerpack/", "powerpack"),
        ("DELETE", f"A/Number/{L1}/", "move"),
        ("POST", f"NEW/Number/{L1}/", "move"),
        ("POST", f"NEW/Number/{L2}/", "add"),
        ("DELETE", f"A/Tollfree/{T1}/", "move"),
        ("POST", f"NEW/Tollfree/{T1}/", "move"),
    ]
    assert field_of(fresh, "numbers") == {
        "field": "numbers",
        "before": [],
        "after": [sms(L1), sms(L2)],
    }
    assert field_of(fresh, "tollfree") == {"field": "tollfree", "before": [], "after": [T1]}
    text = env.invoke("plan").out
    assert f"+ {L1} (sms, moved from a)" in text and f"+ {T1} (moved from a)" in text

    writes = applied(env)
    assert writes == [
        ("POST", "create", {"name": "fresh"}),
        ("POST", f"fresh/Number/{L2}", {"rent": False, "service": "sms"}),
        *move_writes(L1, "a", "fresh"),
        ("DELETE", f"a/Tollfree/{T1}", {"unrent": False}),
        ("POST", f"fresh/Tollfree/{T1}", {}),
    ]
    assert env.pools()["fresh"] == {
        "numbers": {L1: "sms", L2: "sms"},
        "tollfree": [T1],
        "shortcodes": [],
    }
    assert env.pools()["a"] == {"numbers": {}, "tollfree": [], "shortcodes": []}
    assert env.converged()


def test_swap_between_two_pools(world: Any) -> None:
    """a and b trade numbers: each change moves one in and shows one out; both land."""
    env = world([pp("a", numbers=[L1, L3]), pp("b", numbers=[L2])])
    env.write_manifest(
        HEAD + f'  a:\n    numbers: ["{L2}", "{L3}"]\n'
        f'  b:\n    numbers: [{{number: "{L1}", service: mms}}]\n'
    )
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    a, b = change(plan, "a"), change(plan, "b")
    assert planned_named(env, a) == move_writes(L2, "b", "a")
    assert planned_named(env, b) == move_writes(L1, "a", "b", "mms")
    assert sorted((m["number"], m["source"], m["destination"]) for m in a["moves"]) == [
        (L1, "a", "b"),
        (L2, "b", "a"),
    ]
    assert field_of(a, "numbers") == {
        "field": "numbers",
        "before": [sms(L1), sms(L3)],
        "after": [sms(L2), sms(L3)],
    }
    text = env.invoke("plan").out
    for line in (
        f"+ {L2} (sms, moved from b)",
        f"- {L1} (moved to b)",
        f"+ {L1} (mms, moved from a)",
        f"- {L2} (moved to a)",
    ):
        assert line in text, text

    assert applied(env) == [*move_writes(L2, "b", "a"), *move_writes(L1, "a", "b", "mms")]
    assert env.pools()["a"]["numbers"] == {L2: "sms", L3: "sms"}
    assert env.pools()["b"]["numbers"] == {L1: "mms"}
    assert env.converged()


def test_moves_in_parallel_each_add_after_its_removal_answered(world: Any) -> None:
    """With 8 workers and 40 ms of latency, moves run at once, yet each add reaches the sandbox
    only after its removal's answer could exist (its removal's arrival + the latency), and every
    add of a free number ran before any move, every move before any removal."""
    numbers = [f"1312555{i:04d}" for i in range(6)]
    env = world(
        [pp("a", numbers=numbers[:3]), pp("b", numbers=numbers[3:]), pp("c")],
        numbers=[fixed(L5)],
        latency_ms=40,
    )
    text = (
        HEAD + f"  a:\n    numbers: {[numbers[3], numbers[4]]}\n"
        f"  b:\n    numbers: {[numbers[0], numbers[1]]}\n"
        f'  c:\n    numbers: ["{L5}"]\n'
    )
    env.write_manifest(text.replace("'", '"'))
    env.sb.clear_journal()
    result = env.apply("--parallelism", "8", "--allow-mass-change")
    assert result.code == 0, result.err
    writes = [e for e in env.sb.journal() if e["method"] != "GET"]
    steps = []
    for e in writes:
        where = env.short(e["path"])
        moved = any(n in where for n in (numbers[0], numbers[1], numbers[3], numbers[4]))
        steps.append("add" if L5 in where else "move" if moved else "remove")
    assert steps == sorted(steps, key=["add", "move", "remove"].index), steps
    for number in (numbers[0], numbers[1], numbers[3], numbers[4]):
        mine = [e for e in writes if e["path"].rstrip("/").endswith(number)]
        assert [e["method"] for e in mine] == ["DELETE", "POST"]
        assert all(e["status"] == 200 for e in mine)
        assert mine[1]["time"] >= mine[0]["time"] + 0.040
    removals = [env.short(e["path"]) for e in writes if e["method"] == "DELETE"]
    assert sorted(removals[-2:]) == [f"a/Number/{numbers[2]}", f"b/Number/{numbers[5]}"]
    assert env.in_no_pool() == {numbers[2], numbers[5]}
    assert env.converged()


def test_tollfree_move_uses_the_tollfree_resource_both_ways(world: Any) -> None:
    env = world([pp("a", numbers=[T1, T2]), pp("b")], numbers=[tollfree(T1), tollfree(T2)])
    env.write_manifest(HEAD + f'  a:\n    tollfree: ["{T2}"]\n  b:\n    tollfree: ["{T1}"]\n')
    assert applied(env) == [
        ("DELETE", f"a/Tollfree/{T1}", {"unrent": False}),
        ("POST", f"b/Tollfree/{T1}", {}),
    ]
    assert env.pools()["b"]["tollfree"] == [T1]
    assert env.converged()


def test_move_from_a_source_being_renamed(world: Any) -> None:
    """old is renamed to new in the same run: the move names the source by the name its change
    carries, new's block shows the number moved out (not removed), and the saved plan, whose
    requests are rebuilt from its content, is accepted and applied."""
    env = world([pp("old", numbers=[L1, L2]), pp("b")], numbers=[fixed(L3)])
    env.write_manifest(
        HEAD + f'  new:\n    renamed_from: old\n    numbers: ["{L2}", "{L3}"]\n'
        f'  b:\n    numbers: ["{L1}"]\n'
    )
    saved = env.invoke("plan", "--out", "plan.json")
    assert saved.code == 0, saved.err
    assert f"- {L1} (moved to b)" in saved.out, saved.out
    assert f"+ {L1} (sms, moved from new)" in saved.out
    assert "stays rented" not in saved.out
    env.sb.clear_journal()
    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve", *ONE)
    assert result.code == 0, result.err
    assert env.writes_named() == [
        ("POST", "pp:new", {"name": "new"}),
        ("POST", f"new/Number/{L3}", {"rent": False, "service": "sms"}),
        *move_writes(L1, "new", "b"),
    ]
    assert env.pools()["new"]["numbers"] == {L2: "sms", L3: "sms"}
    assert env.pools()["b"]["numbers"] == {L1: "sms"}
    assert env.converged()
