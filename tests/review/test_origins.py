"""`plan --base` and `apply --base`: each change labelled intent, drift or both, shown apart.

BASE is the manifest as it stands on the target branch. A field is `intent` where the manifest
differs from BASE (a field BASE doesn't manage, or a Powerpack BASE lacks, differs), `drift`
where BASE already differs from live, `both` where both hold. A create of a Powerpack BASE
declares is drift; a delete is intent if BASE declared the Powerpack, else drift.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.accounts import api_matrix, manifest, pp, rented
from tests.support.cli import no_traceback
from tests.support.plans import origins, plan_json

APP = {
    "marketing": "20468599130939380",
    "support": "33660394121755210",
    "legacy": "17231002233445566",
}
DEFAULT_US_SMS = "[shortcode, tollfree, longcode]"  # the sandbox's default US.SMS order


def text_sections(text: str) -> tuple[str, str]:
    """(the "This change" part, the "Drift on the live account" part) of a text plan."""
    head, _, drift = text.partition("Drift on the live account:")
    _, _, mine = head.partition("This change:")
    return mine, drift


def markdown_sections(text: str) -> tuple[str, str]:
    """(the "### This change" part, the folded drift part) of a Markdown plan."""
    head, _, drift = text.partition("<details><summary><b>Drift on the live account</b>")
    _, _, mine = head.partition("### This change")
    return mine, drift


def three_way(world: Any) -> Any:
    """One Powerpack with a field of each origin: sticky_sender drift, local_connect intent,
    application both, US.SMS intent (BASE doesn't manage it), CA.SMS both."""
    env = world(
        [
            pp(
                "marketing-us",
                sticky_sender=True,
                application_type="xml",
                application_id=APP["support"],
                number_priority=api_matrix({"CA.SMS": ("longcode", "tollfree", "shortcode")}),
            )
        ]
    )
    env.write_manifest(
        manifest(
            "marketing-us:",
            "  sticky_sender: false",  # BASE says false too; live is true: drift
            "  local_connect: false",  # BASE says true, as live: this change
            "  application: {type: xml, name: Marketing replies}",  # BASE legacy, live support
            "  number_priority:",
            "    US: {SMS: [tollfree, longcode, shortcode]}",  # BASE doesn't manage it
            "    CA: {SMS: [tollfree, shortcode, longcode]}",  # BASE shortcode-first, live long
        )
    )
    env.write_manifest(
        manifest(
            "marketing-us:",
            "  sticky_sender: false",
            "  local_connect: true",
            "  application: {type: xml, name: Legacy replies}",
            "  number_priority:",
            "    CA: {SMS: [shortcode, longcode, tollfree]}",
        ),
        "base.yaml",
    )
    return env


def test_each_field_is_labelled_intent_drift_or_both(world: Any) -> None:
    env = three_way(world)
    plan = plan_json(env, "--base", "base.yaml")
    assert origins(plan) == {
        ("marketing-us", "sticky_sender"): "drift",
        ("marketing-us", "local_connect"): "intent",
        ("marketing-us", "application"): "both",
        ("marketing-us", "number_priority.US.SMS"): "intent",
        ("marketing-us", "number_priority.CA.SMS"): "both",
    }
    assert plan["base"] is True
    assert "origin" not in plan["changes"][0]  # an update's origin is on its fields


def test_text_shows_this_change_and_drift_apart_both_marked(world: Any) -> None:
    env = three_way(world)
    result = env.invoke("plan", "--base", "base.yaml")
    assert result.code == 0, result.err
    mine, drift = text_sections(result.out)
    assert "local_connect:  true -> false" in mine
    assert "sticky_sender" not in mine
    assert "US SMS" in mine and "CA SMS" in mine
    assert "(also drifted)" in mine
    both_lines = [line for line in mine.splitlines() if "(also drifted)" in line]
    assert len(both_lines) == 2  # application and CA.SMS, each marked once
    assert "sticky_sender:  true -> false" in drift
    assert "local_connect" not in drift and "application" not in drift
    assert "also drifted" not in drift  # a `both` field is shown once, under this change
    assert result.out.index("This change:") < result.out.index("Drift on the live account:")


def test_markdown_keeps_the_drift_folded_with_a_one_line_count(world: Any) -> None:
    env = three_way(world)
    result = env.invoke("plan", "--base", "base.yaml", "--format", "markdown")
    assert result.code == 0, result.err
    mine, drift = markdown_sections(result.out)
    assert "| `local_connect` | `true` | `false` |" in mine
    assert "_(also drifted)_" in mine
    assert "sticky_sender" not in mine
    summary = drift.splitlines()[0]
    assert summary == (
        ": 1 Powerpack(s), 1 difference(s) already there before this change</summary>"
    )
    assert "| `sticky_sender` | `true` | `false` |" in drift
    assert drift.rstrip().endswith("</details>")


def test_without_base_no_origin_and_no_sections(world: Any) -> None:
    env = three_way(world)
    plan = plan_json(env)
    assert "origin" not in json.dumps(plan)
    assert plan.get("base", False) is False
    text = env.invoke("plan").out
    markdown = env.invoke("plan", "--format", "markdown").out
    for out in (text, markdown):
        assert "This change" not in out and "Drift on the live account" not in out
        assert "also drifted" not in out


def test_a_rename_is_intent_and_drift_on_the_renamed_powerpack_stays_drift(world: Any) -> None:
    env = world([pp("alerts-old", sticky_sender=True)])
    env.write_manifest(manifest("alerts-old: {sticky_sender: false}"), "base.yaml")
    env.write_manifest(manifest("alerts: {renamed_from: alerts-old, sticky_sender: false}"))
    plan = plan_json(env, "--base", "base.yaml")
    assert origins(plan) == {("alerts", "name"): "intent", ("alerts", "sticky_sender"): "drift"}
    (change,) = plan["changes"]
    assert change["action"] == "update" and len(change["requests"]) == 1  # one call, no delete
    mine, drift = text_sections(env.invoke("plan", "--base", "base.yaml").out)
    assert "name:" in mine and "alerts-old -> alerts" in mine and "sticky_sender" not in mine
    assert "sticky_sender:  true -> false" in drift and "name:" not in drift


def test_a_rename_base_already_made_that_live_lacks_is_drift(world: Any) -> None:
    """BASE renamed it, the apply of that rename failed: the rename is drift now."""
    env = world([pp("alerts-old")])
    text = manifest("alerts: {renamed_from: alerts-old}")
    env.write_manifest(text, "base.yaml")
    env.write_manifest(text)
    assert origins(plan_json(env, "--base", "base.yaml")) == {("alerts", "name"): "drift"}


def test_a_drift_only_plan_has_no_this_change_section(world: Any) -> None:
    env = world([pp("a", sticky_sender=True), pp("b", local_connect=False)])
    text = manifest("a: {sticky_sender: false}", "b: {local_connect: true}")
    env.write_manifest(text)
    env.write_manifest(text, "base.yaml")
    result = env.invoke("plan", "--base", "base.yaml", "--detailed-exitcode")
    assert result.code == 2, result.err
    assert "This change" not in result.out
    assert "Drift on the live account:" in result.out
    markdown = env.invoke("plan", "--base", "base.yaml", "--format", "markdown").out
    assert "### This change" not in markdown
    assert "<b>Drift on the live account</b>: 2 Powerpack(s), 2 difference(s)" in markdown
    assert set(origins(plan_json(env, "--base", "base.yaml")).values()) == {"drift"}


def test_an_intent_only_plan_has_no_drift_section(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(manifest("a: {}"), "base.yaml")
    env.write_manifest(manifest("a: {sticky_sender: false}"))  # BASE doesn't manage it
    result = env.invoke("plan", "--base", "base.yaml")
    assert "This change:" in result.out and "Drift on the live account" not in result.out
    markdown = env.invoke("plan", "--base", "base.yaml", "--format", "markdown").out
    assert "### This change" in markdown and "<details>" not in markdown


def test_a_powerpack_base_lacks_is_intent_even_where_live_differs(world: Any) -> None:
    env = world([pp("a"), pp("b", sticky_sender=True)])
    env.write_manifest(manifest("a: {}"), "base.yaml")
    env.write_manifest(manifest("a: {}", "b: {sticky_sender: false}"))
    assert origins(plan_json(env, "--base", "base.yaml")) == {("b", "sticky_sender"): "intent"}


def test_base_defaults_are_what_base_manages(world: Any) -> None:
    """A value BASE sets in `defaults` and the manifest on the Powerpack is no change."""
    env = world([pp("a", local_connect=True)])
    env.write_manifest(manifest("a: {}", head="defaults: {local_connect: false}"), "base.yaml")
    env.write_manifest(manifest("a: {local_connect: false}"))
    assert origins(plan_json(env, "--base", "base.yaml")) == {("a", "local_connect"): "drift"}


def test_an_application_named_in_base_and_linked_by_id_now_is_the_same(world: Any) -> None:
    env = world([pp("a", application_type="xml", application_id=APP["legacy"])])
    env.write_manifest(
        manifest("a: {application: {type: xml, name: Marketing replies}}"), "base.yaml"
    )
    env.write_manifest(manifest(f'a: {{application: {{type: xml, id: "{APP["marketing"]}"}}}}'))
    assert origins(plan_json(env, "--base", "base.yaml")) == {("a", "application"): "drift"}


def test_a_base_naming_an_application_that_is_gone_still_plans(world: Any) -> None:
    """BASE names an application the account no longer has (or two have that name): not an
    error of this plan. What BASE asked for is not live, so a change there is intent and drift."""
    env = world([pp("a", application_type="xml", application_id=APP["legacy"]), pp("b")])
    env.write_manifest(
        manifest(
            "a: {application: {type: xml, name: Retired app}}",
            "b: {application: {type: xml, name: Twin}, sticky_sender: false}",
        ),
        "base.yaml",
    )
    env.write_manifest(
        manifest(
            "a: {application: {type: xml, name: Marketing replies}}",
            "b: {sticky_sender: false}",  # the PR stops managing b's application
        )
    )
    result = env.invoke("plan", "--base", "base.yaml", "--format", "json")
    assert result.code == 0, result.err
    no_traceback(result)
    assert origins(json.loads(result.out)) == {
        ("a", "application"): "both",
        ("b", "sticky_sender"): "drift",
    }


def test_pool_members_are_labelled_like_any_field(world: Any) -> None:
    env = world(
        [pp("a", numbers=["14155550100", "14155550101"]), pp("b", numbers=["14155550102"])],
        numbers=rented("14155550103", "14155550104"),
    )
    env.write_manifest(
        manifest(
            'a: {numbers: ["14155550100"]}',
            'b: {numbers: ["14155550102", "14155550104"]}',
        ),
        "base.yaml",
    )
    env.write_manifest(
        manifest(
            'a: {numbers: ["14155550100"]}',
            'b: {numbers: ["14155550102", "14155550103"]}',
        )
    )
    # a: BASE wanted 14155550101 out, it is still there: drift. b: BASE wanted 104 (it never
    # arrived) and the PR asks for 103 instead: both.
    plan = plan_json(env, "--base", "base.yaml")
    assert origins(plan) == {("a", "numbers"): "drift", ("b", "numbers"): "both"}
    mine, drift = text_sections(env.invoke("plan", "--base", "base.yaml").out)
    assert "+ 14155550103" in mine and "14155550101" not in mine
    assert "- 14155550101" in drift


def test_creates_and_deletes_carry_their_origin(world: Any) -> None:
    env = world([pp("legacy"), pp("guest"), pp("kept")])
    env.write_manifest(
        manifest("kept: {}", "legacy: {}", "ops: {local_connect: false}", head="prune: true"),
        "base.yaml",
    )
    env.write_manifest(
        manifest(
            "kept: {}",
            "ops: {local_connect: false}",  # in BASE, missing live: drift
            "onboarding: {sticky_sender: false}",  # new in this PR: intent
            head="prune: true",
        )
    )
    plan = plan_json(env, "--base", "base.yaml")
    by_name = {c["name"]: c for c in plan["changes"]}
    assert by_name["ops"]["origin"] == "drift"
    assert by_name["onboarding"]["origin"] == "intent"
    assert by_name["legacy"]["origin"] == "intent"  # BASE declared it: this PR removes it
    assert by_name["guest"]["origin"] == "drift"  # never declared: pruned as drift
    assert origins(plan) == {
        ("ops", "local_connect"): "drift",
        ("onboarding", "sticky_sender"): "intent",
    }
    mine, drift = text_sections(env.invoke("plan", "--base", "base.yaml").out)
    assert "+ create onboarding" in mine and "- delete legacy" in mine
    assert "ops" not in mine and "guest" not in mine
    assert "+ create ops" in drift and "- delete guest" in drift
    assert "onboarding" not in drift and "legacy" not in drift
    md_mine, md_drift = markdown_sections(env.invoke("plan", "--base", "base.yaml", "--format",
                                                  "markdown").out)  # fmt: skip
    assert "Create `onboarding`" in md_mine and "Delete `legacy`" in md_mine
    assert "Create `ops`" in md_drift and "Delete `guest`" in md_drift
    assert "onboarding" not in md_drift and "legacy" not in md_drift


def test_a_create_base_declares_with_a_field_the_pr_changes(world: Any) -> None:
    env = world([])
    env.write_manifest(manifest("ops: {local_connect: false, sticky_sender: true}"), "base.yaml")
    env.write_manifest(manifest("ops: {local_connect: false, sticky_sender: false}"))
    plan = plan_json(env, "--base", "base.yaml")
    assert plan["changes"][0]["origin"] == "drift"
    assert origins(plan) == {("ops", "local_connect"): "drift", ("ops", "sticky_sender"): "both"}


def test_apply_with_base_shows_the_sections_and_applies_everything(world: Any) -> None:
    env = three_way(world)
    result = env.invoke("apply", "--base", "base.yaml", "--auto-approve")
    assert result.code == 0, result.err
    assert "This change:" in result.out and "Drift on the live account:" in result.out
    assert env.invoke("plan", "--detailed-exitcode").code == 0  # drift and intent both applied
    live = env.live()["marketing-us"]
    assert (live["sticky_sender"], live["local_connect"]) == (False, False)
    assert live["application_id"] == APP["marketing"]


def test_a_saved_plan_keeps_its_origins_for_show_and_apply(world: Any) -> None:
    env = three_way(world)
    assert env.invoke("plan", "--base", "base.yaml", "--out", "plan.json").code == 0
    saved = json.loads((env.cwd / "plan.json").read_text())
    assert saved["base"] is True
    assert origins(saved) == origins(plan_json(env, "--base", "base.yaml"))
    shown = env.invoke("show", "plan.json")
    assert shown.code == 0, shown.err
    assert "This change:" in shown.out and "Drift on the live account:" in shown.out
    applied = env.invoke("apply", "--plan", "plan.json", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "Drift on the live account:" in applied.out


# --- a BASE that can't be read ------------------------------------------------------------------


def test_a_missing_base_is_an_error_naming_it_before_any_call(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(manifest("a: {sticky_sender: false}"))
    for verb in (("plan",), ("apply", "--auto-approve"), ("apply", "--dry-run")):
        env.sb.clear_journal()
        result = env.invoke(*verb, "--base", "no-such-base.yaml")
        assert result.code == 1, verb
        no_traceback(result)
        assert "no-such-base.yaml" in result.err and "base manifest" in result.err
        assert result.out == ""
        assert env.sb.journal() == [], verb


def test_a_base_that_does_not_validate_is_an_error_naming_it(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(manifest("a: {sticky_sender: false}"))
    bad = {
        "unknown-key.yaml": manifest("a: {stiky_sender: false}"),
        "bad-yaml.yaml": "version: 1\npowerpacks: [\n",
        "bad-version.yaml": "version: 7\npowerpacks: {}\n",
        "not-a-manifest.yaml": "- just\n- a list\n",
    }
    for name, text in bad.items():
        env.write_manifest(text, name)
        env.sb.clear_journal()
        result = env.invoke("plan", "--base", name)
        assert result.code == 1, name
        no_traceback(result)
        assert name in result.err and "base manifest" in result.err, result.err
        assert "powerpacks.yaml" not in result.err.replace(name, ""), result.err
        assert env.sb.journal() == [], name
    applied = env.invoke("apply", "--base", "unknown-key.yaml", "--auto-approve")
    assert applied.code == 1 and "unknown-key.yaml" in applied.err
    assert env.sb.journal() == []


def test_a_base_that_is_a_directory_is_an_error_naming_it(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(manifest("a: {}"))
    (env.cwd / "basedir").mkdir()
    result = env.invoke("plan", "--base", "basedir")
    assert result.code == 1
    no_traceback(result)
    assert "basedir" in result.err


def test_a_base_with_an_empty_powerpacks_mapping_makes_everything_intent(world: Any) -> None:
    env = world([pp("a", sticky_sender=True)])
    env.write_manifest("version: 1\npowerpacks: {}\n", "base.yaml")
    env.write_manifest(manifest("a: {sticky_sender: false}", "new: {}"))
    plan = plan_json(env, "--base", "base.yaml")
    assert origins(plan) == {("a", "sticky_sender"): "intent"}
    assert {c["name"]: c.get("origin") for c in plan["changes"]} == {"a": None, "new": "intent"}


def test_an_unchanged_powerpack_is_shown_apart_from_the_drift(world: Any) -> None:
    """A Powerpack the plan leaves alone still shows its senders: under its own heading, not
    under "Drift on the live account" (the last section) as if it had drifted."""
    env = world(
        [pp("a", numbers=["14155550100"]), pp("b", sticky_sender=True)],
    )
    body = (
        'a: {numbers: ["14155550100"], tollfree: [], shortcodes: [],'
        f" number_priority: {{US: {{SMS: {DEFAULT_US_SMS}}}}}}}"
    )
    text = manifest(body, "b: {sticky_sender: false}")
    env.write_manifest(text)
    env.write_manifest(text, "base.yaml")
    result = env.invoke("plan", "--base", "base.yaml")
    assert result.code == 0, result.err
    _, drift = text_sections(result.out)
    assert "update b" in drift
    assert "no change to a" in result.out
    assert "no change to a" not in drift.split("No change:")[0], result.out
    markdown = env.invoke("plan", "--base", "base.yaml", "--format", "markdown").out
    _, md_drift = markdown_sections(markdown)
    folded, _, after = md_drift.partition("</details>")
    assert "No change to `a`" not in folded
    assert "\n### No change\n" in after and "No change to `a`" in after
