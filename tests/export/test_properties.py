"""Properties: export plans to nothing; merge plans to only the file's pending work; both stable."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.core.models import LiveState
from reconciler.export import export_manifest, merge_manifest
from reconciler.export.build import resolve_app_name
from reconciler.manifest import parse_manifest
from tests.export.helpers import (
    assert_fully_managed_equal,
    assert_in_sync,
    assert_only_pending,
    pending_work,
)
from tests.export.strategies import live_states, manifests

POOL = ["a", "b", "c", "null", "x: y", "d e", "é"]
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(live_states())
def test_export_then_plan_is_empty(live: LiveState) -> None:
    text = export_manifest(live)
    assert_fully_managed_equal(assert_in_sync(text, live), live)
    assert merge_manifest(text, live) == text


@FAST
@given(st.data())
def test_merge_then_plan_is_only_the_pending_work_and_merge_is_stable(
    data: st.DataObject,
) -> None:
    live = data.draw(live_states(POOL, unread=False))  # fetch_everything reads every matrix
    text = data.draw(manifests(POOL))
    assume(pending_creates_can_be_planned(text, live))
    merged = merge_manifest(text, live)
    assert_only_pending(merged, text, live)
    assert merge_manifest(merged, live) == merged
    assert "# head" in merged  # the file's own comments survive


def pending_creates_can_be_planned(text: str, live: LiveState) -> bool:
    """A pending create linking an application by a name live can't resolve is a plan error.

    The merge leaves such an entry as written (it is the user's work, not live's), so the plan
    after it fails for the same reason the plan before it did: not what this property is about.
    """
    manifest = parse_manifest(text, "powerpacks.yaml")
    creates, _ = pending_work(manifest, live)
    apps = [manifest.powerpacks[n].application for n in creates]
    names = [a.name for a in apps if a is not None and a.name is not None]
    return all(resolve_app_name(n, live) is not None for n in names)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_merge_long_run(data: st.DataObject) -> None:
    test_merge_then_plan_is_only_the_pending_work_and_merge_is_stable.hypothesis.inner_test(data)  # type: ignore[attr-defined]
