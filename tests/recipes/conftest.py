"""Shared by the recipe tests: this working tree as a tagged git repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.recipes import gitrepo
from tests.recipes.workflow import REPO


def readme_rev() -> str:
    """The `rev:` of the README's pre-commit config: the release tag users pin."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (rev,) = re.findall(r"^    rev: (\S+)$", readme, re.M)
    return rev


@pytest.fixture(scope="session")
def tagged_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working tree as a repository tagged with the release tag users pin (what they host)."""
    return gitrepo.snapshot(
        tmp_path_factory.mktemp("hosted") / "powerpack-reconciler", readme_rev()
    )
