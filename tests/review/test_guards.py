"""The mass-change guard: `guards: {max_touched_percent: 30, min_managed: 10,
max_pool_removals: 10}` (the defaults when absent).

Managed: the manifest's Powerpacks found live, plus with prune those planned for deletion.
Touched: updated plus deleted (creates don't count). Tripped when touched is strictly more than
max_touched_percent of managed while managed >= min_managed, or when pool removals (removals and
unlinks; not moves or service changes) exceed max_pool_removals. plan and --dry-run warn; apply
refuses (exit 1, no write) naming the key, the figure and --allow-mass-change; apply --plan holds
the plan to the guards it records.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.accounts import manifest, pp, rented
from tests.support.cli import Run, no_traceback
from tests.support.world import Env

PERCENT = "guards.max_touched_percent"
REMOVALS = "guards.max_pool_removals"


def fleet(count: int, touched: int, extra: tuple[str, ...] = (), head: str = "") -> str:
    """A manifest of p00..p{count-1}, the first `touched` of them updated (sticky_sender off)."""
    entries = [
        f"p{i:02d}: {{sticky_sender: false}}" if i < touched else f"p{i:02d}: {{}}"
        for i in range(count)
    ]
    return manifest(*entries, *extra, head=head)


def live_fleet(count: int, *more: dict[str, Any]) -> list[dict[str, Any]]:
    return [pp(f"p{i:02d}") for i in range(count)] + list(more)


def passes(env: Env, *args: str) -> Run:
    """apply applies, and neither its plan (stdout) nor its log warns of a guard."""
    applied = env.invoke("apply", "--auto-approve", *args)
    assert applied.code == 0, applied.out + applied.err
    assert "guards." not in applied.out + applied.err
    return applied


def trips(env: Env, key: str, figure: str, *args: str, markdown: bool = False) -> Run:
    """plan and --dry-run warn (exit 0); apply refuses, writing nothing; the refusal names the
    guard's key, the figure and --allow-mass-change. Returns the refused apply."""
    planned = env.invoke("plan", *(("--format", "markdown") if markdown else ()))
    assert planned.code == 0, planned.err
    if markdown:  # the pull request's comment warns
        assert "> [!WARNING]" in planned.out and f"> - {key}: " in planned.out
    else:
        assert f"Warning: {key}" in planned.out, planned.out
    assert figure in " ".join(planned.out.split())
    dry = env.invoke("apply", "--dry-run", *args)
    assert dry.code == 0, dry.err
    assert f"apply: warning: {key}" in dry.err and "--allow-mass-change" in dry.err
    env.sb.clear_journal()
    refused = env.invoke("apply", "--auto-approve", *args)
    assert refused.code == 1, refused.out + refused.err
    no_traceback(refused)
    assert key in refused.err and figure in refused.err and "--allow-mass-change" in refused.err
    assert "nothing was changed" in refused.err
    assert env.writes() == []
    return refused


# --- the percent guard --------------------------------------------------------------------------


def test_three_of_ten_passes(world: Any) -> None:
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 3))
    passes(env)


def test_four_of_ten_is_refused_until_allow_mass_change(world: Any) -> None:
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4))
    trips(env, PERCENT, "4 of 10 managed", markdown=True)
    also = env.invoke("apply", "--auto-approve", "--allow-delete")  # the other flag lifts nothing
    assert also.code == 1 and PERCENT in also.err
    assert env.writes() == []
    applied = env.invoke("apply", "--auto-approve", "--allow-mass-change")
    assert applied.code == 0, applied.err
    assert sum(not p["sticky_sender"] for p in env.live().values()) == 4


def test_nine_managed_never_trip_the_percent_guard(world: Any) -> None:
    env = world(live_fleet(9))
    env.write_manifest(fleet(9, 9))  # all of them: 100%, but fewer than min_managed
    passes(env)


def test_creates_do_not_count_as_touched(world: Any) -> None:
    env = world(live_fleet(10))
    new = tuple(f"new-{i}: {{sticky_sender: false}}" for i in range(6))
    env.write_manifest(fleet(10, 3, new))  # 3 updates, 6 creates: 3 of 10 touched
    passes(env)
    assert len(env.live()) == 16


def test_powerpacks_the_manifest_does_not_name_are_not_managed(world: Any) -> None:
    """4 of 10 managed; 20 more live ones are not managed, so this is not 4 of 30."""
    env = world(live_fleet(10, *(pp(f"other-{i}") for i in range(20))))
    env.write_manifest(fleet(10, 4))
    trips(env, PERCENT, "4 of 10 managed")


