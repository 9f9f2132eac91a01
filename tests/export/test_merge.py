"""merge_manifest: golden before/after files, idempotence, and refusal of a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.core.models import LivePowerpack, LiveState
from reconciler.core.planner import plan
from reconciler.errors import ManifestError
from reconciler.export import export_manifest, merge_manifest
from reconciler.manifest import parse_manifest
from tests.export.helpers import assert_in_sync, assert_only_pending

CASES = Path(__file__).parent / "merge_cases"


def load_case(name: str) -> tuple[str, LiveState, str]:
    folder = CASES / name
    live = LiveState.model_validate(json.loads((folder / "live.json").read_text()))
    return (folder / "before.yaml").read_text(), live, (folder / "after.yaml").read_text()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden_merge(case: str) -> None:
    before, live, after = load_case(case)
    merged = merge_manifest(before, live)
    assert merged == after
    assert merge_manifest(merged, live) == merged  # idempotent
    assert_only_pending(merged, before, live)


def test_golden_cases_cover_the_promises() -> None:
    """The data files keep showing what the guide promises (a case can't quietly lose its point)."""
    before, _, after = load_case("example")
    for comment in [line.split("#", 1)[1] for line in before.splitlines() if "#" in line]:
        if "renamed in place" not in comment and "new pool" not in comment:
            assert comment in after  # every comment of a kept line survives
    assert "  alerts:\n    renamed_from: alerts-old" in after  # pending rename kept
    assert "alerts-old:" not in after  # ...and its live Powerpack not added a second time
    assert "  onboarding:                  # new pool" in after  # pending create kept
    assert after.index("onboarding:") < after.index("billing:") < after.index("legacy:")
    before, live, after = load_case("renames")
    for line in ("new-a:", "renamed_from: old-a", "fresh: {renamed_from: ghost", "brand-new:"):
        assert line in after
    assert "both-old:" in after and "renamed_from: both-old" not in after  # moot: dropped
    assert plan(parse_manifest(after, "powerpacks.yaml"), live).summary.create == 2
    before, _, after = load_case("in-sync")
    assert before == after  # nothing differs: not one byte rewritten
    before, _, after = load_case("spacing")
    assert after.startswith("version:   1 ")  # untouched lines keep their odd spacing


def test_bad_manifest_is_refused_with_its_location() -> None:
    with pytest.raises(ManifestError) as info:
        merge_manifest("version: 1\npowerpacks:\n  a: {stiky_sender: true}\n", LiveState())
    assert "powerpacks.yaml:3:" in str(info.value)


def test_path_names_the_file_in_errors() -> None:
    with pytest.raises(ManifestError, match=r"prod\.yaml:1:"):
        merge_manifest("version: 2\npowerpacks: {}\n", LiveState(), path="prod.yaml")


def test_merge_into_an_export_of_the_same_account_changes_nothing() -> None:
    _, live, _ = load_case("example")
    text = export_manifest(live)
    assert merge_manifest(text, live) == text


def test_unmanaged_fields_stay_unmanaged() -> None:
    """A field set nowhere is left alone live, so the merge doesn't start managing it either."""
    live = LiveState(
        powerpacks=(LivePowerpack(uuid="u", name="a", sticky_sender=False, local_connect=False),)
    )
    text = "version: 1\npowerpacks:\n  a: {sticky_sender: true}\n"
    assert merge_manifest(text, live) == "version: 1\npowerpacks:\n  a: {sticky_sender: false}\n"


def test_windows_line_endings_and_a_missing_final_newline() -> None:
    live = LiveState(
        powerpacks=(
            LivePowerpack(uuid="u", name="a", sticky_sender=False, local_connect=True),
            LivePowerpack(uuid="v", name="b", sticky_sender=True, local_connect=True),
        )
    )
    text = "version: 1   # v\r\npowerpacks:\r\n  a: {sticky_sender: true}"
    merged = merge_manifest(text, live)
    assert merged.startswith("version: 1   # v\r\npowerpacks:\r\n  a: {sticky_sender: false}\r\n")
    assert "\n" not in merged.replace("\r\n", "")  # one line ending throughout
    assert "  b:\r\n" in merged
    assert merge_manifest(merged, live) == merged
    assert_in_sync(merged, live)
    in_sync = "version: 1\npowerpacks:\n  a: {sticky_sender: false}"  # no final newline
    assert (
        merge_manifest(in_sync, live.model_copy(update={"powerpacks": live.powerpacks[:1]}))
        == in_sync
    )
