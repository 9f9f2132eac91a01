"""Plan -> the saved plan's JSON (format_version 1): stable, versioned, deterministic. Pure."""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.models import Change, FieldChange, Plan

FORMAT_VERSION = 1


def render_json(plan: Plan) -> str:
    """The saved plan of DESIGN.md section 4 (format_version 1); deterministic, no final newline."""
    doc = {
        "format_version": FORMAT_VERSION,
        "account": plan.account,
        "account_sha256": plan.account_sha256,
        "manifest": {"path": plan.manifest_path, "sha256": plan.manifest_sha256},
        "changes": [_change_json(c) for c in plan.changes],
        "summary": plan.summary.model_dump(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _change_json(change: Change) -> dict[str, Any]:
    src = change.source
    return {
        "action": change.action,
        "name": change.name,
        "uuid": change.uuid,
        # `col` is beyond DESIGN's example: it keeps plan_from_json an exact inverse.
        "source": {"file": src.file, "line": src.line, "col": src.col} if src else None,
        "fields": [_field_json(f) for f in change.fields],
        "requests": [r.model_dump() for r in change.requests],
        "base": change.base,
        "base_state": change.base_state,
    }


def _field_json(field: FieldChange) -> dict[str, Any]:
    """A field change; `origin` only when the plan was made with --base."""
    return field.model_dump(exclude={"origin"} if field.origin is None else set())
