"""Plan -> Terraform-like text. Pure."""

from __future__ import annotations

from reconciler.core.models import Change, FieldChange, Plan
from reconciler.render.values import (
    SYMBOLS,
    cell_label,
    facts,
    is_cell,
    show,
    summary_line,
    tally_line,
)

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
