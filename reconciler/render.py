"""Plan -> text, JSON (and back), GitHub annotations; Markdown lives in render_markdown. Pure."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from reconciler.errors import PlanError
from reconciler.models import Change, FieldChange, Loc, Plan, Summary
from reconciler.render_markdown import render_markdown
from reconciler.render_values import (
    SYMBOLS,
    cell_label,
    facts,
    is_cell,
    is_destructive,
    show,
    summary_line,
    tally_line,
)

__all__ = ["github_annotations", "plan_from_json", "render_json", "render_markdown", "render_text"]

FORMAT_VERSION = 1
_COLORS = {"create": "\x1b[32m", "update": "\x1b[33m", "delete": "\x1b[31m", "bold": "\x1b[1m"}
_RESET = "\x1b[0m"

# --- text ----------------------------------------------------------------------------------------


def render_text(plan: Plan, *, color: bool = False, manifest_name: str = "powerpacks.yaml") -> str:
    """Terraform-like text: one block per change, then the summary line (no final newline)."""
    blocks = ["\n".join(_text_change(c, color)) for c in plan.changes]
    tail = [_paint(summary_line(plan, manifest_name), "bold", color), tally_line(plan)]
    return "\n\n".join([*blocks, "\n".join(tail)])


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_COLORS[style]}{text}{_RESET}" if color else text


def _text_change(change: Change, color: bool) -> list[str]:
    head = f"  {SYMBOLS[change.action]} {change.action} {change.name}"
    lines = [_paint(head, change.action, color) + _text_notes(change)]
    plain = [f for f in change.fields if not is_cell(f.field)]
    cells = [f for f in change.fields if is_cell(f.field)]
    width = max((len(f.field) for f in plain), default=0) + 1
    for f in plain:
        lines.append(f"      {f.field + ':':<{width}}  {_text_value(change, f)}")
    if cells:
        lines += _text_grid(change, cells)
    return lines


def _text_notes(change: Change) -> str:
    """The parenthesis after a change's name: old name, uuid, numbers, manifest line."""
    labels = {"renamed": "renamed from {}", "uuid": "uuid {}", "prune": "prune at {}"}
    notes = [labels.get(kind, "{}").format(value) for kind, value in facts(change)]
    if change.action == "delete" and not change.source:
        notes.append("prune")
    return f"  ({', '.join(notes)})"


def _text_value(change: Change, f: FieldChange) -> str:
    if change.action == "create":
        return show(f.field, f.after)
    return f"{show(f.field, f.before)} -> {show(f.field, f.after)}"


def _text_grid(change: Change, cells: list[FieldChange]) -> list[str]:
    """The changed priority cells as a small grid: cell | before | after (after only on create)."""
    rows = [(cell_label(f.field), show(f.field, f.before), show(f.field, f.after)) for f in cells]
    if change.action == "create":
        return ["      number_priority:", *(f"        {c:<8}{a}" for c, _, a in rows)]
    width = max(len(b) for _, b, _ in [*rows, ("", "before", "")])
    lines = ["      number_priority:", f"        {'':<8}{'before':<{width}}    after"]
    lines += [f"        {c:<8}{b:<{width}} -> {a}" for c, b, a in rows]
    return lines


# --- json ----------------------------------------------------------------------------------------


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
        "fields": [f.model_dump() for f in change.fields],
        "requests": [r.model_dump() for r in change.requests],
        "base": change.base,
        "base_state": change.base_state,
    }


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


# --- GitHub Actions -------------------------------------------------------------------------------


def github_annotations(plan: Plan) -> list[str]:
    """`::warning file=...,line=...::...` workflow commands, one per destructive change."""
    return [_annotation(c) for c in plan.changes if is_destructive(c)]


def _annotation(change: Change) -> str:
    message = (
        f"Powerpack {change.name} (uuid {change.uuid}) will be deleted: it is not in the manifest "
        "and prune is true. Its numbers stay rented (unrent_numbers: false)."
    )
    props = ["title=Powerpack deleted"]
    if change.source:
        src = change.source
        props = [f"file={_escape_prop(src.file)}", f"line={src.line}", f"col={src.col}", *props]
    return f"::warning {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """GitHub's escaping for a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    """GitHub's escaping for a workflow command's property value."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
