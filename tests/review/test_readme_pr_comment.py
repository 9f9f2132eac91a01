"""The README's example of a pull request's plan comment is what the recipes post, exactly.

The story the example tells, run for real: the demo account (the sandbox's seed) after `apply`
of the repository's powerpacks.yaml (main); then someone changes the account in the console
(support's sticky sender back on, alerts' US SMS order); then a pull request gives alerts its
own sticky_sender and a long-code-first US SMS order. plan.yml's plan command runs as written
(with --base: the manifest on main), and its comment step's JavaScript (under node) wraps
plan.md into the comment it posts. The README shows that comment between two markers.

After an intended change of the renderer, the demo or the recipe, regenerate the example with
`POWERPACKS_REGEN_README=1 pytest tests/review/test_readme_pr_comment.py` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.sandbox import Sandbox, demo_state, write_state
from tests.export.test_recipes import RECIPES, command
from tests.recipes.test_plan_comment import post
from tests.support.world import Env

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
START = "<!-- readme-example: pr-comment -->\n"
END = "<!-- /readme-example -->\n"
FENCE = "```markdown\n"
HEAD_SHA = "4f2c9e1d0b7a65f3e8c1d2b3a4f5e6d7c8b9a0f1"  # the pull request's head, in the footer
REGEN = os.environ.get("POWERPACKS_REGEN_README") == "1"

# The pull request, as edits of the repository's powerpacks.yaml.
PR_EDITS = [
    (
        "    renamed_from: alerts-old   #",
        "    sticky_sender: false       # alerts go out from any number: no thread to keep\n"
        "    renamed_from: alerts-old   #",
    ),
    (
        '      US: {SMS: [tollfree, longcode, shortcode]}\n    numbers: ["16465550103"]',
        '      US: {SMS: [longcode, tollfree, shortcode]}\n    numbers: ["16465550103"]',
    ),
]


def console(env: Env, name: str, body: dict[str, Any]) -> None:
    """A change made in the Plivo console: outside git, so drift."""
    uuid = env.live()[name]["uuid"]
    url = f"{env.sb.url}/v1/Account/{env.sb.auth_id}/Powerpack/{uuid}/"
    auth = (env.sb.auth_id, env.sb.auth_token)
    requests.post(url, json=body, auth=auth, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(the comment plan.yml posts, the text plan of the same pull request)."""
    tmp_path = tmp_path_factory.mktemp("pull-request")
    state = tmp_path / "sandbox.json"
    write_state(state, demo_state())
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(REPO / "powerpacks.yaml", work / "powerpacks.yaml")
    with Sandbox(state) as sb:
        env = Env(sb=sb, cwd=work)
        main = env.invoke("apply", "--auto-approve")  # main, applied: the account converged
        assert main.code == 0, main.err
        console(env, "support", {"sticky_sender": True})
        order = {"priority1": "shortcode", "priority2": "tollfree", "priority3": "longcode"}
        us_sms = {"country_iso": "US", "service_type": "SMS", "priority": order}
        console(env, "alerts", {"number_priority": [us_sms]})
        shutil.copy(work / "powerpacks.yaml", work / "base.yaml")  # as plan.yml's git show does
        text = (work / "powerpacks.yaml").read_text()
        for old, new in PR_EDITS:
            assert text.count(old) == 1, f"powerpacks.yaml changed: {old!r} is not in it once"
            text = text.replace(old, new)
        (work / "powerpacks.yaml").write_text(text)
        planned = env.invoke(*command(RECIPES / "plan.yml", "plan", '--base "base.yaml"'))
        assert planned.code == 2, planned.err
        as_text = env.invoke("plan", "--base", "base.yaml")
        assert as_text.code == 0, as_text.err
    (tmp_path / "comment").mkdir()
    (created,) = post(tmp_path / "comment", planned.out, [])
    return created["body"], as_text.out


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "the README's example markers"
    block = text[text.index(START) + len(START) : text.index(END)]
    assert block.startswith(FENCE) and block.endswith("```\n"), "a ```markdown block"
    return block[len(FENCE) : -len("```\n")]


def write_readme_example(comment: str) -> None:
    text = README.read_text(encoding="utf-8")
    head, tail = text[: text.index(START) + len(START)], text[text.index(END) :]
    README.write_text(f"{head}{FENCE}{comment}\n```\n{tail}", encoding="utf-8")


def test_the_readmes_pr_comment_is_what_the_plan_recipe_posts(
    pull_request: tuple[str, str],
) -> None:
    comment, _ = pull_request
    if REGEN:
        write_readme_example(comment)
    assert "```" not in comment  # the README's fence holds it whole
    assert readme_example() == comment + "\n"


def test_the_example_shows_the_change_and_the_drift_apart(pull_request: tuple[str, str]) -> None:
    """What the example is there to show, asserted on the run itself."""
    comment, text = pull_request
    mine, _, drift = comment.partition("<b>Drift on the live account</b>")
    assert "### This change" in mine and "| `sticky_sender` | `true` | `false` |" in mine
    assert "_(also drifted)_" in mine  # alerts' US SMS: the PR's, and changed in the console
    assert "Update `support`" not in mine and "Update `support`" in drift
    assert drift.startswith(": 1 Powerpack(s), 1 difference(s) already there")
    assert comment.startswith("<!-- powerpacks-plan -->\n### Powerpacks plan:")
    assert comment.endswith(
        f"<sub>Plan of {HEAD_SHA[:7]}; applied on merge by powerpacks-apply.</sub>"
    )
    this_change, _, drifted = text.partition("Drift on the live account:")
    assert "update alerts" in this_change and "(also drifted)" in this_change
    assert "update support" in drifted and "support" not in this_change
