"""Properties: export and merge give manifests that plan to nothing; merging is stable."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.export import export_manifest, merge_manifest
from reconciler.models import LiveState
from tests.export.helpers import assert_fully_managed_equal, assert_in_sync
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
def test_merge_then_plan_is_empty_and_merge_is_stable(data: st.DataObject) -> None:
    live = data.draw(live_states(POOL, unread=False))  # fetch_everything reads every matrix
    text = data.draw(manifests(POOL))
    merged = merge_manifest(text, live)
    assert_in_sync(merged, live)
    assert merge_manifest(merged, live) == merged
    assert "# head" in merged  # the file's own comments survive


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_merge_long_run(data: st.DataObject) -> None:
    test_merge_then_plan_is_empty_and_merge_is_stable.hypothesis.inner_test(data)  # type: ignore[attr-defined]
