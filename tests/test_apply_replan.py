"""Convergence check after apply: re-planning on the write answers must come back empty."""

from reconciler.core.models import LivePowerpack, LiveState
from reconciler.core.planner import plan
from reconciler.manifest import parse_manifest
from reconciler.ops.apply import ApplyResult, state_after

MANIFEST = "version: 1\nprune: true\npowerpacks:\n  a: {sticky_sender: false}\n  b: {}\n"


def live_pp(name: str, uuid: str, sticky: bool = True) -> LivePowerpack:
    return LivePowerpack(uuid=uuid, name=name, sticky_sender=sticky, local_connect=True)


def test_state_after_applies_answers_and_deletes() -> None:
    manifest = parse_manifest(MANIFEST, "powerpacks.yaml")
    live = LiveState(powerpacks=(live_pp("a", "u-a"), live_pp("gone", "u-gone")))
    the_plan = plan(manifest, live)
    assert [c.action for c in the_plan.changes] == ["update", "create", "delete"]
    result = ApplyResult(
        applied=list(the_plan.changes),
        answers={"a": live_pp("a", "u-a", sticky=False), "b": live_pp("b", "u-b"), "gone": None},
    )
    assert plan(manifest, state_after(live, result)).empty


def test_state_after_shows_what_an_answer_left_over() -> None:
    manifest = parse_manifest(MANIFEST, "powerpacks.yaml")
    live = LiveState(powerpacks=(live_pp("a", "u-a"), live_pp("b", "u-b")))
    the_plan = plan(manifest, live)
    # The API answered the update without the change: the re-plan must still want it.
    result = ApplyResult(applied=list(the_plan.changes), answers={"a": live_pp("a", "u-a")})
    again = plan(manifest, state_after(live, result))
    assert [(c.action, c.name) for c in again.changes] == [("update", "a")]