def test_a_manifest_powerpack_not_live_yet_is_not_managed(world: Any) -> None:
    """10 in the file, one still to create: 4 of the 9 found live, and 9 < min_managed."""
    env = world(live_fleet(9))
    env.write_manifest(fleet(9, 4, ("p09: {}",)))
    passes(env)


def test_with_prune_the_deletes_are_managed_and_touched(world: Any) -> None:
    """8 in the file (1 updated) + 2 pruned: 3 of 10 passes; one more update: 4 of 10."""
    env = world(live_fleet(8, pp("gone-1"), pp("gone-2")))
    env.write_manifest(fleet(8, 1, head="prune: true"))
    passes(env, "--allow-delete")
    assert set(env.live()) == {f"p{i:02d}" for i in range(8)}

    env = world(live_fleet(8, pp("gone-1"), pp("gone-2")))
    env.write_manifest(fleet(8, 2, head="prune: true"))
    trips(env, PERCENT, "4 of 10 managed", "--allow-delete")


def test_allow_mass_change_does_not_allow_deletes(world: Any) -> None:
    env = world(live_fleet(10, pp("gone-1")))
    env.write_manifest(fleet(10, 0, head="prune: true"))
    refused = env.invoke("apply", "--auto-approve", "--allow-mass-change")
    assert refused.code == 1 and "--allow-delete" in refused.err
    assert env.writes() == []


def test_the_manifest_sets_its_own_guards(world: Any) -> None:
    env = world(live_fleet(4))
    env.write_manifest(fleet(4, 2, head="guards: {max_touched_percent: 25, min_managed: 4}"))
    trips(env, PERCENT, "2 of 4 managed")
    env.write_manifest(fleet(4, 2, head="guards: {max_touched_percent: 50, min_managed: 4}"))
    passes(env)


def test_guards_given_in_part_keep_the_other_defaults(world: Any) -> None:
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4, head="guards: {max_pool_removals: 0}"))
    trips(env, PERCENT, "4 of 10 managed")


# --- pool removals ------------------------------------------------------------------------------

ELEVEN = [f"1415555{i:04d}" for i in range(11)]


def numbers_yaml(numbers: list[str | dict[str, str]]) -> str:
    return json.dumps(numbers)


def test_ten_pool_removals_pass_eleven_are_refused(world: Any) -> None:
    env = world([pp("a", numbers=ELEVEN)])
    env.write_manifest(manifest(f"a: {{numbers: {numbers_yaml(ELEVEN[10:])}}}"))
    passes(env)  # 10 removed
    assert len(env.sb.snapshot()["powerpacks"][0]["number_pool"]["numbers"]) == 1

    env = world([pp("a", numbers=ELEVEN)])
    env.write_manifest(manifest("a: {numbers: []}"))
    trips(env, REMOVALS, "removes 11 pool members", markdown=True)
    applied = env.invoke("apply", "--auto-approve", "--allow-mass-change")
    assert applied.code == 0, applied.err


def test_removals_count_across_pools_and_unlinks_count(world: Any) -> None:
    code = {"shortcode": "72345", "country_iso2": "US"}
    env = world([pp("a", numbers=ELEVEN[:6]), pp("b", numbers=ELEVEN[6:9], shortcodes=[code])])
    env.write_manifest(manifest("a: {numbers: []}", "b: {numbers: [], shortcodes: []}"))
    passes(env)  # 6 + 3 removals + 1 unlink = 10

    env = world([pp("a", numbers=ELEVEN[:6]), pp("b", numbers=ELEVEN[6:], shortcodes=[code])])
    env.write_manifest(manifest("a: {numbers: []}", "b: {numbers: [], shortcodes: []}"))
    trips(env, REMOVALS, "removes 12 pool members")  # 6 + 5 removals + 1 unlink


def test_moves_do_not_count_as_pool_removals(world: Any) -> None:
    env = world([pp("a", numbers=ELEVEN), pp("b")])
    env.write_manifest(manifest("a: {numbers: []}", f"b: {{numbers: {numbers_yaml(ELEVEN)}}}"))
    passes(env)
    pools = {p["name"]: len(p["number_pool"]["numbers"]) for p in env.sb.snapshot()["powerpacks"]}
    assert pools == {"a": 0, "b": 11}


