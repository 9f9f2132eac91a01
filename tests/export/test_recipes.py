"""The GitHub recipes: their `powerpacks` commands run against the sandbox (hook: tests/recipes).

`workflow_commands(path)` pulls each `powerpacks ...` command line out of a workflow's `run:` steps,
so the recipes are tested as written and can't rot.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from ruamel.yaml import YAML

from reconciler.sandbox import Sandbox
from tests.support.world import Env

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "examples" / "github"
SHELL_OPERATORS = {">", ">>", "<", "|", "||", "&&", ";", "&", "2>", "2>&1"}


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def run_scripts(workflow: Any) -> list[str]:
    """Every `run:` script of every job, in file order."""
    return [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


BASE_ARGS = '${BASE_MANIFEST:+--base "$BASE_MANIFEST"}'  # the recipes' optional --base


def workflow_commands(path: str | Path, base: str = "") -> list[list[str]]:
    """Each `powerpacks ...` command of a workflow, as argv, cut before redirections and pipes;
    the optional `--base` as it expands with BASE_MANIFEST set to `base` (or unset)."""
    commands = []
    for script in run_scripts(load_yaml(Path(path))):
        script = script.replace(BASE_ARGS, base)
        for line in script.replace("\\\n", " ").splitlines():
            if not line.strip().startswith("powerpacks "):
                continue
            argv = []
            for token in shlex.split(line):
                if token in SHELL_OPERATORS or re.match(r"^\d?>", token):
                    break
                argv.append(token)
            commands.append(argv)
    return commands


def command(path: Path, verb: str, base: str = "") -> list[str]:
    found = [c for c in workflow_commands(path, base) if c[1] == verb]
    assert len(found) == 1, found
    return found[0][1:]


def test_each_recipe_is_a_workflow_with_its_commands() -> None:
    assert workflow_commands(RECIPES / "plan.yml") == [
        ["powerpacks", "validate", "-f", "powerpacks.yaml"],
        [
            "powerpacks",
            "plan",
            "-f",
            "powerpacks.yaml",
            "--format",
            "markdown",
            "--out",
            "plan.json",
            "--detailed-exitcode",
        ],
    ]
    assert workflow_commands(RECIPES / "apply.yml") == [
        ["powerpacks", "apply", "-f", "powerpacks.yaml", "--plan", "plan.json", "--auto-approve"]
    ]
    with_base = workflow_commands(RECIPES / "apply.yml", '--base "base.yaml"')
    assert with_base[0][-3:] == ["--base", "base.yaml", "--auto-approve"]
    for recipe in ("plan.yml", "drift.yml"):
        planned = [
            c for c in workflow_commands(RECIPES / recipe, "--base base.yaml") if c[1] == "plan"
        ]
        assert planned[0][2:6] == ["-f", "powerpacks.yaml", "--base", "base.yaml"]
    assert workflow_commands(RECIPES / "drift.yml") == [
        [
            "powerpacks",
            "plan",
            "-f",
            "powerpacks.yaml",
            "--format",
            "markdown",
            "--detailed-exitcode",
        ]
    ]


def test_recipes_use_the_secrets_and_the_right_triggers() -> None:
    plan, apply, drift = (load_yaml(RECIPES / f"{n}.yml") for n in ("plan", "apply", "drift"))
    # YAML 1.1 loaders read the key `on` as True; ruamel's safe loader keeps "on".
    assert "pull_request" in plan["on"] and apply["on"]["push"]["branches"] == ["main"]
    assert "schedule" in drift["on"]
    for workflow in (plan, apply, drift):
        env = next(iter(workflow["jobs"].values()))["env"]
        assert env["PLIVO_AUTH_ID"] == "${{ secrets.PLIVO_AUTH_ID }}"
        assert env["PLIVO_AUTH_TOKEN"] == "${{ secrets.PLIVO_AUTH_TOKEN }}"
    script = next(
        s["with"]["script"]
        for s in plan["jobs"]["plan"]["steps"]
        if "with" in s and "script" in s["with"]
    )
    assert "<!-- powerpacks-plan -->" in script and "updateComment" in script
    uploads = [s for s in plan["jobs"]["plan"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "plan.json"
    assert "gh run download" in "\n".join(run_scripts(apply))
    assert "gh issue create" in "\n".join(run_scripts(drift))


@pytest.fixture
def env(tmp_path: Path) -> Any:
    """The demo account in a sandbox, and the repository's example manifest in a work folder."""
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(REPO / "powerpacks.yaml", work / "powerpacks.yaml")
    with Sandbox(tmp_path / "sandbox.json") as sb:
        yield Env(sb=sb, cwd=work)


def actions_env(env: Env) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(env.cwd / "summary.md")}


def test_recipes_run_in_order_against_the_sandbox(env: Env) -> None:
    """PR: validate + plan (changes: exit 2); merge: apply the saved plan; night: no drift."""
    gh = actions_env(env)
    assert env.invoke(*command(RECIPES / "plan.yml", "validate"), env=gh).code == 0
    planned = env.invoke(*command(RECIPES / "plan.yml", "plan"), env=gh)
    assert planned.code == 2, planned.err
    assert "|" in planned.out  # the Markdown plan, as the PR comment gets it
    assert (env.cwd / "summary.md").read_text().strip()
    saved = json.loads((env.cwd / "plan.json").read_text())
    manifest_sha = hashlib.sha256((env.cwd / "powerpacks.yaml").read_bytes()).hexdigest()
    assert saved["manifest"]["sha256"] == manifest_sha  # what apply.yml checks with sha256sum

    applied = env.invoke(*command(RECIPES / "apply.yml", "apply"), env=gh)
    assert applied.code == 0, applied.err

    drift = env.invoke(*command(RECIPES / "drift.yml", "plan"), env=gh)
    assert drift.code == 0, drift.out + drift.err


def test_apply_recipe_refuses_a_stale_plan_and_drift_recipe_sees_it(env: Env) -> None:
    assert env.invoke(*command(RECIPES / "plan.yml", "plan")).code == 2
    live = {p["name"]: p for p in env.sb.snapshot()["powerpacks"]}
    uuid = live["support"]["uuid"]  # the plan updates it; someone changes it meanwhile
    url = f"{env.sb.url}/v1/Account/{env.sb.auth_id}/Powerpack/{uuid}/"
    auth = (env.sb.auth_id, env.sb.auth_token)
    requests.post(url, json={"local_connect": False}, auth=auth, timeout=10).raise_for_status()

    refused = env.invoke(*command(RECIPES / "apply.yml", "apply"))
    assert refused.code == 1
    assert "support" in refused.err and "Traceback" not in refused.err
    assert env.invoke(*command(RECIPES / "drift.yml", "plan")).code == 2


def test_with_a_base_the_pr_comment_shows_the_change_and_the_drift_apart(env: Env) -> None:
    """The target branch's manifest as BASE: what the PR changes vs what drifted live."""
    manifest = (env.cwd / "powerpacks.yaml").read_text()
    (env.cwd / "base.yaml").write_text(manifest)  # the PR changes nothing: all of it is drift
    planned = env.invoke(*command(RECIPES / "plan.yml", "plan", "--base base.yaml"))
    assert planned.code == 2, planned.err
    assert "Drift on the live account" in planned.out and "### This change" not in planned.out
    saved = json.loads((env.cwd / "plan.json").read_text())
    assert {f["origin"] for c in saved["changes"] for f in c["fields"]} == {"drift"}
    applied = env.invoke(*command(RECIPES / "apply.yml", "apply", "--base base.yaml"))
    assert applied.code == 0, applied.err
