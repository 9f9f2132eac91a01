"""The release tag users pin is one tag: the tag of the version pyproject.toml releases.

Pinned in the README's pre-commit `rev:`, the example in .pre-commit-hooks.yaml and each recipe's
POWERPACKS_SOURCE. pyproject.toml is read, not the package: it is what a release builds.
"""

from __future__ import annotations

import re

import pytest

from tests.recipes.workflow import pins, pyproject_version


def test_the_docs_and_recipes_pin_one_release_tag() -> None:
    (tag,) = pins()
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag)


@pytest.mark.xfail(
    pyproject_version() == "0.1.0",
    reason="the docs already pin v0.2.0; pyproject.toml moves to 0.2.0 with the release commit",
    strict=True,
)
def test_the_pinned_tag_is_the_version_being_released() -> None:
    assert pins() == {"v" + pyproject_version()}
