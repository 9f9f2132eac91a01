"""The plan recipe's comment step, its JavaScript run by node as actions/github-script runs it.

The renderer fits plan.md within GitHub's comment limit less the room this step needs for what it
wraps around the plan (the marker and the footer), so the step must post plan.md whole and its
wrapper must stay within that room: under 1,000 characters, counted as GitHub counts (JavaScript
string length, UTF-16 code units).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.recipes.workflow import step

ROOM = 1_000  # what the renderer leaves of GitHub's 65,536 for the wrapper
STEP = "Comment the plan (one comment, updated in place)"
SHA = "4f2c9e1d0b7a65f3e8c1d2b3a4f5e6d7c8b9a0f1"
# github-script calls the script as the body of an async function of these arguments.
HARNESS = r"""
const fs = require('fs');
const [script, comments] = [fs.readFileSync(process.argv[2], 'utf8'), JSON.parse(process.argv[3])];
const calls = [];
const github = {
  paginate: async (method, params) => {
    calls.push({method: 'paginate', params});
    return comments;
  },
  rest: {issues: {
    listComments: 'listComments',
    createComment: async (params) => calls.push({method: 'createComment', params}),
    updateComment: async (params) => calls.push({method: 'updateComment', params}),
  }},
};
const context = {
  repo: {owner: 'acme', repo: 'sms'},
  payload: {pull_request: {number: 42, head: {sha: process.argv[4]}}},
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, {})
  .then(() => {
    const plan = fs.readFileSync('plan.md', 'utf8');
    const posted = calls.filter(c => c.method !== 'paginate').map(c => ({
      method: c.method, params: c.params, body: c.params.body, bodyLength: c.params.body.length,
      planLength: plan.length, holdsPlan: c.params.body.includes(plan)}));
    console.log(JSON.stringify(posted));
  });
"""


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is not installed: the comment step is JavaScript; install Node.js 20")
    return found


def post(tmp_path: Path, plan: str, comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the step's script with plan.md holding `plan`; the comment calls it made."""
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "script.js").write_text(step("plan.yml", STEP)["with"]["script"], encoding="utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
    proc = subprocess.run(
        [node(), "harness.js", "script.js", json.dumps(comments), SHA],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def test_the_wrapper_around_the_plan_stays_within_the_renderers_room(tmp_path: Path) -> None:
    (created,) = post(tmp_path, "", [])
    assert created["method"] == "createComment"
    assert created["body"].startswith("<!-- powerpacks-plan -->\n")
    assert f"Plan of {SHA[:7]};" in created["body"]
    assert created["bodyLength"] < ROOM


@pytest.mark.parametrize(
    "plan",
    [
        "| a |\n" * 13_000,  # past the old cut at 65,000
        "<details>\n" + "🟢 ünïcode\n" * 6_000 + "</details>\n_3 changes not shown_\n",
    ],
    ids=["long", "astral characters"],
)
def test_the_plan_is_posted_whole(tmp_path: Path, plan: str) -> None:
    (created,) = post(tmp_path, plan, [])
    assert created["holdsPlan"]  # not cut: the renderer's own note and closing tags are there
    assert created["bodyLength"] - created["planLength"] < ROOM  # in UTF-16 code units


def test_the_bots_comment_is_edited_in_place_and_nobody_elses(tmp_path: Path) -> None:
    marker = "<!-- powerpacks-plan -->"
    comments = [
        {"id": 1, "user": {"type": "User"}, "body": f"{marker}\nquoted by a person"},
        {"id": 2, "user": {"type": "Bot"}, "body": "another bot's comment"},
        {"id": 3, "user": {"type": "Bot"}, "body": f"{marker}\nthe previous plan"},
    ]
    (updated,) = post(tmp_path, "the new plan\n", comments)
    assert updated["method"] == "updateComment"
    assert updated["params"]["comment_id"] == 3
    assert "the new plan" in updated["body"]
