"""The recipes' install step: only from the pinned git URL in POWERPACKS_SOURCE, never by bare name.

`powerpack-reconciler` is not on PyPI: `pip install powerpack-reconciler` fails, or installs
someone else's package into a job that holds the Plivo token. The step's script is run as written:
against a fake `python` to see what it would install (or that it refuses), and for real, from a
tagged git repository of this working tree into a throwaway venv. That install is offline: pip has
no index and builds without isolation, and the venv sees this environment's packages through a .pth
file, so the dependencies are already there; what is real is git, the tag, the build and the
script's own checks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.recipes.workflow import (
    NAMES,
    RECIPES,
    REPO,
    load,
    pinned_ref,
    run_script,
    script,
    source_setting,
    steps,
)

INSTALL = "Install powerpacks"
SHA = "0123456789abcdef0123456789abcdef01234567"
PIP_LINE = 'python -m pip install "powerpack-reconciler @ ${POWERPACKS_SOURCE}"'


def fake_python(folder: Path) -> Path:
    """A `python` on PATH that records its arguments, one per line, instead of running."""
    folder.mkdir(exist_ok=True)
    log = folder / "argv"
    (folder / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    (folder / "python").chmod(0o755)
    return log


@pytest.mark.parametrize("recipe", NAMES)
def test_each_recipe_installs_the_same_way_before_it_runs_powerpacks(recipe: str) -> None:
    assert script(recipe, INSTALL) == script("plan.yml", INSTALL)
    assert source_setting(recipe) == source_setting("plan.yml")
    names = [s.get("name") for s in steps(recipe)]
    first_use = min(i for i, s in enumerate(steps(recipe)) if "powerpacks " in s.get("run", ""))
    assert names.index(INSTALL) < first_use


@pytest.mark.parametrize("recipe", NAMES)
def test_the_source_is_one_setting_at_the_top_pinned_to_a_tag(recipe: str) -> None:
    text = (RECIPES / recipe).read_text(encoding="utf-8")
    assert list(load(recipe))[:2] == ["name", "env"]  # the first thing after the name
    assert text.count("POWERPACKS_SOURCE:") == 1  # set in one place only
    assert re.fullmatch(r"git\+https://<host>/<owner>/powerpack-reconciler@v\d+\.\d+\.\d+",
                        source_setting(recipe))  # fmt: skip


def test_nothing_is_installed_by_bare_name() -> None:
    """Every pip install of every recipe is the pinned one, and so are the docs."""
    for recipe in NAMES:
        for step in steps(recipe):
            for line in step.get("run", "").splitlines():
                if re.search(r"\bpip3?\b.*\binstall\b", line):
                    assert line.strip() == PIP_LINE, f"{recipe}: {line.strip()}"
    for path in [*RECIPES.glob("*.yml"), REPO / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip3? install\s+['\"]?powerpack-reconciler(?!\s*@)", text), path


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(None, id="the recipe's placeholder"),
        pytest.param("", id="empty"),
        pytest.param("powerpack-reconciler", id="bare name"),
        pytest.param("git+https://example.test/acme/powerpack-reconciler", id="no ref"),
        pytest.param("git+https://example.test/acme/powerpack-reconciler@main", id="a branch"),
        pytest.param("git+https://example.test/acme/powerpack-reconciler@v0.2", id="not vX.Y.Z"),
        pytest.param("git+https://example.test/acme/powerpack-reconciler@0123abc", id="short sha"),
        pytest.param("git+https://example.test/a/powerpack-reconciler@v0.2.0 x", id="trailing"),
    ],
)
def test_an_unset_or_unpinned_source_fails_and_installs_nothing(
    tmp_path: Path, source: str | None
) -> None:
    log = fake_python(tmp_path / "bin")
    value = source_setting("plan.yml") if source is None else source
    ran = run_script(
        script("plan.yml", INSTALL), tmp_path, {"POWERPACKS_SOURCE": value}, [tmp_path / "bin"]
    )
    assert ran.code == 1
    assert ran.out.startswith("::error::") and "POWERPACKS_SOURCE" in ran.out
    assert not log.exists()  # pip never ran


@pytest.mark.parametrize(
    "source",
    [
        "git+https://example.test/acme/powerpack-reconciler@v0.2.0",
        f"git+https://example.test/acme/powerpack-reconciler@{SHA}",
        "git+ssh://git@example.test/acme/powerpack-reconciler@v1.10.3",
    ],
)
def test_a_pinned_source_is_what_pip_installs(tmp_path: Path, source: str) -> None:
    log = fake_python(tmp_path / "bin")
    ran = run_script(
        script("plan.yml", INSTALL), tmp_path, {"POWERPACKS_SOURCE": source}, [tmp_path / "bin"]
    )
    assert ran.code == 0, ran.out + ran.err
    argv = log.read_text().splitlines()
    assert argv == ["-m", "pip", "install", f"powerpack-reconciler @ {source}"]


def python(bin_dir: Path, code: str) -> str:
    """What the venv's python prints for `code`, run outside this checkout (it would shadow)."""
    proc = subprocess.run(
        [str(bin_dir / "python"), "-c", code], cwd=bin_dir, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_step_installs_the_tagged_release_for_real(tmp_path: Path, tagged_repo: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / "bin"
    own_site = python(bin_dir, "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    (Path(own_site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    ref = pinned_ref("plan.yml")
    source = f"git+{tagged_repo.as_uri()}@{ref}"
    # PIP_NO_BUILD_ISOLATION=0 is pip's (inverted) way of saying "build without isolation".
    env = {"POWERPACKS_SOURCE": source, "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    ran = run_script(script("plan.yml", INSTALL), tmp_path, env, [bin_dir])
    assert ran.code == 0, ran.out + ran.err

    where = python(bin_dir, "import reconciler; print(reconciler.__file__)")
    assert where.startswith(own_site)  # the installed copy, not this checkout
    (record,) = Path(own_site).glob("powerpack_reconciler-*.dist-info/direct_url.json")
    vcs = json.loads(record.read_text())["vcs_info"]
    tag_commit = subprocess.run(
        ["git", "rev-parse", f"{ref}^{{commit}}"], cwd=tagged_repo, capture_output=True,
        text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert (vcs["requested_revision"], vcs["commit_id"]) == (ref, tag_commit)
    validated = subprocess.run(
        [str(bin_dir / "powerpacks"), "validate", "-f", str(REPO / "powerpacks.yaml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert validated.returncode == 0, validated.stderr
