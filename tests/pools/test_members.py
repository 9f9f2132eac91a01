"""Adds, removals, service changes, short codes and the plan errors of pool members, end to end.

Each test runs the CLI against the sandbox: exit code, text and JSON plan (`numbers`, `tollfree`,
`shortcodes` with `before`/`after` sorted by number, one request per add or removal), the final
pools and rented numbers, and the exact writes (and, where the contract says so, reads) in the
journal. The tool never rents (`rent: false`) and never unrents (`unrent: false`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.support.accounts import code, fixed, mms, pp, sms, tollfree
from tests.support.pools import change, field_of, planned_named

L1, L2, L3, L4, L5 = (f"1415555010{i}" for i in range(1, 6))
X1, X2, X3 = "14155550191", "14155550192", "14155550193"  # not rented by the account
T1, T2, TX = "18885550201", "18885550202", "18005550299"
HEAD = "version: 1\npowerpacks:\n"
ONE = ("--parallelism", "1")
NOT_RENTED = "is not rented by this account: this tool never buys numbers"


def add(pool: str, number: str, service: str = "sms") -> tuple:
    return ("POST", f"{pool}/Number/{number}", {"rent": False, "service": service})


def remove(pool: str, number: str, resource: str = "Number") -> tuple:
    return ("DELETE", f"{pool}/{resource}/{number}", {"unrent": False})


def applied(env: Any, *args: str) -> list[tuple]:
    env.sb.clear_journal()
    result = env.apply(*ONE, *args)
    assert result.code == 0, result.err
    return env.writes_named()


def problems(err: str) -> list[str]:
    """The located problem lines of stderr."""
    return [ln for ln in err.splitlines() if re.match(r"^powerpacks\.yaml:\d+:\d+: ", ln)]


# --- adds and the reads before them ---------------------------------------------------------------


def test_a_rented_number_in_no_pool_is_added_after_every_other_pool_is_read(world: Any) -> None:
    """L5 is in no pool read (a's): the account lookup says it is rented, then the Number/ lists of
    b (managed, not its numbers) and c (not in the file) are read, all before anything is planned:
    only then is L5 known to be free, and added."""
    env = world(
        [pp("a", numbers=[L1]), pp("b", numbers=[L2]), pp("c", numbers=[L3])], numbers=[fixed(L5)]
    )
    env.write_manifest(
        HEAD + f'  a:\n    numbers: ["{L1}", "{L5}"]\n  b: {{sticky_sender: true}}\n'
    )
    env.sb.clear_journal()
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    reads = env.reads_named()
    assert reads[:3] == ["Powerpack", "a/Number", f"Number/{L5}"]
    assert sorted(reads[3:]) == ["b/Number", "c/Number"]
    a = change(plan, "a")
    assert field_of(a, "numbers") == {
        "field": "numbers",
        "before": [sms(L1)],
        "after": [sms(L1), sms(L5)],
    }
    assert planned_named(env, a) == [add("a", L5)]
    assert [r["step"] for r in a["requests"]] == ["add"]
    assert a["moves"] == []
    assert f"+ {L5} (sms)\n" in env.invoke("plan").out

    env.sb.clear_journal()
    result = env.apply()
    assert result.code == 0, result.err
    journal = env.sb.journal()
    post = next(i for i, e in enumerate(journal) if e["method"] == "POST")
    assert {env.short(e["path"]) for e in journal[:post]} >= {"b/Number", "c/Number"}
    assert env.writes_named() == [add("a", L5)]
    assert env.pools()["a"]["numbers"] == {L1: "sms", L5: "sms"}
    assert env.converged()


def test_a_new_powerpacks_numbers_are_looked_up_and_added_to_its_new_pool(world: Any) -> None:
    env = world([pp("a", numbers=[L1])], numbers=[fixed(L5), tollfree(T1)])
    env.write_manifest(
        HEAD + f'  fresh:\n    numbers: [{{number: "{L5}", service: mms}}]\n'
        f'    tollfree: ["{T1}"]\n    shortcodes: []\n'
    )
    env.sb.clear_journal()
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert sorted(env.reads_named()) == sorted(
        ["Powerpack", f"Number/{L5}", f"Number/{T1}", "a/Number", "Powerpack"]
    )  # the second list read confirms a plan that creates
    fresh = change(plan, "fresh")
    assert [f["field"] for f in fresh["fields"]] == ["numbers", "tollfree"]  # [] -> []: no field
    assert applied(env) == [
        ("POST", "create", {"name": "fresh"}),
        add("fresh", L5, "mms"),
        ("POST", f"fresh/Tollfree/{T1}", {}),
    ]
    assert env.pools()["fresh"] == {"numbers": {L5: "mms"}, "tollfree": [T1], "shortcodes": []}
    assert env.converged()


# --- plan errors, located, all at once ------------------------------------------------------------

UNRENTED = f"""version: 1
powerpacks:
  a:
    numbers:
      - "{L1}"
      - "{X1}"
      - {{number: "{X2}", service: mms}}
    tollfree: ["{T1}", "{TX}"]
  b:
    numbers: ["{X3}"]
"""


def test_numbers_the_account_does_not_rent_are_plan_errors_at_their_place(world: Any) -> None:
    """Every declared number the account lookup answers 404 for is one located problem, all in
    one run; apply writes nothing. (None of them rented: no other pool needs reading.)"""
    env = world([pp("a", numbers=[L1, T1]), pp("b")])
    env.write_manifest(UNRENTED)
    for args in (("plan",), ("apply", "--auto-approve")):
        env.sb.clear_journal()
        result = env.invoke(*args)
        assert result.code == 1, result.out + result.err
        assert problems(result.err) == [
            f"powerpacks.yaml:6:9: powerpacks.a.numbers: {X1} {NOT_RENTED}",
            f"powerpacks.yaml:7:9: powerpacks.a.numbers: {X2} {NOT_RENTED}",
            f"powerpacks.yaml:8:31: powerpacks.a.tollfree: {TX} {NOT_RENTED}",
            f"powerpacks.yaml:10:15: powerpacks.b.numbers: {X3} {NOT_RENTED}",
        ], result.err
        assert "Error: plan: 4 problems against the live account" in result.err
        assert env.writes_named() == []
        lookups = sorted(r for r in env.reads_named() if r.startswith("Number/"))
        assert lookups == sorted(f"Number/{n}" for n in (X1, X2, X3, TX))
    assert env.pools()["a"]["numbers"] == {L1: "sms"}


def test_unrented_numbers_beside_a_rented_free_one_are_still_each_located(world: Any) -> None:
    env = world([pp("a", numbers=[L1, T1]), pp("b"), pp("c")], numbers=[fixed(L5)])
    env.write_manifest(UNRENTED.replace(f'numbers: ["{X3}"]', f'numbers: ["{X3}", "{L5}"]'))
    result = env.invoke("apply", "--auto-approve")
    assert result.code == 1
    assert len(problems(result.err)) == 4, result.err
    assert all(NOT_RENTED in p for p in problems(result.err))
    assert env.writes_named() == []


def test_a_member_of_the_wrong_kind_is_a_plan_error_at_its_place(world: Any) -> None:
    """A toll-free number under `numbers`, a long code under `tollfree`: spare (the account
    lookup tells), or held by a pool (its own or another's)."""
    env = world(
        [pp("a", numbers=[L1, T1]), pp("b", numbers=[L2, T2])], numbers=[fixed(L5), tollfree(TX)]
    )
    env.write_manifest(f"""version: 1
powerpacks:
  a:
    numbers: ["{L1}", "{T1}", "{TX}", "{T2}"]
    tollfree: ["{L5}", "{L2}"]
""")
    result = env.invoke("plan")
    assert result.code == 1
    under_tollfree = "not a long code: list it under `tollfree`"
    under_numbers = "not a toll-free number: list it under `numbers`"
    assert problems(result.err) == [
        f"powerpacks.yaml:4:30: powerpacks.a.numbers: {T1} is a toll-free number (in the pool "
        f"of a), {under_tollfree}",
        f"powerpacks.yaml:4:45: powerpacks.a.numbers: {TX} is a toll-free number (rented by the "
        f"account), {under_tollfree}",
        f"powerpacks.yaml:4:60: powerpacks.a.numbers: {T2} is a toll-free number (in the pool "
        f"of b), {under_tollfree}",
        f"powerpacks.yaml:5:16: powerpacks.a.tollfree: {L5} is a long code (rented by the "
        f"account), {under_numbers}",
        f"powerpacks.yaml:5:31: powerpacks.a.tollfree: {L2} is a long code (in the pool of b), "
        f"{under_numbers}",
    ], result.err
    assert env.invoke("apply", "--auto-approve").code == 1
    assert env.writes_named() == []


# --- short codes ----------------------------------------------------------------------------------


def test_short_codes_declared_and_held_are_kept(world: Any) -> None:
    env = world([pp("a", shortcodes=[code("444111"), code("555111", "CA")])])
    env.write_manifest(HEAD + '  a:\n    shortcodes: ["444111", "555111"]\n')
    env.sb.clear_journal()
    result = env.invoke("plan", "--detailed-exitcode")
    assert result.code == 0, result.out + result.err
    assert "No changes." in result.out
    assert env.reads_named() == ["Powerpack", "a/Shortcode"]


def test_an_undeclared_short_code_of_a_managed_pool_is_unlinked_never_unrented(world: Any) -> None:
    env = world([pp("a", numbers=[L1], shortcodes=[code("444111"), code("555111", "CA")])])
    env.write_manifest(HEAD + '  a:\n    shortcodes: ["555111"]\n')
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    a = change(plan, "a")
    assert a["fields"] == [
        {"field": "shortcodes", "before": ["444111", "555111"], "after": ["555111"]}
    ]
    assert planned_named(env, a) == [remove("a", "444111", "Shortcode")]
    assert [r["step"] for r in a["requests"]] == ["remove"]
    assert "- 444111 (unlinked; Plivo keeps it in the account)" in env.invoke("plan").out
    assert applied(env) == [remove("a", "444111", "Shortcode")]
    assert env.pools()["a"] == {"numbers": {L1: "sms"}, "tollfree": [], "shortcodes": ["555111"]}
    assert env.converged()


def test_a_declared_short_code_the_pool_lacks_is_a_plan_error(world: Any) -> None:
    """Short codes are provisioned by Plivo: never added, not even from another pool."""
    env = world([pp("a", shortcodes=[code("444111")]), pp("b", shortcodes=[code("444222")])])
    env.write_manifest(
        HEAD + '  a:\n    shortcodes: ["444111", "444999"]\n'
        '  b:\n    shortcodes: []\n  c:\n    shortcodes: ["444222"]\n'
    )
    result = env.invoke("apply", "--auto-approve")
    assert result.code == 1
    lacks = "short codes are provisioned by Plivo, and this tool can only keep or unlink them"
    assert problems(result.err) == [
        f"powerpacks.yaml:4:28: powerpacks.a.shortcodes: short code 444999 is not in this "
        f"Powerpack's pool: {lacks}",
        f"powerpacks.yaml:8:18: powerpacks.c.shortcodes: short code 444222 is not in this "
        f"Powerpack's pool (it is in the pool of b): {lacks}",
    ], result.err
    assert env.writes_named() == []


# --- removals -------------------------------------------------------------------------------------


def test_numbers_empty_removes_every_long_code_and_leaves_the_other_kinds(world: Any) -> None:
    env = world(
        [pp("a", numbers=[L1, {"number": L2, "service": "mms"}, T1], shortcodes=[code("444111")])]
    )
    rented = env.rented()
    env.write_manifest(HEAD + "  a:\n    numbers: []\n")
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    a = change(plan, "a")
    assert a["fields"] == [{"field": "numbers", "before": [sms(L1), mms(L2)], "after": []}]
    assert planned_named(env, a) == [remove("a", L1), remove("a", L2)]
    text = env.invoke("plan").out
    assert f"- {L1} (sms, stays rented)" in text and f"- {L2} (mms, stays rented)" in text
    assert applied(env) == [remove("a", L1), remove("a", L2)]
    assert env.pools()["a"] == {"numbers": {}, "tollfree": [T1], "shortcodes": ["444111"]}
    assert env.rented() == rented
    assert env.in_no_pool() == {L1, L2}
    assert env.converged()


def test_tollfree_empty_removes_only_the_tollfree_numbers(world: Any) -> None:
    env = world([pp("a", numbers=[L1, T1, T2])])
    env.write_manifest(HEAD + "  a:\n    tollfree: []\n")
    assert applied(env) == [remove("a", T1, "Tollfree"), remove("a", T2, "Tollfree")]
    assert env.pools()["a"]["numbers"] == {L1: "sms"}
    assert env.converged()


def test_more_than_ten_removals_need_allow_mass_change(world: Any) -> None:
    numbers = [f"1312555{i:04d}" for i in range(11)]
    env = world([pp("a", numbers=numbers)])
    env.write_manifest(HEAD + "  a:\n    numbers: []\n")
    refused = env.apply()
    assert refused.code == 1
    assert "guards.max_pool_removals: the plan removes 11 pool members" in refused.err
    assert "--allow-mass-change" in refused.err
    assert env.writes_named() == []
    assert len(applied(env, "--allow-mass-change")) == 11


# --- service changes ------------------------------------------------------------------------------


def test_a_service_change_is_a_removal_then_an_add(world: Any) -> None:
    env = world([pp("a", numbers=[L1, {"number": L2, "service": "mms"}, L3])])
    env.write_manifest(
        HEAD + f'  a:\n    numbers: [{{number: "{L1}", service: mms}}, "{L2}", '
        f'{{number: "{L3}", service: sms}}]\n'
    )
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    a = change(plan, "a")
    assert a["fields"] == [
        {
            "field": "numbers",
            "before": [sms(L1), mms(L2), sms(L3)],
            "after": [mms(L1), sms(L2), sms(L3)],
        }
    ]
    assert planned_named(env, a) == [
        remove("a", L1),
        add("a", L1, "mms"),
        remove("a", L2),
        add("a", L2, "sms"),
    ]
    assert {r["step"] for r in a["requests"]} == {"service"}
    text = env.invoke("plan").out
    assert f"~ {L1} service sms -> mms" in text and f"~ {L2} service mms -> sms" in text
    assert applied(env) == [
        remove("a", L1),
        add("a", L1, "mms"),
        remove("a", L2),
        add("a", L2, "sms"),
    ]
    assert env.pools()["a"]["numbers"] == {L1: "mms", L2: "sms", L3: "sms"}
    assert env.converged()


def test_service_changes_are_not_pool_removals_for_the_guard(world: Any) -> None:
    numbers = [f"1312555{i:04d}" for i in range(12)]
    env = world([pp("a", numbers=numbers)])
    items = ", ".join(f'{{number: "{n}", service: mms}}' for n in numbers)
    env.write_manifest(HEAD + f"  a:\n    numbers: [{items}]\n")
    writes = applied(env)  # no --allow-mass-change: 12 service changes, 0 removals
    assert len(writes) == 24
    assert set(env.pools()["a"]["numbers"].values()) == {"mms"}


# --- the order of a run ---------------------------------------------------------------------------


def test_a_run_goes_in_its_six_steps(world: Any) -> None:
    """(1) Powerpack updates then creates, (2) adds of free numbers, (3) moves, (4) service
    changes, (5) removals and unlinks, (6) deletes; the new Powerpack's requests use the pool
    its create answered. One worker: the journal is the plan's order, step by step."""
    env = world(
        [
            pp(
                "a", numbers=[L1, {"number": L2, "service": "mms"}, T1], shortcodes=[code("444111")]
            ),
            pp("b", numbers=[L3]),
            pp("c", numbers=[L4]),
        ],
        numbers=[fixed(L5), tollfree(T2)],
    )
    rented = env.rented()
    env.write_manifest(f"""version: 1
prune: true
powerpacks:
  a:
    local_connect: false
    numbers: ["{L2}", "{L5}", {{number: "{L3}", service: mms}}]
    tollfree: ["{T2}"]
    shortcodes: []
  fresh:
    numbers: ["{L1}"]
    tollfree: ["{T1}"]
""")
    writes = applied(env, "--allow-delete")
    assert writes == [
        ("POST", "pp:a", {"local_connect": False}),  # (1)
        ("POST", "create", {"name": "fresh"}),
        add("a", L5),  # (2)
        ("POST", f"a/Tollfree/{T2}", {}),
        remove("b", L3),  # (3)
        add("a", L3, "mms"),
        remove("a", L1),
        add("fresh", L1),
        remove("a", T1, "Tollfree"),
        ("POST", f"fresh/Tollfree/{T1}", {}),
        remove("a", L2),  # (4)
        add("a", L2, "sms"),
        remove("a", "444111", "Shortcode"),  # (5)
        ("DELETE", "pp:b", {"unrent_numbers": False}),  # (6)
        ("DELETE", "pp:c", {"unrent_numbers": False}),
    ]
    assert env.pools() == {
        "a": {"numbers": {L2: "sms", L3: "mms", L5: "sms"}, "tollfree": [T2], "shortcodes": []},
        "fresh": {"numbers": {L1: "sms"}, "tollfree": [T1], "shortcodes": []},
    }
    assert env.rented() == rented and env.in_no_pool() == {L4}
    assert env.converged()


def test_the_steps_hold_with_many_workers(world: Any) -> None:
    """Same plan, 8 workers: requests of one step run at once, but no step starts early."""
    numbers = [f"1312555{i:04d}" for i in range(8)]
    env = world(
        [pp("a", numbers=numbers[:4]), pp("b", numbers=numbers[4:])],
        numbers=[fixed(L4), fixed(L5)],
        latency_ms=15,
    )
    a_nums = ", ".join(f'"{n}"' for n in [L4, numbers[4], numbers[5]])
    b_nums = ", ".join(f'{{number: "{n}", service: mms}}' for n in [L5, numbers[6]])
    env.write_manifest(HEAD + f"  a:\n    numbers: [{a_nums}]\n  b:\n    numbers: [{b_nums}]\n")
    _, plan = env.plan_json()
    step_of = {
        (r["method"], env.short(r["path"].replace("{auth_id}", env.sb.auth_id))): r["step"]
        for c in plan["changes"]
        for r in c["requests"]
    }
    env.sb.clear_journal()
    result = env.apply("--parallelism", "8")
    assert result.code == 0, result.err
    steps = [step_of[(m, where)] for m, where, _ in env.writes_named()]
    order = ["powerpack", "add", "move", "service", "remove", "delete"]
    assert steps == sorted(steps, key=order.index)
    assert steps.count("add") == 2 and steps.count("move") == 4 and steps.count("service") == 2
    assert steps.count("remove") == 5  # a's 0..3 and b's 7: one request per removal
    assert env.converged()


def test_dry_run_lists_every_request_in_the_order_apply_sends_them(world: Any) -> None:
    """The requests of --dry-run are those apply sends, in its steps (the create first, then the
    add, the moves, the service change); nothing is sent."""
    env = world([pp("a", numbers=[L1, L2]), pp("b", numbers=[L3])], numbers=[fixed(L5)])
    env.write_manifest(
        HEAD + f'  a:\n    numbers: [{{number: "{L2}", service: mms}}, "{L5}"]\n'
        f'  b:\n    numbers: ["{L1}"]\n  fresh:\n    numbers: ["{L3}"]\n'
    )
    env.sb.clear_journal()
    result = env.invoke("apply", "--dry-run")
    assert result.code == 0, result.err
    assert env.writes_named() == []
    shown = result.out.split("Requests apply would send (dry run, nothing sent):\n")[1]
    masked = env.sb.auth_id[:2] + "*" * 14 + env.sb.auth_id[-4:]
    listed = []
    for line in (ln for ln in shown.splitlines() if ln.startswith("  ")):
        method, path, body = line.strip().split(" ", 2)
        path = path.replace(masked, env.sb.auth_id).replace("{pool_uuid}", env.pool_uuid("a"))
        listed.append(env.named(method, path, json.loads(body)))
    new = ("POST", f"a/Number/{L3}", {"rent": False, "service": "sms"})  # {pool_uuid} shown as a
    assert listed == [
        ("POST", "create", {"name": "fresh"}),
        add("a", L5),
        remove("a", L1),
        add("b", L1),
        remove("b", L3),
        new,
        remove("a", L2),
        add("a", L2, "mms"),
    ]
    env.sb.clear_journal()
    assert env.apply().code == 0
    done = [w if w[1] != f"fresh/Number/{L3}" else new for w in env.writes_named()]
    assert sorted(done, key=repr) == sorted(listed, key=repr)
