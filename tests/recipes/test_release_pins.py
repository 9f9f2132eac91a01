"""The release tag users pin is one tag: the tag of the version pyproject.toml releases.

Pinned in the README's pre-commit `rev:`, the example in .pre-commit-hooks.yaml and each recipe's
POWERPACKS_SOURCE. pyproject.toml is read, not the package: it is what a release builds.
"""

from __future__ import annotations

import re

from tests.recipes.workflow import pins, pyproject_version


def test_the_docs_and_recipes_pin_one_release_tag() -> None:
    (tag,) = pins()
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag)


def test_the_pinned_tag_is_the_version_being_released() -> None:
    assert pins() == {"v" + pyproject_version()}
