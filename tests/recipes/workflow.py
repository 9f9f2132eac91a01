"""The GitHub recipes as data (settings, steps, scripts), and one step run as GitHub runs it."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "examples" / "github"
NAMES = ("plan.yml", "apply.yml", "drift.yml")
# What the outer environment must not leak into a step: GitHub's, git's and the tool's own settings.
FOREIGN = ("GITHUB_", "RUNNER_", "GIT_", "PLIVO_", "POWERPACKS_")


def load(recipe: str) -> Any:
    return YAML(typ="safe").load((RECIPES / recipe).read_text(encoding="utf-8"))


def steps(recipe: str) -> list[dict[str, Any]]:
    """The steps of the recipe's one job."""
    (job,) = load(recipe)["jobs"].values()
    return list(job["steps"])


def step(recipe: str, name: str) -> dict[str, Any]:
    found = [s for s in steps(recipe) if s.get("name") == name]
    assert len(found) == 1, f"{recipe}: {len(found)} steps named {name!r}"
    return found[0]


def script(recipe: str, name: str) -> str:
    return str(step(recipe, name)["run"])


def pyproject_version() -> str:
    """The version in pyproject.toml (the release being made), not the imported package's."""
    with (REPO / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def source_setting(recipe: str) -> str:
    """The recipe's POWERPACKS_SOURCE: the pinned git URL that pip installs from."""
    return str(load(recipe)["env"]["POWERPACKS_SOURCE"])


def pinned_ref(recipe: str) -> str:
    return source_setting(recipe).rsplit("@", 1)[1]


def readme_rev() -> str:
    """The `rev:` of the README's pre-commit config: the release tag users pin."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (rev,) = re.findall(r"^    rev: (\S+)$", readme, re.M)
    return rev


def hooks_file_rev() -> str:
    """The `rev:` of the example config in .pre-commit-hooks.yaml's comment."""
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    (rev,) = re.findall(r"^#\s+rev: (\S+)$", text, re.M)
    return rev


def pins() -> set[str]:
    """Every release tag the docs and recipes pin (one, when they agree)."""
    return {readme_rev(), hooks_file_rev(), *(pinned_ref(recipe) for recipe in NAMES)}


@dataclass
class Step:
    code: int
    outputs: dict[str, str]
    out: str
    err: str


def run_script(
    text: str, cwd: Path, env: Mapping[str, str] | None = None, path: Iterable[Path] = ()
) -> Step:
    """Run a `run:` script under GitHub's default shell; return its exit code and $GITHUB_OUTPUT."""
    fd, output = tempfile.mkstemp(prefix="github_output.")
    os.close(fd)
    base = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    base.update(
        PATH=os.pathsep.join([*map(str, path), os.environ.get("PATH", "")]),
        NO_COLOR="1",
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=output,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    base.update(env or {})
    try:
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", text],
            cwd=cwd, env=base, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        lines = Path(output).read_text(encoding="utf-8").splitlines()
    finally:
        os.unlink(output)
    return Step(
        proc.returncode, dict(line.split("=", 1) for line in lines), proc.stdout, proc.stderr
    )


def expressions(text: str) -> list[str]:
    """The `${{ ... }}` expressions of a script (GitHub substitutes them before the shell runs)."""
    return re.findall(r"\$\{\{.*?\}\}", text)
