"""The pre-commit hook: which files it checks, and a real pre-commit run of the README's config.

The `files` pattern is used exactly as .pre-commit-hooks.yaml holds it, with `re.search` (what
pre-commit does). The real run installs the hook from a tagged git repository of this working
tree, as a user's pre-commit does from the hosted one, offline: pip builds the hook's package
without an index and finds its dependencies in this test environment (PYTHONPATH).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.recipes import gitrepo
from tests.recipes.workflow import RECIPES, REPO

# A manifest, wherever it is and however it is suffixed.
MANIFESTS = [
    "powerpacks.yaml",
    "powerpacks.yml",
    "powerpacks-prod.yaml",
    "powerpacks.staging.yml",
    "powerpacks_eu.yaml",
    "powerpacks-planning.yaml",  # not a recipe's name, only starts like one
    "deploy/powerpacks.yaml",
    "deploy/eu/powerpacks-staging.yml",
    "examples/powerpacks-demo.yaml",
]
# CI files named like manifests, and names that only look related.
NOT_MANIFESTS = [
    ".github/workflows/powerpacks-plan.yml",  # the name the README gives the plan workflow
    ".github/workflows/powerpacks-apply.yml",
    ".github/workflows/powerpacks-drift.yml",
    ".github/workflows/powerpacks.yml",
    ".github/powerpacks.yaml",
    "services/api/.github/workflows/powerpacks-plan.yml",  # a monorepo's nested project
    ".gitea/workflows/powerpacks-plan.yml",
    ".forgejo/workflows/powerpacks.yaml",
    ".circleci/powerpacks.yml",
    "workflow-templates/powerpacks-plan.yml",  # GitHub's organisation workflow templates
    "ci/powerpacks-plan.yml",  # a recipe copied somewhere else
    "examples/github/powerpacks-apply.yaml",
    "powerpacks-drift.yml",
    "powerpacks.schema.json",
    "powerpacks.yaml.bak",
    "powerpacks.yaml/notes.txt",
    "my-powerpacks.yaml",
    "powerpacks/config.yaml",
    "other.yaml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
]


def hook() -> Any:
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (found,) = [h for h in hooks if h["id"] == "powerpacks-validate"]
    return found


def readme_config() -> Any:
    """The README's .pre-commit-config.yaml snippet, parsed."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", readme, re.S)
    return YAML(typ="safe").load(block)


def test_the_hook_runs_validate_on_the_files_it_is_given() -> None:
    found = hook()
    assert found["language"] == "python"
    assert shlex.split(found["entry"]) == ["powerpacks", "validate"]  # takes any number of files
    assert found["pass_filenames"] is True
    assert "exclude" not in found  # a user's `exclude:` would replace it: all of it is in `files`


@pytest.mark.parametrize("path", MANIFESTS)
def test_manifests_are_checked(path: str) -> None:
    assert re.search(hook()["files"], path)


@pytest.mark.parametrize("path", NOT_MANIFESTS)
def test_ci_files_and_other_names_are_not(path: str) -> None:
    assert not re.search(hook()["files"], path)


def test_the_readme_names_this_hook() -> None:
    (repo,) = readme_config()["repos"]
    assert [h["id"] for h in repo["hooks"]] == ["powerpacks-validate"]


def run(cwd: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_commit_checks_its_manifests_and_not_the_workflows(
    tmp_path: Path, tagged_repo: Path
) -> None:
    """pre-commit installed in a repository, with the README's config: real commits."""
    work = gitrepo.init(tmp_path / "work")
    config = readme_config()
    config["repos"][0]["repo"] = str(tagged_repo)  # instead of https://<host>/<owner>/...
    with (work / ".pre-commit-config.yaml").open("w") as fh:
        YAML().dump(config, fh)
    manifest = (REPO / "powerpacks.yaml").read_text(encoding="utf-8")
    site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {
        **gitrepo.ENV,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # sic: pip reads "0" here as "don't isolate"
        "PYTHONPATH": os.pathsep.join(sorted(site)),
    }
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit, "pre-commit is not installed: it is in the test extra (make venv)"
    installed = run(work, env, pre_commit, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    gitrepo.git(work, "add", ".pre-commit-config.yaml")
    files = {
        "powerpacks.yaml": manifest,
        "deploy/powerpacks-eu.yml": manifest,
        ".github/workflows/powerpacks-plan.yml": (RECIPES / "plan.yml").read_text(),
        "workflow-templates/powerpacks-drift.yml": (RECIPES / "drift.yml").read_text(),
    }
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")
        gitrepo.git(work, "add", name)
    checked = run(work, env, pre_commit, "run", "--verbose")  # what `git commit` runs
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "powerpacks.yaml: valid:" in checked.stdout
    assert "deploy/powerpacks-eu.yml: valid:" in checked.stdout
    assert "workflow" not in checked.stdout
    committed = run(work, env, "git", "commit", "-q", "-m", "manifests and workflows")
    assert committed.returncode == 0, committed.stdout + committed.stderr

    bad = "version: 1\npowerpacks:\n  a: {stiky_sender: true}\n"
    (work / "deploy" / "powerpacks-eu.yml").write_text(bad, encoding="utf-8")
    gitrepo.git(work, "add", "deploy/powerpacks-eu.yml")
    refused = run(work, env, "git", "commit", "-q", "-m", "a typo")
    assert refused.returncode == 1
    assert "deploy/powerpacks-eu.yml:3:" in refused.stdout + refused.stderr
    assert gitrepo.git(work, "log", "--format=%s") == "manifests and workflows"