def test_service_changes_do_not_count_as_pool_removals(world: Any) -> None:
    env = world([pp("a", numbers=ELEVEN)])
    mms = [{"number": n, "service": "mms"} for n in ELEVEN]
    env.write_manifest(manifest(f"a: {{numbers: {numbers_yaml(mms)}}}"))  # type: ignore[arg-type]
    passes(env)
    services = {n["service"] for n in env.sb.snapshot()["powerpacks"][0]["number_pool"]["numbers"]}
    assert services == {"mms"}


def test_adds_do_not_count_as_pool_removals(world: Any) -> None:
    env = world([pp("a")], numbers=rented(*ELEVEN))
    env.write_manifest(manifest(f"a: {{numbers: {numbers_yaml(ELEVEN)}}}"))
    passes(env)


def test_max_pool_removals_zero_refuses_one_removal(world: Any) -> None:
    env = world([pp("a", numbers=ELEVEN[:2])])
    env.write_manifest(
        manifest(
            f"a: {{numbers: {numbers_yaml(ELEVEN[:1])}}}", head="guards: {max_pool_removals: 0}"
        )
    )
    trips(env, REMOVALS, "removes 1 pool members")


# --- saved plans --------------------------------------------------------------------------------


def test_apply_plan_holds_the_plan_to_the_guards_it_records(world: Any) -> None:
    """The plan was made under the default guards (4 of 10: it warned). The manifest on disk
    loosens them afterwards: apply --plan still refuses, by the guards in the plan."""
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4))
    planned = env.invoke("plan", "--out", "plan.json")
    assert planned.code == 0 and f"Warning: {PERCENT}" in planned.out
    saved = json.loads((env.cwd / "plan.json").read_text())
    assert saved["guards"] == {
        "max_touched_percent": 30,
        "min_managed": 10,
        "max_pool_removals": 10,
    }
    env.write_manifest(fleet(10, 4, head="guards: {max_touched_percent: 100}"))
    env.sb.clear_journal()
    refused = env.invoke("apply", "--plan", "plan.json", "--auto-approve")
    assert refused.code == 1, refused.err
    assert (
        PERCENT in refused.err and "4 of 10" in refused.err and "--allow-mass-change" in refused.err
    )
    with_file = env.invoke(
        "apply", "--plan", "plan.json", "-f", "powerpacks.yaml", "--auto-approve"
    )
    assert with_file.code == 1 and "sha256" in with_file.err  # not the manifest it was made from
    assert env.writes() == []
    applied = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-mass-change")
    assert applied.code == 0, applied.err


def test_apply_plan_applies_a_plan_its_recorded_guards_allow(world: Any) -> None:
    """Made under loose guards; the manifest on disk is stricter now: the plan's guards hold."""
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4, head="guards: {max_touched_percent: 50}"))
    planned = env.invoke("plan", "--out", "plan.json")
    assert planned.code == 0 and "Warning" not in planned.out
    env.write_manifest(fleet(10, 4, head="guards: {max_touched_percent: 10}"))
    applied = env.invoke("apply", "--plan", "plan.json", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "guards." not in applied.err


def test_a_dry_run_of_a_saved_plan_warns_of_its_guards(world: Any) -> None:
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    dry = env.invoke("apply", "--plan", "plan.json", "--dry-run")
    assert dry.code == 0, dry.err
    assert f"apply: warning: {PERCENT}" in dry.err
    assert env.writes() == []


def test_a_saved_plan_without_its_guards_is_held_to_the_defaults(world: Any) -> None:
    """A plan file is data: dropping its `guards` must not turn the guard off."""
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    saved = json.loads((env.cwd / "plan.json").read_text())
    del saved["guards"]
    (env.cwd / "plan.json").write_text(json.dumps(saved))
    refused = env.invoke("apply", "--plan", "plan.json", "--auto-approve")
    assert refused.code == 1, refused.err
    assert PERCENT in refused.err
    assert env.writes() == []


def test_a_saved_plan_with_loosened_guards_is_held_to_its_manifest_with_f(world: Any) -> None:
    """Edited to record looser guards than its manifest's: with -f (the manifest it was made
    from, sha256 checked) the manifest's guards hold too."""
    env = world(live_fleet(10))
    env.write_manifest(fleet(10, 4))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    saved = json.loads((env.cwd / "plan.json").read_text())
    saved["guards"]["max_touched_percent"] = 100
    (env.cwd / "plan.json").write_text(json.dumps(saved))
    refused = env.invoke("apply", "--plan", "plan.json", "-f", "powerpacks.yaml", "--auto-approve")
    assert refused.code == 1, refused.err
    assert PERCENT in refused.err and "over 30%" in refused.err
    assert env.writes() == []
