"""`protect: true`: never deleted, no member leaves its pool (removal, unlink, move out).

plan and apply refuse such a plan (exit 1, nothing written), naming each one on stderr with where
the protection is set; --allow-delete does not lift it; protection in BASE holds too; a saved
plan records its protections and `apply --plan` enforces them.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.accounts import manifest, pp, rented
from tests.support.cli import no_traceback
from tests.support.world import Env

US_CODE = {"shortcode": "72345", "country_iso2": "US"}
ALL_FLAGS = ("--allow-delete", "--allow-mass-change")


def pools(env: Env) -> dict[str, set[str]]:
    """Live pool members (numbers and short codes) by Powerpack name."""
    out = {}
    for p in env.sb.snapshot()["powerpacks"]:
        pool = p["number_pool"]
        out[p["name"]] = {n["number"] for n in pool["numbers"]} | {
            s["shortcode"] for s in pool["shortcodes"]
        }
    return out


def refused_everywhere(env: Env, *extra: str) -> list[str]:
    """plan refuses, apply refuses (even with every flag), --dry-run refuses; nothing is written,
    no plan file either. Returns the refusal lines plan printed on stderr."""
    before = env.sb.snapshot()
    planned = env.invoke("plan", *extra, "--out", "plan.json")
    assert planned.code == 1, planned.out + planned.err
    no_traceback(planned)
    assert not (env.cwd / "plan.json").exists(), "a refused plan was saved"
    for args in (("--auto-approve", *ALL_FLAGS), ("--dry-run", *ALL_FLAGS)):
        applied = env.invoke("apply", *extra, *args)
        assert applied.code == 1, (args, applied.out, applied.err)
        no_traceback(applied)
        assert "protected" in applied.err
    assert env.writes() == []
    assert env.sb.snapshot()["powerpacks"] == before["powerpacks"]
    return [line.strip() for line in planned.err.splitlines() if "protect" in line]


def test_a_protected_pool_loses_no_number(world: Any) -> None:
    env = world([pp("a", numbers=["14155550100", "14155550101"])])
    env.write_manifest(manifest("a:", "  protect: true", '  numbers: ["14155550100"]'))
    lines = refused_everywhere(env)
    assert any(
        "a" in line and "14155550101" in line and "powerpacks.yaml:4" in line for line in lines
    ), lines  # where `protect: true` is written


def test_every_member_leaving_is_named(world: Any) -> None:
    env = world(
        [pp("a", numbers=["14155550100", "14155550101", "18885550102"], shortcodes=[US_CODE])]
    )
    env.write_manifest(manifest("a: {protect: true, numbers: [], tollfree: [], shortcodes: []}"))
    text = "\n".join(refused_everywhere(env))
    for member in ("14155550100", "14155550101", "18885550102", "72345"):
        assert member in text, text


def test_a_member_moved_out_of_a_protected_pool_is_refused(world: Any) -> None:
    """The protected source manages its numbers: its change shows the number moved out."""
    env = world([pp("a", numbers=["14155550100", "14155550101"]), pp("b")])
    env.write_manifest(
        manifest(
            'a: {protect: true, numbers: ["14155550100"]}',
            'b: {numbers: ["14155550101"]}',
        )
    )
    lines = refused_everywhere(env)
    assert any("14155550101" in line and "powerpacks.yaml:3" in line for line in lines), lines


def test_a_move_out_of_a_protected_pool_that_manages_no_numbers_is_refused(world: Any) -> None:
    """The protected source doesn't manage its numbers: the move is only in the destination's
    change (its requests remove the number from the source's pool), and is refused still."""
    env = world([pp("a", numbers=["14155550100", "14155550101"]), pp("b")])
    env.write_manifest(manifest("a: {protect: true}", 'b: {numbers: ["14155550101"]}'))
    lines = refused_everywhere(env)
    assert any("14155550101" in line and "a" in line for line in lines), lines
    assert any("powerpacks.yaml:3" in line for line in lines), lines
    assert pools(env)["a"] == {"14155550100", "14155550101"}


def test_a_move_out_of_a_pool_protected_in_base_only_is_refused(world: Any) -> None:
    """BASE protects a; the pull request drops a from the file and takes one of its numbers."""
    env = world([pp("a", numbers=["14155550100"]), pp("b")])
    env.write_manifest(manifest("a: {protect: true}", "b: {}"), "base.yaml")
    env.write_manifest(manifest('b: {numbers: ["14155550100"]}'))
    lines = refused_everywhere(env, "--base", "base.yaml")
    assert any("14155550100" in line and "base.yaml:3" in line for line in lines), lines


def test_adds_service_changes_and_field_updates_of_a_protected_pool_pass(world: Any) -> None:
    env = world(
        [pp("a", numbers=["14155550100", "14155550101"], sticky_sender=True)],
        numbers=rented("14155550102"),
    )
    env.write_manifest(
        manifest(
            "a:",
            "  protect: true",
            "  sticky_sender: false",
            '  numbers: ["14155550100", {number: "14155550101", service: mms}, "14155550102"]',
        )
    )
    planned = env.invoke("plan")
    assert planned.code == 0, planned.err
    assert "protect" not in planned.err
    applied = env.invoke("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert pools(env)["a"] == {"14155550100", "14155550101", "14155550102"}
    assert env.invoke("plan", "--detailed-exitcode").code == 0


def test_a_move_into_a_protected_pool_passes(world: Any) -> None:
    env = world([pp("a"), pp("b", numbers=["14155550100"])])
    env.write_manifest(manifest('a: {protect: true, numbers: ["14155550100"]}', "b: {}"))
    applied = env.invoke("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert pools(env) == {"a": {"14155550100"}, "b": set()}


# --- deletes, and protection set in BASE --------------------------------------------------------


def test_a_pr_removing_a_protected_entry_with_its_protect_is_refused(world: Any) -> None:
    env = world([pp("legacy"), pp("kept")])
    env.write_manifest(
        manifest("kept: {}", "legacy:", "  protect: true", head="prune: true"), "base.yaml"
    )
    env.write_manifest(manifest("kept: {}", head="prune: true"))
    lines = refused_everywhere(env, "--base", "base.yaml")
    assert any(
        "delete legacy" in line and "base.yaml:6" in line and "base manifest" in line
        for line in lines
    ), lines
    assert "legacy" in env.live()


def test_without_the_base_the_same_delete_is_only_guarded_by_allow_delete(world: Any) -> None:
    """The protection above lives in BASE: without --base nothing protects legacy."""
    env = world([pp("legacy"), pp("kept")])
    env.write_manifest(manifest("kept: {}", head="prune: true"))
    refused = env.invoke("apply", "--auto-approve")
    assert refused.code == 1 and "--allow-delete" in refused.err
    assert env.invoke("apply", "--auto-approve", "--allow-delete").code == 0
    assert "legacy" not in env.live()


def test_protection_in_base_holds_when_the_pr_drops_protect_and_a_member(world: Any) -> None:
    env = world([pp("a", numbers=["14155550100", "14155550101"])])
    env.write_manifest(
        manifest('a: {protect: true, numbers: ["14155550100", "14155550101"]}'), "base.yaml"
    )
    env.write_manifest(manifest('a: {numbers: ["14155550100"]}'))
    lines = refused_everywhere(env, "--base", "base.yaml")
    assert any("14155550101" in line and "base.yaml:3" in line for line in lines), lines


def test_protection_follows_a_rename(world: Any) -> None:
    """BASE protects `old`; the PR renames it and empties the pool: still the same Powerpack."""
    env = world([pp("old", numbers=["14155550100"])])
    env.write_manifest(manifest("old: {protect: true}"), "base.yaml")
    env.write_manifest(manifest("new: {renamed_from: old, numbers: []}"))
    lines = refused_everywhere(env, "--base", "base.yaml")
    assert any("14155550100" in line for line in lines), lines


def test_protect_is_not_a_default(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(manifest("a: {}", head="defaults: {protect: true}"))
    for verb in ("validate", "plan"):
        result = env.invoke(verb)
        assert result.code == 1
        assert "defaults.protect" in result.err and "protect" in result.err
    assert env.sb.journal() == []


# --- saved plans --------------------------------------------------------------------------------


def test_a_saved_plan_records_the_protected_powerpacks(world: Any) -> None:
    env = world([pp("a"), pp("b"), pp("legacy")])
    env.write_manifest(manifest("a: {}", "b: {}", "legacy: {protect: true}"), "base.yaml")
    env.write_manifest(manifest("a: {protect: true}", "b: {sticky_sender: false}", "legacy: {}"))
    assert env.invoke("plan", "--base", "base.yaml", "--out", "plan.json").code == 0
    saved = json.loads((env.cwd / "plan.json").read_text())
    live = env.live()
    for name in ("a", "legacy"):
        assert live[name]["uuid"] in saved["protected"], name
    assert live["b"]["uuid"] not in saved["protected"]


def recorded_protections(env: Env, text: str) -> list[str]:
    """What a plan made under the manifest `text` records as protected (a plan it doesn't trip)."""
    env.write_manifest(text, "protected.yaml")
    result = env.invoke("plan", "-f", "protected.yaml", "--format", "json")
    assert result.code == 0, result.err
    recorded: list[str] = json.loads(result.out)["protected"]
    assert recorded
    return recorded


def swap_protections(env: Env, path: str, protected: list[str]) -> None:
    """The saved plan as if made under those protections (a plan file is data: this is the
    one key that makes it stricter, and apply --plan must honour it)."""
    saved = json.loads((env.cwd / path).read_text())
    saved["protected"] = protected
    (env.cwd / path).write_text(json.dumps(saved))


def test_apply_plan_enforces_the_protections_the_plan_records(world: Any) -> None:
    """The plan deletes `legacy`, and records legacy as protected: apply --plan refuses it, with
    the manifest on disk or without (-f), and with --allow-delete."""
    env = world([pp("legacy"), pp("kept")])
    env.write_manifest(manifest("kept: {}", head="prune: true"))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    swap_protections(
        env, "plan.json", recorded_protections(env, manifest("legacy: {protect: true}"))
    )
    env.sb.clear_journal()
    for extra in ((), ("-f", "powerpacks.yaml"), ALL_FLAGS, ("--dry-run", *ALL_FLAGS)):
        result = env.invoke("apply", "--plan", "plan.json", "--auto-approve", *extra)
        assert result.code == 1, (extra, result.err)
        no_traceback(result)
        assert "delete legacy" in result.err and "protected" in result.err
    assert env.writes() == []
    assert "legacy" in env.live()


def test_apply_plan_enforces_a_recorded_protection_of_a_pool(world: Any) -> None:
    """The plan moves a number out of a; a plan made while a was protected records what keeps
    a's pool whole, and apply --plan refuses the move."""
    env = world([pp("a", numbers=["14155550100", "14155550101"]), pp("b")])
    env.write_manifest(manifest("a: {}", 'b: {numbers: ["14155550101"]}'))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    swap_protections(env, "plan.json", recorded_protections(env, manifest("a: {protect: true}")))
    env.sb.clear_journal()
    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve", *ALL_FLAGS)
    assert result.code == 1, result.err
    no_traceback(result)
    assert "14155550101" in result.err and "protected" in result.err
    assert env.writes() == []


def test_a_saved_plan_stripped_of_its_protections_is_still_held_to_base_and_manifest(
    world: Any,
) -> None:
    """A plan file is untrusted: emptying its `protected` list must not let through what the
    manifest on the branch (-f) or BASE (--base) protects."""
    env = world([pp("legacy"), pp("kept"), pp("a", numbers=["14155550100", "14155550101"])])
    env.write_manifest(manifest("kept: {}", "legacy: {protect: true}", "a: {}"), "base.yaml")
    env.write_manifest(manifest("kept: {}", 'a: {numbers: ["14155550100"]}', head="prune: true"))
    env.write_manifest(manifest("kept: {}", 'a: {numbers: ["14155550100"], protect: true}',
                                head="prune: true"), "protected.yaml")  # fmt: skip
    env.invoke("plan", "--out", "plan.json")  # refused (BASE is not given: legacy only pruned)
    assert env.invoke("plan", "--out", "plan.json", "-f", "powerpacks.yaml").code in (0, 2)
    swap_protections(env, "plan.json", [])
    env.sb.clear_journal()
    with_base = env.invoke("apply", "--plan", "plan.json", "--base", "base.yaml", "--auto-approve",
                        *ALL_FLAGS)  # fmt: skip
    assert with_base.code == 1 and "delete legacy" in with_base.err, with_base.err
    no_traceback(with_base)
    # The branch's manifest protecting `a`: the plan's removal from a's pool is refused too.
    (env.cwd / "powerpacks.yaml").write_text((env.cwd / "protected.yaml").read_text())
    assert env.invoke("plan", "--out", "plan2.json").code == 1  # plan itself refuses it
    assert env.writes() == []
    assert "legacy" in env.live()
