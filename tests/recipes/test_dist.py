"""The release files: the sdist and the wheel hold the package and its data, and nothing else.

Built offline from a copy of the working tree as a fresh clone has it (`make dist` builds the same
files isolated and runs `twine check`). The sdist is built first and the wheel from the sdist, so
the sdist is proven complete enough to build the wheel.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.recipes import gitrepo
from tests.recipes.workflow import pyproject_version

NAME = "powerpack_reconciler"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    src = gitrepo.copy_worktree(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout + proc.stderr


def package_files() -> set[str]:
    """Everything under reconciler/ that git has (code, py.typed, the sandbox's data files)."""
    return {f for f in gitrepo.worktree_files() if f.startswith("reconciler/")}


def test_the_build_has_no_deprecation_warnings(dist: tuple[Path, str]) -> None:
    _, log = dist
    warnings = [line for line in log.splitlines() if "deprecat" in line.lower()]
    assert not warnings, log  # e.g. "`project.license` as a TOML table is deprecated"


def test_the_wheel_holds_the_package_files_and_the_license(dist: tuple[Path, str]) -> None:
    out, _ = dist
    version = pyproject_version()
    wheel = out / f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"{NAME}-{version}.dist-info"
        metadata = zf.read(f"{info}/METADATA").decode()
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert {n for n in names if not n.startswith(info + "/")} == package_files()
    assert "reconciler/py.typed" in names
    assert f"{info}/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert "powerpacks = reconciler.cli:main" in entry_points


def test_the_sdist_holds_the_sources_and_nothing_of_a_work_folder(dist: tuple[Path, str]) -> None:
    out, _ = dist
    sdist = out / f"{NAME}-{pyproject_version()}.tar.gz"
    with tarfile.open(sdist) as tf:
        names = {
            str(PurePosixPath(*PurePosixPath(m.name).parts[1:]))
            for m in tf.getmembers()
            if m.isfile()
        }
    files = {n for n in names if not n.startswith(f"{NAME}.egg-info/")}
    assert package_files() | {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"} <= files
    assert not [n for n in files if n.split("/")[0] in {".venv", ".git", "build", "dist"}]
    assert not [n for n in files if "__pycache__" in n or n.endswith(".pyc")]
    # setuptools adds tests/test*.py (the top of tests/ only) to every sdist by default; leaving
    # them out takes a MANIFEST.in (`prune tests`). Nothing else of tests/ may be there.
    stray = {n for n in files if n.startswith("tests/")}
    assert all(PurePosixPath(n).parent.name == "tests" for n in stray), stray
    assert all(PurePosixPath(n).name.startswith("test") for n in stray), stray
    other = files - package_files() - stray
    assert other <= {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", "setup.cfg"}, other
