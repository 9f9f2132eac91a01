"""`powerpacks validate` with several files, as the pre-commit hook calls it.

Every file is checked, every problem of every file reported (on stderr, located), each valid file
named on stdout, exit 1 if any file has a problem. `-f FILE` still works, and no file at all means
powerpacks.yaml.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from ruamel.yaml import YAML

from tests.support.cli import Run, invoke

REPO = Path(__file__).resolve().parents[2]
GOOD = "version: 1\npowerpacks:\n  a: {sticky_sender: true}\n  b:\n"
BAD_1 = "version: 1\npowerpacks:\n  a: {stiky_sender: true}\n"
BAD_2 = "version: 1\npowerpacks:\n  a: {local_connect: 1, sticky_sender: x}\n"


def run(cwd: Path, *args: str) -> Run:
    """The CLI in this process, in `cwd`, without PLIVO_*/GITHUB_* (validate makes no call)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "GITHUB_"))}
    return invoke(cwd, env, *args, timeout=60)


def write(folder: Path, **files: str) -> None:
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)


def test_several_valid_files(tmp_path: Path) -> None:
    write(tmp_path, powerpacks=GOOD, other=GOOD)
    r = run(tmp_path, "validate", "powerpacks.yaml", "other.yaml")
    assert (r.code, r.err) == (0, "")
    assert r.out.splitlines() == [
        "powerpacks.yaml: valid: 2 Powerpacks, prune off",
        "other.yaml: valid: 2 Powerpacks, prune off",
    ]


def test_every_problem_of_every_file_then_exit_1(tmp_path: Path) -> None:
    write(tmp_path, one=BAD_1, good=GOOD, two=BAD_2)
    r = run(tmp_path, "validate", "one.yaml", "good.yaml", "two.yaml", "missing.yaml")
    assert r.code == 1
    assert r.out == "good.yaml: valid: 2 Powerpacks, prune off\n"  # the good one still checked
    lines = r.err.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "missing.yaml",
        "one.yaml",
        "two.yaml",
        "two.yaml",
    ]
    assert lines[0].startswith("missing.yaml:1:1: cannot read the file")
    assert re.match(r"one\.yaml:3:\d+: powerpacks\.a\.stiky_sender: unknown key", lines[1])
    assert lines[-1] == "Error: 4 problems in 3 manifests"
    assert "Traceback" not in r.err


def test_dash_f_still_works_alone_and_with_more_files(tmp_path: Path) -> None:
    write(tmp_path, a=GOOD, b=BAD_1)
    assert (
        run(tmp_path, "validate", "-f", "a.yaml").out == "a.yaml: valid: 2 Powerpacks, prune off\n"
    )
    r = run(tmp_path, "validate", "-f", "a.yaml", "b.yaml")  # the hook's former `validate -f`
    assert r.code == 1 and r.out.startswith("a.yaml: valid")
    assert r.err.startswith("b.yaml:3:") and r.err.endswith("Error: 1 problem in the manifest\n")
    r = run(tmp_path, "validate", "-f", "a.yaml", "a.yaml")  # a file given twice is checked once
    assert r.out.count("a.yaml: valid") == 1


def test_no_file_means_powerpacks_yaml(tmp_path: Path) -> None:
    write(tmp_path, powerpacks=BAD_2)
    r = run(tmp_path, "validate")
    assert r.code == 1 and r.err.startswith("powerpacks.yaml:3:")


def test_pre_commit_runs_the_hook_on_every_staged_manifest(tmp_path: Path) -> None:
    """pre-commit runs `entry` + the staged files matching `files`, all in one call here."""
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "powerpacks-validate")
    assert hook["pass_filenames"] is True
    entry = shlex.split(hook["entry"])
    assert entry == ["powerpacks", "validate"]
    (tmp_path / "deploy").mkdir()
    write(tmp_path, powerpacks=GOOD, other=BAD_1)
    write(tmp_path / "deploy", **{"powerpacks-prod": GOOD})
    staged = ["powerpacks.yaml", "other.yaml", "deploy/powerpacks-prod.yaml", "README.md"]
    files = [f for f in staged if re.search(hook["files"], f)]
    assert files == ["powerpacks.yaml", "deploy/powerpacks-prod.yaml"]
    assert run(tmp_path, *entry[1:], *files).code == 0
    r = run(tmp_path, *entry[1:], *files, "other.yaml")  # a bad file in the commit fails it
    assert r.code == 1 and r.err.startswith("other.yaml:3:")
