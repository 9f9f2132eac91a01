"""Saved plans: `show` renders one with no call; the file records the tool and when it was made;
`apply --plan` says how old it is, refuses a tampered file as `show` does, and reports changes
already applied (`apply: <action> <name>: already applied`) while applying the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from reconciler import __version__
from tests.support.accounts import manifest, pp
from tests.support.cli import Run, no_traceback
from tests.support.servers import closed_port_url
from tests.support.world import Env

TEXT = manifest(
    "a: {sticky_sender: false}",
    "b: {local_connect: false, number_priority: {US: {SMS: [longcode, tollfree, shortcode]}}}",
    "c: {}",
    "new: {sticky_sender: false}",
    head="prune: true",
)


def saved_world(world: Any) -> Env:
    """An account and a plan of an update of a and b, a create (new) and a delete (gone)."""
    env = world([pp("a"), pp("b"), pp("c"), pp("gone")])
    env.write_manifest(TEXT)
    return env


def offline(env: Env, *args: str) -> Run:
    """The CLI with no credentials and the API URL on a closed port: any call would fail."""
    return env.invoke_plain(*args, env={"PLIVO_API_URL": closed_port_url()})


def save(env: Env, fmt: str = "text", path: str = "plan.json") -> Run:
    result = env.invoke("plan", "--format", fmt, "--out", path)
    assert result.code == 0, result.err
    return result


def edit(env: Env, change: Any, path: str = "plan.json") -> None:
    doc = json.loads((env.cwd / path).read_text())
    change(doc)
    (env.cwd / path).write_text(json.dumps(doc, indent=2))


# --- show ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_show_renders_the_saved_plan_as_plan_did_with_no_call(world: Any, fmt: str) -> None:
    env = saved_world(world)
    planned = save(env, fmt)
    env.sb.clear_journal()
    shown = offline(env, "show", "plan.json", "--format", fmt)
    assert shown.code == 0, shown.err
    assert shown.out == planned.out
    assert env.sb.journal() == []


def test_show_json_is_the_saved_file(world: Any) -> None:
    env = saved_world(world)
    save(env)
    shown = offline(env, "show", "plan.json", "--format", "json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out) == json.loads((env.cwd / "plan.json").read_text())
    assert offline(env, "show", "plan.json").code == 0  # text is the default


def test_show_says_when_and_by_what_the_plan_was_made(world: Any) -> None:
    env = saved_world(world)
    save(env)
    shown = offline(env, "show", "plan.json")
    doc = json.loads((env.cwd / "plan.json").read_text())
    assert f"({doc['created_at']}) by powerpacks {__version__}" in shown.err
    assert re.search(r"^show: plan\.json: made \d+ min \d+ s ago", shown.err, re.M), shown.err


def test_show_of_a_plan_made_with_no_time_says_so(world: Any) -> None:
    env = saved_world(world)
    save(env)
    edit(env, lambda d: (d.pop("created_at"), d.pop("tool")))
    shown = offline(env, "show", "plan.json")
    assert shown.code == 0, shown.err
    assert "made at an unknown time" in shown.err


def test_show_needs_no_manifest_and_no_credentials(world: Any) -> None:
    env = saved_world(world)
    save(env)
    (env.cwd / "powerpacks.yaml").unlink()
    shown = env.run_plain("show", "plan.json", "--format", "markdown")  # a real process
    assert shown.code == 0, shown.err
    assert "### Powerpacks plan: 1 to create, 2 to update, 1 to delete." in shown.out


def test_show_of_a_missing_or_non_plan_file_names_it(world: Any) -> None:
    env = saved_world(world)
    (env.cwd / "notes.json").write_text('{"hello": 1}')
    (env.cwd / "broken.json").write_text("{")
    for name in ("no-such-plan.json", "notes.json", "broken.json"):
        result = offline(env, "show", name)
        assert result.code == 1, name
        no_traceback(result)
        assert name in result.err and result.out == ""


# --- what the plan file records -----------------------------------------------------------------


def test_the_plan_records_the_tool_the_time_and_the_manifest(world: Any) -> None:
    env = saved_world(world)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    save(env)
    after = datetime.now(timezone.utc)
    doc = json.loads((env.cwd / "plan.json").read_text())
    assert doc["format_version"] == 1
    assert doc["tool"] == {"name": "powerpacks", "version": __version__}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", doc["created_at"])
    made = datetime.fromisoformat(doc["created_at"])
    assert made.utcoffset() == timedelta(0) and before <= made <= after
    sha = hashlib.sha256((env.cwd / "powerpacks.yaml").read_bytes()).hexdigest()
    assert doc["manifest"] == {"path": "powerpacks.yaml", "sha256": sha}
    keys = list(doc)
    assert keys.index("tool") < keys.index("manifest") and "created_at" in keys


def test_apply_plan_says_how_old_the_plan_is(world: Any) -> None:
    env = saved_world(world)
    save(env)
    made = (datetime.now(timezone.utc) - timedelta(hours=2, minutes=5)).replace(microsecond=0)
    edit(env, lambda d: d.update(created_at=made.isoformat()))
    result = env.invoke("apply", "--plan", "plan.json", "--dry-run")
    assert result.code == 0, result.err
    assert re.search(
        rf"^apply: plan\.json: made 2 h \d+ min ago \({re.escape(made.isoformat())}\) "
        rf"by powerpacks {re.escape(__version__)}$",
        result.err,
        re.M,
    ), result.err


# --- a tampered plan: show refuses it as apply --plan does --------------------------------------


def _first_update(d: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in d["changes"] if c["action"] == "update")


def _delete(d: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in d["changes"] if c["action"] == "delete")


TAMPERS = {
    "a body key added": lambda d: _first_update(d)["requests"][0]["body"].update(
        local_connect=False
    ),
    "a path to another uuid": lambda d: _first_update(d)["requests"][0].update(
        path=_delete(d)["requests"][0]["path"]
    ),
    "a delete that unrents": lambda d: _delete(d)["requests"][0]["body"].update(
        unrent_numbers=True
    ),
    "an update turned into a delete": lambda d: _first_update(d).update(action="delete"),
    "an unknown key": lambda d: d.update(surprise=True),
    "a base that is not its state's": lambda d: _first_update(d)["base_state"].update(
        sticky_sender=False
    ),
    "a summary that does not count": lambda d: d["summary"].update(update=9),
    "another tool": lambda d: d["tool"].update(name="terraform"),
    "another format": lambda d: d.update(format_version=2),
    "an extra request": lambda d: _first_update(d)["requests"].append(
        _first_update(d)["requests"][0]
    ),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_a_tampered_plan_is_refused_by_show_as_by_apply(world: Any, tamper: str) -> None:
    env = saved_world(world)
    save(env)
    edit(env, TAMPERS[tamper])
    shown = offline(env, "show", "plan.json")
    assert shown.code == 1, tamper
    no_traceback(shown)
    assert shown.out == ""
    env.sb.clear_journal()
    applied = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert applied.code == 1, tamper
    assert env.sb.journal() == [], "a tampered plan was acted on"
    reason = [line for line in shown.err.splitlines() if "plan.json" in line]
    assert reason and reason[0] in applied.err, (shown.err, applied.err)


# --- already applied ----------------------------------------------------------------------------


def test_a_saved_plan_applied_twice_reports_every_change_already_applied(world: Any) -> None:
    env = saved_world(world)
    save(env)
    first = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert first.code == 0, first.err
    env.sb.clear_journal()
    again = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert again.code == 0, again.err
    assert env.writes() == []
    for line in (
        "apply: update a: already applied",
        "apply: update b: already applied",
        "apply: create new: already applied",
        "apply: delete gone: already applied",
    ):
        assert line in again.err.splitlines(), again.err
    assert "4 already applied" in again.err


def test_the_changes_already_applied_are_skipped_and_the_rest_applied(world: Any) -> None:
    """A crash after some writes: re-running the saved plan sends only what is left."""
    env = saved_world(world)
    save(env)
    partial = manifest(
        "a: {sticky_sender: false}",
        "b: {}",
        "c: {}",
        "new: {sticky_sender: false}",
        "gone: {}",
    )
    env.write_manifest(partial, "partial.yaml")  # the update of a and the create, applied
    assert env.invoke("apply", "-f", "partial.yaml", "--auto-approve").code == 0
    env.sb.clear_journal()
    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert "apply: update a: already applied" in lines
    assert "apply: create new: already applied" in lines
    assert not any("already applied" in line and (" b" in line or "gone" in line)
                   for line in lines)  # fmt: skip
    written = {(w["method"], w["path"].split("/")[-2]) for w in env.writes()}
    live = env.live()
    assert len(written) == 2 and "gone" not in live
    assert live["b"]["local_connect"] is False
    assert env.invoke("plan", "--detailed-exitcode").code == 0


def test_a_change_moved_elsewhere_since_the_plan_is_still_refused_as_stale(world: Any) -> None:
    """Neither its base nor its after state: already-applied does not excuse it."""
    env = saved_world(world)
    save(env)
    env.write_manifest(manifest("a: {sticky_sender: false, local_connect: false}"), "other.yaml")
    assert env.invoke("apply", "-f", "other.yaml", "--auto-approve").code == 0
    env.sb.clear_journal()
    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert result.code == 1
    assert "a" in result.err and "local_connect" in result.err
    assert env.writes() == []
