"""The recipes' base-manifest steps (for `--base`), run as written in real git repositories.

An upstream repository plays GitHub; the work repository is its clone as actions/checkout leaves
it with `fetch-depth: 0` (every branch as origin/NAME, the whole history), with HEAD at the pull
request's head, at GitHub's merge commit for it, or at main after a merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recipes import gitrepo
from tests.recipes.gitrepo import commit, git
from tests.recipes.workflow import Step, expressions, run_script, script, step, steps

TARGET = "Manifest on the target branch"
BEFORE = "Manifest before the merge"
ZEROS = "0" * 40


def manifest(*names: str) -> str:
    body = "".join(f"  {n}:\n    sticky_sender: true\n" for n in names)
    return f"version: 1\npowerpacks:\n{body}"


V1, V2, V3 = manifest("a"), manifest("a", "b"), manifest("a", "b", "c")


def clone(upstream: Path, dest: Path) -> Path:
    git(upstream.parent, "clone", "-q", str(upstream), str(dest))
    return dest


def run(recipe: str, name: str, work: Path, **env: str) -> Step:
    return run_script(script(recipe, name), work, env)


def base_of(ran: Step, work: Path) -> str | None:
    """What the step left for --base: base.yaml's text, or None; checked against its output."""
    assert ran.code == 0, ran.out + ran.err
    path = work / "base.yaml"
    assert ran.outputs == {"file": "base.yaml" if path.exists() else ""}
    return path.read_text(encoding="utf-8") if path.exists() else None


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    repo = gitrepo.init(tmp_path / "upstream")
    commit(repo, "first manifest", {"powerpacks.yaml": V1, "README": "x\n"})
    return repo


def test_plan_and_drift_get_the_base_the_same_way() -> None:
    assert script("plan.yml", TARGET) == script("drift.yml", TARGET)
    for recipe, name in [("plan.yml", TARGET), ("drift.yml", TARGET), ("apply.yml", BEFORE)]:
        assert expressions(script(recipe, name)) == []  # run as written: nothing to substitute
        assert step(recipe, name)["id"] == "base"
        checkout = next(s for s in steps(recipe) if "actions/checkout" in s.get("uses", ""))
        assert checkout["with"]["fetch-depth"] == 0


def test_a_pull_request_head_gets_the_manifest_at_its_merge_base(
    tmp_path: Path, upstream: Path
) -> None:
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, "the change under review", {"powerpacks.yaml": V2})
    git(upstream, "checkout", "-q", "main")
    commit(upstream, "main moved on", {"powerpacks.yaml": V3})
    work = clone(upstream, tmp_path / "work")
    git(work, "checkout", "-q", "--detach", "origin/feature")

    ran = run("plan.yml", TARGET, work, GITHUB_BASE_REF="main", GITHUB_REF_NAME="7/merge")
    assert base_of(ran, work) == V1  # where the branch left main, not main's tip


def test_githubs_merge_commit_gets_the_target_branch_as_it_stands(
    tmp_path: Path, upstream: Path
) -> None:
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, "the change under review", {"powerpacks.yaml": V2})
    git(upstream, "checkout", "-q", "main")
    commit(upstream, "main moved on", {"README": "y\n"})
    work = clone(upstream, tmp_path / "work")
    git(work, "checkout", "-q", "--detach", "origin/main")  # refs/pull/7/merge: main + the PR
    git(work, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "origin/feature")

    ran = run("plan.yml", TARGET, work, GITHUB_BASE_REF="main", GITHUB_REF_NAME="7/merge")
    assert base_of(ran, work) == V1
    assert (work / "powerpacks.yaml").read_text() == V2  # what the plan itself reads


def test_a_target_branch_without_a_manifest_gives_no_base(tmp_path: Path) -> None:
    upstream = gitrepo.init(tmp_path / "upstream")
    commit(upstream, "a repository without powerpacks", {"README": "x\n"})
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, "the first manifest", {"powerpacks.yaml": V1})
    work = clone(upstream, tmp_path / "work")
    git(work, "checkout", "-q", "--detach", "origin/feature")

    ran = run("plan.yml", TARGET, work, GITHUB_BASE_REF="main", GITHUB_REF_NAME="7/merge")
    assert base_of(ran, work) is None
    assert "origin/main has no powerpacks.yaml" in ran.out


def test_a_target_branch_that_was_not_fetched_fails_the_job(tmp_path: Path, upstream: Path) -> None:
    work = clone(upstream, tmp_path / "work")
    ran = run("plan.yml", TARGET, work, GITHUB_BASE_REF="release", GITHUB_REF_NAME="7/merge")
    assert ran.code != 0
    assert "::error::no merge base of HEAD and origin/release" in ran.out
    assert not (work / "base.yaml").exists()


def test_the_nightly_drift_run_gets_the_branch_itself(tmp_path: Path, upstream: Path) -> None:
    commit(upstream, "second", {"powerpacks.yaml": V2})
    work = clone(upstream, tmp_path / "work")
    ran = run("drift.yml", TARGET, work, GITHUB_REF_NAME="main")  # schedule: no GITHUB_BASE_REF
    assert base_of(ran, work) == V2  # == powerpacks.yaml: every difference from live is drift


def merged(tmp_path: Path, upstream: Path, *changes: str) -> tuple[Path, str]:
    """main after a push of `changes` (one commit each) on top of it; the sha before the push."""
    before = git(upstream, "rev-parse", "main")
    for i, text in enumerate(changes):
        commit(upstream, f"change {i}", {"powerpacks.yaml": text})
    return clone(upstream, tmp_path / "work"), before


def test_apply_gets_the_manifest_before_the_push(tmp_path: Path, upstream: Path) -> None:
    work, before = merged(tmp_path, upstream, V2, V3)  # a rebase-merge: two commits at once
    ran = run("apply.yml", BEFORE, work, PUSH_BEFORE=before, GITHUB_REF_NAME="main")
    assert base_of(ran, work) == V1  # not HEAD^1's (V2)


def test_apply_without_the_events_before_takes_the_first_parent(
    tmp_path: Path, upstream: Path
) -> None:
    work, _ = merged(tmp_path, upstream, V2)
    ran = run("apply.yml", BEFORE, work, GITHUB_REF_NAME="main")
    assert base_of(ran, work) == V1


def test_apply_of_the_first_manifest_or_a_new_branch_gives_no_base(tmp_path: Path) -> None:
    upstream = gitrepo.init(tmp_path / "upstream")
    commit(upstream, "a repository without powerpacks", {"README": "x\n"})
    work, before = merged(tmp_path, upstream, V1)
    ran = run("apply.yml", BEFORE, work, PUSH_BEFORE=before, GITHUB_REF_NAME="main")
    assert base_of(ran, work) is None
    ran = run("apply.yml", BEFORE, work, PUSH_BEFORE=ZEROS, GITHUB_REF_NAME="main")
    assert base_of(ran, work) is None
    assert "This push created main" in ran.out


def test_apply_fails_when_the_commit_before_is_not_in_the_checkout(
    tmp_path: Path, upstream: Path
) -> None:
    work, _ = merged(tmp_path, upstream, V2)
    missing = "1234567890abcdef1234567890abcdef12345678"
    ran = run("apply.yml", BEFORE, work, PUSH_BEFORE=missing, GITHUB_REF_NAME="main")
    assert ran.code != 0 and f"::error::{missing}, the commit before this push" in ran.out
    assert not (work / "base.yaml").exists()
