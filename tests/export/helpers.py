"""Checks shared by the export tests: the written manifest parses and plans to nothing, or to
exactly the pending work (creates and renames) the file already had."""

from __future__ import annotations

from reconciler.core.models import AppLink, LiveState, Manifest
from reconciler.core.planner import plan
from reconciler.manifest import parse_manifest


def assert_in_sync(text: str, live: LiveState) -> Manifest:
    """The manifest parses, and planning it against `live` gives no change at all."""
    manifest = parse_manifest(text, "powerpacks.yaml")
    result = plan(manifest, live)
    assert result.empty, [c.model_dump() for c in result.changes]
    assert result.summary.create == result.summary.update == result.summary.delete == 0
    return manifest


def pending_work(manifest: Manifest, live: LiveState) -> tuple[set[str], dict[str, str]]:
    """(pending creates, pending renames new -> old), read from the file and live names alone."""
    names = {p.name for p in live.powerpacks}
    renames = {
        new: dp.renamed_from
        for new, dp in manifest.powerpacks.items()
        if new not in names and dp.renamed_from in names
    }
    creates = {n for n in manifest.powerpacks if n not in names and n not in renames}
    return creates, renames


def as_written(manifest: Manifest, name: str) -> dict[str, object]:
    """A Powerpack's desired fields, without the lines they sit on (a merge may shift lines)."""
    return manifest.powerpacks[name].model_dump(exclude={"loc", "field_locs"})


def assert_only_pending(merged: str, original: str, live: LiveState) -> Manifest:
    """After a merge, the plan is the file's pending work and nothing else.

    Creates exactly for the entries no live Powerpack stands for (kept as written), an update
    changing only `name` for each pending rename, no delete; and that pending work is the
    original file's.
    """
    manifest = parse_manifest(merged, "powerpacks.yaml")
    before = parse_manifest(original, "powerpacks.yaml")
    creates, renames = pending_work(manifest, live)
    assert pending_work(before, live) == (creates, renames)
    for name in creates:
        assert as_written(manifest, name) == as_written(before, name)
    result = plan(manifest, live)
    assert {c.name for c in result.changes if c.action == "create"} == creates
    updates = {c.name: c for c in result.changes if c.action == "update"}
    assert set(updates) == set(renames)
    for new, change in updates.items():
        fields = [(f.field, f.before, f.after) for f in change.fields]
        assert fields == [("name", renames[new], new)], fields
    assert not [c for c in result.changes if c.action == "delete"]
    return manifest


def app_id(link: AppLink, live: LiveState) -> str:
    """The id an application link points at ("" for none), names resolved like the planner."""
    if link.kind == "none":
        return ""
    if link.id is not None:
        return link.id
    ids = [a.app_id for a in live.applications or () if a.app_name == link.name]
    assert len(ids) == 1, f"{link.name!r} must name exactly one application"
    return ids[0]


def assert_fully_managed_equal(manifest: Manifest, live: LiveState) -> None:
    """Every live Powerpack is in the manifest with every field set, and equal to live."""
    assert sorted(manifest.powerpacks) == sorted(p.name for p in live.powerpacks)
    assert manifest.prune is False
    for pp in live.powerpacks:
        want = manifest.powerpacks[pp.name]
        assert want.renamed_from is None
        assert want.sticky_sender is pp.sticky_sender
        assert want.local_connect is pp.local_connect
        assert want.application is not None
        linked = bool(pp.application_type and pp.application_id)
        assert app_id(want.application, live) == (pp.application_id if linked else "")
        if linked:
            assert want.application.kind == pp.application_type.lower()
        assert dict(want.number_priority) == dict(pp.number_priority or {})
