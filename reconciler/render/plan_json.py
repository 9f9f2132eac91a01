"""Plan -> the saved plan's JSON (format_version 1): stable, versioned, deterministic. Pure.

Keys beyond the first version's (tool, created_at, warnings, sender_impact, guards, protected,
moves, pool_uuid, step, origin) are additive: format_version stays 1, and a reader of this
version accepts a plan without them.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.models import Change, FieldChange, Plan

FORMAT_VERSION = 1
TOOL = "powerpacks"


def plan_document(plan: Plan) -> dict[str, Any]:
    """The saved plan as a JSON-ready dict."""
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": TOOL, "version": plan.tool_version},
        "created_at": plan.created_at,
        "account": plan.account,
        "account_sha256": plan.account_sha256,
        "manifest": {"path": plan.manifest_path, "sha256": plan.manifest_sha256},
        "changes": [_change_json(c, plan.has_base) for c in plan.changes],
        "summary": plan.summary.model_dump(),
        "warnings": list(plan.warnings),
        "sender_impact": {
            name: [i.model_dump() for i in cells] for name, cells in plan.sender_impact.items()
        },
        "guards": plan.guards.model_dump() if plan.guards is not None else None,
        "protected": list(plan.protected),
    }
    if plan.has_base:
        doc["base"] = True
    return doc


def render_json(plan: Plan) -> str:
    """The saved plan (format_version 1); deterministic, no final newline."""
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False)


def _change_json(change: Change, with_origin: bool) -> dict[str, Any]:
    src = change.source
    out: dict[str, Any] = {
        "action": change.action,
        "name": change.name,
        "uuid": change.uuid,
        "pool_uuid": change.pool_uuid,
        # `col` is beyond the first version's example: it keeps the reader an exact inverse.
        "source": {"file": src.file, "line": src.line, "col": src.col} if src else None,
        "fields": [_field_json(f, with_origin) for f in change.fields],
        "moves": [m.model_dump() for m in change.moves],
        "requests": [r.model_dump() for r in change.requests],
        "base": change.base,
        "base_state": change.base_state,
    }
    if with_origin and change.origin is not None:
        out["origin"] = change.origin
    return out


def _field_json(field: FieldChange, with_origin: bool) -> dict[str, Any]:
    """A field change; `origin` only when the plan was made with --base."""
    return field.model_dump(exclude=set() if with_origin else {"origin"})
