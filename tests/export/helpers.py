"""Checks shared by the export tests: the written manifest parses and plans to nothing."""

from __future__ import annotations

from reconciler.manifest import parse_manifest
from reconciler.models import AppLink, LiveState, Manifest
from reconciler.plan import plan


def assert_in_sync(text: str, live: LiveState) -> Manifest:
    """The manifest parses, and planning it against `live` gives no change at all."""
    manifest = parse_manifest(text, "powerpacks.yaml")
    result = plan(manifest, live)
    assert result.empty, [c.model_dump() for c in result.changes]
    assert result.summary.create == result.summary.update == result.summary.delete == 0
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
