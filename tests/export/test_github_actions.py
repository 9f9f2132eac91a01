"""GitHub Actions awareness end to end: the CLI (in process), the sandbox over loopback.

With GITHUB_ACTIONS=true, `plan` appends its Markdown plan to $GITHUB_STEP_SUMMARY and puts a
`::warning` on the `prune` line for each delete; `validate` (and any command reading a bad manifest)
puts an `::error` on the line and column of each problem. Without it, none of that happens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.accounts import APPS, pp
from tests.support.world import Env

MANIFEST = """\
# pools of the test account
version: 1

prune: true   # delete what isn't listed
powerpacks:
  kept:
    sticky_sender: false
"""
PRUNE_LINE = 4


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    """Three live Powerpacks; the manifest keeps one (and changes it), so two are deleted."""
    state = build_state(
        powerpacks=[pp("kept"), pp("old-a"), pp("old-b")], applications=APPS, seed=3
    )
    write_state(tmp_path / "sandbox.json", state)
    work = tmp_path / "work"
    work.mkdir()
    (work / "powerpacks.yaml").write_text(MANIFEST)
    with Sandbox(tmp_path / "sandbox.json") as sb:
        yield Env(sb, work)


def actions(env: Env) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(env.cwd / "summary.md")}


def workflow_commands(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("::")]


def test_plan_appends_the_markdown_plan_to_the_step_summary(env: Env) -> None:
    (env.cwd / "summary.md").write_text("# earlier step\n")
    markdown = env.invoke("plan", "--format", "markdown")  # outside Actions: the same renderer
    assert markdown.code == 0 and workflow_commands(markdown.err) == []
    planned = env.invoke("plan", "--detailed-exitcode", env=actions(env))
    assert planned.code == 2, planned.err
    assert "Plan: 0 to create, 1 to update, 2 to delete." in planned.out  # stdout stays text
    summary = (env.cwd / "summary.md").read_text()
    assert summary == "# earlier step\n" + markdown.out  # appended, never overwritten
    assert "old-a" in summary and "kept" in summary


def test_each_delete_is_a_warning_on_the_prune_line(env: Env) -> None:
    planned = env.invoke("plan", env=actions(env))
    warnings = workflow_commands(planned.err)
    assert len(warnings) == 2, planned.err  # the update of `kept` is not destructive
    for name, line in zip(["old-a", "old-b"], warnings, strict=True):
        assert line.startswith(f"::warning file=powerpacks.yaml,line={PRUNE_LINE},col=")
        assert re.search(rf"::Powerpack {name} \(uuid [0-9a-f-]+\) will be deleted", line)
    assert MANIFEST.splitlines()[PRUNE_LINE - 1].startswith("prune: true")


def test_no_annotations_or_summary_outside_actions(env: Env) -> None:
    planned = env.invoke("plan", env={"GITHUB_STEP_SUMMARY": str(env.cwd / "summary.md")})
    assert planned.code == 0 and workflow_commands(planned.err) == []
    assert not (env.cwd / "summary.md").exists()


BAD = """\
version: 1
powerpacks:
  a: {stiky_sender: true}
  b:
    local_connect: "yes"
"""


def test_validate_errors_are_annotations_on_their_line_and_column(env: Env) -> None:
    env.write_manifest(BAD, "powerpacks-bad.yaml")
    plain = env.invoke_plain("validate", "powerpacks-bad.yaml")
    located = [line for line in plain.err.splitlines() if line.startswith("powerpacks-bad.yaml:")]
    assert plain.code == 1 and len(located) == 2 and workflow_commands(plain.err) == []

    checked = env.invoke_plain("validate", "powerpacks-bad.yaml", env={"GITHUB_ACTIONS": "true"})
    assert checked.code == 1
    errors = workflow_commands(checked.err)
    assert len(errors) == len(located)  # one annotation per problem, at the same place
    for problem, annotation in zip(located, errors, strict=True):
        _, line, col, message = problem.split(":", 3)
        assert annotation.startswith(f"::error file=powerpacks-bad.yaml,line={line},col={col},")
        assert annotation.endswith("::" + message.strip())


def test_a_file_name_with_a_comma_stays_one_property(env: Env) -> None:
    env.write_manifest(BAD, "powerpacks,a:b.yaml")
    checked = env.invoke_plain("validate", "powerpacks,a:b.yaml", env={"GITHUB_ACTIONS": "true"})
    errors = workflow_commands(checked.err)
    assert errors and all(
        e.startswith("::error file=powerpacks%2Ca%3Ab.yaml,line=") for e in errors
    )
