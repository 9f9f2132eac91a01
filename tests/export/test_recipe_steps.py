"""The recipes' shell steps themselves, run with bash as GitHub runs them, against the sandbox.

test_recipes.py runs each `powerpacks` command of the workflows; this runs the whole `run:` script
of each step that needs no GitHub API (`gh`), installation (`pip`) or git history (`git`: those
run in real repositories in tests/recipes/test_base_steps.py), exactly as written, under
GitHub's default shell (`bash -eo pipefail`), with `powerpacks` and `python` on PATH. So the exit
code handling (`--detailed-exitcode`: 2 is "changes", 1 fails the job), `$GITHUB_OUTPUT` and the
saved-plan check before apply are tested too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from ruamel.yaml import YAML

from reconciler.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "examples" / "github"
CHECK = "Check the plan was made from the manifest that is now on main"


def steps(recipe: str) -> dict[str, str]:
    """Step name -> `run:` script, for the steps this test runs in a plain folder."""
    workflow = YAML(typ="safe").load((RECIPES / recipe).read_text(encoding="utf-8"))
    return {
        step["name"]: step["run"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "run" in step and not any(tool in step["run"] for tool in ("gh ", "pip install", "git "))
    }


@dataclass
class Step:
    code: int
    outputs: dict[str, str]
    out: str
    err: str


@dataclass
class Runner:
    """One repository checkout (a work folder) and one account (a sandbox)."""

    sb: Sandbox
    cwd: Path
    bin: Path

    def run(self, recipe: str, name: str, **extra: str) -> Step:
        """Run one step's script as GitHub would; return its exit code and `$GITHUB_OUTPUT`."""
        output = self.cwd.parent / "github_output"
        output.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "GITHUB_"))}
        env.update(
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
            NO_COLOR="1",
            GITHUB_ACTIONS="true",
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.cwd.parent / "summary.md"),
            PLIVO_AUTH_ID=self.sb.auth_id,
            PLIVO_AUTH_TOKEN=self.sb.auth_token,
            PLIVO_API_URL=self.sb.url,
        )
        env.update(extra)
        script = steps(recipe)[name]
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.cwd, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        lines = output.read_text().splitlines()
        outputs = dict(line.split("=", 1) for line in lines)
        return Step(proc.returncode, outputs, proc.stdout, proc.stderr)


def shim(folder: Path, name: str, *argv: str) -> None:
    """An executable `name` on PATH that runs this interpreter with `argv`."""
    path = folder / name
    path.write_text(f'#!/bin/sh\nexec {" ".join(argv)} "$@"\n')
    path.chmod(0o755)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    work, bin_dir = tmp_path / "repo", tmp_path / "bin"
    work.mkdir()
    bin_dir.mkdir()
    shim(bin_dir, "powerpacks", sys.executable, "-m", "reconciler")
    shim(bin_dir, "python", sys.executable)
    shutil.copy(REPO / "powerpacks.yaml", work / "powerpacks.yaml")
    with Sandbox(tmp_path / "sandbox.json") as sb:
        yield Runner(sb, work, bin_dir)


def test_the_steps_this_test_runs() -> None:
    """Guard the guard: a renamed step must not silently drop out of the tests below."""
    assert list(steps("plan.yml")) == ["Validate (offline)", "Plan"]
    assert list(steps("apply.yml")) == [CHECK, "Apply"]
    assert list(steps("drift.yml")) == ["Plan against the live account"]


def test_pull_request_then_merge_then_night(runner: Runner) -> None:
    assert runner.run("plan.yml", "Validate (offline)").code == 0
    planned = runner.run("plan.yml", "Plan")
    assert (planned.code, planned.outputs) == (0, {"exitcode": "2"}), planned.err
    assert (runner.cwd / "plan.md").read_text().strip()  # what the comment step posts
    assert (runner.cwd / "plan.json").exists()  # what the upload step uploads

    checked = runner.run("apply.yml", CHECK)
    assert checked.code == 0, checked.err
    applied = runner.run("apply.yml", "Apply")
    assert applied.code == 0, applied.err

    night = runner.run("drift.yml", "Plan against the live account")
    assert (night.code, night.outputs) == (0, {"exitcode": "0"}), night.err  # closes the issue


def test_main_moved_on_since_the_plan(runner: Runner) -> None:
    assert runner.run("plan.yml", "Plan").outputs == {"exitcode": "2"}
    with (runner.cwd / "powerpacks.yaml").open("a") as fh:
        fh.write("  another:\n")  # a second PR merged first
    checked = runner.run("apply.yml", CHECK)
    assert checked.code == 1
    assert "::error file=powerpacks.yaml::the reviewed plan was made from another" in checked.out


def test_stale_plan_is_refused_and_the_night_sees_drift(runner: Runner) -> None:
    assert runner.run("plan.yml", "Plan").outputs == {"exitcode": "2"}
    live = {p["name"]: p for p in runner.sb.snapshot()["powerpacks"]}
    url = f"{runner.sb.url}/v1/Account/{runner.sb.auth_id}/Powerpack/{live['support']['uuid']}/"
    auth = (runner.sb.auth_id, runner.sb.auth_token)
    requests.post(url, json={"local_connect": False}, auth=auth, timeout=10).raise_for_status()

    applied = runner.run("apply.yml", "Apply")
    assert applied.code == 1 and "support" in applied.err
    night = runner.run("drift.yml", "Plan against the live account")
    assert (night.code, night.outputs) == (0, {"exitcode": "2"}), night.err  # opens the issue
    assert "support" in (runner.cwd / "drift.md").read_text()


@pytest.mark.parametrize(
    ("recipe", "name"), [("plan.yml", "Plan"), ("drift.yml", "Plan against the live account")]
)
def test_an_error_fails_the_job(runner: Runner, recipe: str, name: str) -> None:
    step = runner.run(recipe, name, PLIVO_AUTH_TOKEN="wrong")
    assert (step.code, step.outputs) == (1, {"exitcode": "1"})
    assert "Traceback" not in step.err
    (runner.cwd / "powerpacks.yaml").write_text("version: 1\npowerpacks:\n  a: {stiky: true}\n")
    step = runner.run(recipe, name)
    assert (step.code, step.outputs) == (1, {"exitcode": "1"})
    assert "::error file=powerpacks.yaml,line=3," in step.err
