"""Shared by the recipe tests: this working tree as a tagged git repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recipes import gitrepo
from tests.recipes.workflow import pins


@pytest.fixture(scope="session")
def tagged_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working tree as a repository with the tags users pin: what they host and install."""
    repo = gitrepo.snapshot(tmp_path_factory.mktemp("hosted") / "powerpack-reconciler")
    for tag in sorted(pins()):
        gitrepo.git(repo, "tag", tag)
    return repo
