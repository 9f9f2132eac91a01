"""The renderers: text, JSON and its inverse, Markdown limits, GitHub annotations."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.models import Plan
from reconciler.core.planner import plan
from reconciler.errors import PlanFileError, ReconcilerError
from reconciler.planfile import plan_from_json
from reconciler.render import (
    github_annotations,
    render_json,
    render_markdown,
    render_text,
)
from tests.plan.helpers import ORDER_B, desired, live, live_pp, manifest


def mixed_plan(n_updates: int = 2) -> Plan:
    names = [f"pp-{i:03d}" for i in range(n_updates)]
    m = manifest(
        *(desired(n, sticky_sender=False, number_priority={"US.SMS": ORDER_B}) for n in names),
        desired("new", local_connect=False),
        prune=True,
    )
    return plan(m, live(*(live_pp(n) for n in names), live_pp("gone", uuid="u-gone")))


def test_text_without_color_has_no_escape_codes():
    text = render_text(mixed_plan())
    assert "\x1b[" not in text
    assert text.endswith(
        "Plan: 1 to create, 2 to update, 1 to delete.\n0 unchanged, 0 not managed."
    )
    assert "  - delete gone  (uuid u-gone, numbers stay rented, prune at powerpacks.yaml:2)" in text


def test_text_with_color_paints_each_kind():
    text = render_text(mixed_plan(), color=True)
    assert "\x1b[32m  + create new\x1b[0m" in text
    assert "\x1b[33m  ~ update pp-000\x1b[0m" in text
    assert "\x1b[31m  - delete gone\x1b[0m" in text


def test_text_of_an_empty_plan_names_the_manifest():
    text = render_text(Plan(), manifest_name="prod.yaml")
    assert text.splitlines()[0] == "No changes. Live account matches prod.yaml."


def test_json_has_the_design_shape():
    doc = json.loads(render_json(mixed_plan()))
    assert list(doc) == [
        "format_version",
        "tool",
        "created_at",
        "account",
        "account_sha256",
        "manifest",
        "changes",
        "summary",
        "warnings",
        "sender_impact",
        "guards",
        "protected",
    ]
    assert doc["format_version"] == 1
    assert doc["manifest"] == {"path": "powerpacks.yaml", "sha256": "0" * 64}
    change = doc["changes"][0]
    assert list(change) == [
        "action",
        "name",
        "uuid",
        "pool_uuid",
        "source",
        "fields",
        "moves",
        "requests",
        "base",
        "base_state",
    ]
    assert change["source"] == {"file": "powerpacks.yaml", "line": 10, "col": 3}
    assert doc["summary"] == {
        "create": 1,
        "update": 2,
        "delete": 1,
        "unchanged": 0,
        "not_managed": 0,
    }


def test_json_round_trips():
    p = mixed_plan().model_copy(update={"account": "MA****AB12", "account_sha256": "f" * 64})
    assert plan_from_json(render_json(p)) == p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a powerpacks plan: invalid JSON"),
        ("[]", "not a powerpacks plan: no format_version"),
        ('{"changes": []}', "not a powerpacks plan: no format_version"),
        ('{"format_version": 2}', "plan format_version 2 is not supported"),
        ('{"format_version": 1}', "not a valid powerpacks plan: account: Field required"),
    ],
)
def test_a_bad_plan_file_is_a_reconciler_error(text, message):
    with pytest.raises(PlanFileError, match=message):
        plan_from_json(text)


def test_a_plan_with_an_unknown_action_is_refused():
    doc = json.loads(render_json(mixed_plan()))
    doc["changes"][0]["action"] = "replace"
    with pytest.raises(ReconcilerError, match=r"not a valid powerpacks plan: changes\[0\]\.action"):
        plan_from_json(json.dumps(doc))


def test_annotations_warn_on_each_delete_at_the_prune_line():
    assert github_annotations(mixed_plan()) == [
        "::warning file=powerpacks.yaml,line=2,col=3,title=Powerpack deleted::Powerpack gone "
        "(uuid u-gone) will be deleted: it is not in the manifest and prune is true. "
        "Its numbers stay rented (unrent_numbers: false)."
    ]


def test_annotations_escape_what_github_would_misread():
    p = mixed_plan()
    gone = p.changes[-1]
    odd = gone.model_copy(
        update={
            "name": "100%\nsure",
            "source": gone.source.model_copy(update={"file": "conf/a,b:c.yaml"}),
        }
    )
    (line,) = github_annotations(p.model_copy(update={"changes": (odd,)}))
    assert line.startswith("::warning file=conf/a%2Cb%3Ac.yaml,line=2,")
    assert "Powerpack 100%25%0Asure (uuid" in line


def test_no_annotations_without_deletes():
    assert github_annotations(mixed_plan().model_copy(update={"changes": ()})) == []


def test_markdown_puts_the_summary_then_deletes_first():
    md = render_markdown(mixed_plan())
    lines = md.splitlines()
    assert lines[0] == "### Powerpacks plan: 1 to create, 2 to update, 1 to delete."
    assert md.index("[!CAUTION]") < md.index("#### - Delete `gone`") < md.index("#### ~ Update")
    assert (
        "| **US** | `shortcode > tollfree > longcode` → **`longcode > tollfree > shortcode`** |"
        in md
    )


def test_markdown_folds_long_plans_but_not_deletes():
    md = render_markdown(mixed_plan(12))
    assert md.count("<details>") == 13
    assert "#### - Delete `gone`" in md
    assert (
        "<summary>~ Update <code>pp-000</code>: sticky_sender, number_priority.US.SMS</summary>"
        in md
    )


def test_markdown_of_an_empty_plan():
    assert render_markdown(Plan(manifest_path="p.yaml")).startswith(
        "### No changes. Live account matches `p.yaml`."
    )


def test_markdown_quotes_odd_names():
    p = mixed_plan()
    odd = p.changes[1].model_copy(update={"name": "a`b|c"})
    md = render_markdown(p.model_copy(update={"changes": (odd,)}))
    assert "#### ~ Update `` a`b|c ``" in md


@settings(max_examples=60, deadline=None)
@given(max_chars=st.integers(min_value=300, max_value=20000))
def test_markdown_never_passes_max_chars_and_says_when_it_cut(max_chars):
    p = mixed_plan(40)
    md = render_markdown(p, max_chars=max_chars)
    full = render_markdown(p, max_chars=10**7)
    assert len(md) <= max_chars
    if len(full) > max_chars:
        assert "sections are not shown" in md
    else:
        assert md == full


def test_plan_and_render_never_import_requests():
    """DESIGN section 8: the pure core stays off the network stack."""
    import subprocess
    import sys

    code = (
        "import sys, reconciler.core.planner, reconciler.render; "
        "sys.exit('requests' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
