"""A saved plan file -> Plan. The file is untrusted input: read strictly, errors are PlanErrors."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from reconciler.core.models import Change, Loc, Plan, Summary
from reconciler.errors import PlanError
from reconciler.render.plan_json import FORMAT_VERSION


def plan_from_json(text: str) -> Plan:
    """Read a saved plan back; a file that is not a version-1 plan is a PlanError."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise PlanError(f"not a powerpacks plan: invalid JSON ({e})") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanError("not a powerpacks plan: no format_version")
    if doc["format_version"] != FORMAT_VERSION:
        raise PlanError(
            f"plan format_version {doc['format_version']!r} is not supported "
            f"(this powerpacks reads version {FORMAT_VERSION})"
        )
    try:
        return _plan_from_doc(doc)
    except (ValidationError, KeyError, TypeError, AttributeError) as e:
        raise PlanError(f"not a valid powerpacks plan: {_short(e)}") from None


def _plan_from_doc(doc: dict[str, Any]) -> Plan:
    manifest = doc["manifest"]
    return Plan(
        changes=tuple(_change_from(c) for c in doc["changes"]),
        summary=Summary.model_validate(doc["summary"]),
        manifest_path=manifest["path"],
        manifest_sha256=manifest["sha256"],
        account=doc["account"],
        account_sha256=doc["account_sha256"],
    )


def _change_from(data: dict[str, Any]) -> Change:
    src = data.get("source")
    source = Loc(file=src["file"], line=src["line"], col=src.get("col", 1)) if src else None
    return Change.model_validate({**data, "source": source})


def _short(e: Exception) -> str:
    if isinstance(e, ValidationError):
        first = e.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    if isinstance(e, KeyError):
        return f"missing key {e}"
    return str(e)
