"""Plan -> Terraform-like text, every line within 80 columns. Pure.

Colour, when asked for, is click's styling of whole spans (each reset before its line ends);
the CLI decides whether a stream gets colour. With a base manifest, the plan shows "This
change" and "Drift on the live account" apart.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from reconciler.core.identity import show_name
from reconciler.core.models import Change, FieldChange, Impact, Plan
from reconciler.core.vocab import is_cell
from reconciler.render.values import (
    SYMBOLS,
    cell_label,
    facts,
    is_kind,
    member_lines,
    moved_out,
    show,
    summary_line,
    tally_line,
    visible,
    width,
    wrap,
)

WIDTH = 80
_STYLES = {"create": "green", "update": "yellow", "delete": "red"}
Paint = Callable[[str, str], str]


def render_text(
    plan: Plan,
    *,
    color: bool = False,
    manifest_name: str = "powerpacks.yaml",
    width_limit: int = WIDTH,
) -> str:
    """The plan as text (no final newline): account, changes, senders, warnings, summary."""
    paint = _painter(color)
    manifest_name = visible(manifest_name)
    out: list[str] = []
    if plan.account:
        out += wrap(f"Account {visible(plan.account)} · manifest {manifest_name}", width_limit)
        out.append("")
    if plan.has_base:
        out += _sections(plan, paint, width_limit)
    else:
        for change in plan.changes:
            out += [*_block(plan, change, change.fields, paint, width_limit), ""]
    unchanged = _unchanged_senders(plan, width_limit)
    if unchanged and plan.has_base:  # else it reads as part of the last section, the drift
        unchanged = [paint("No change:", "bold"), "", *unchanged]
    out += unchanged
    for warning in plan.warnings:
        out += [*wrap(f"Warning: {visible(warning)}", width_limit, "", "  "), ""]
    out += [paint(line, "bold") for line in wrap(summary_line(plan, manifest_name), width_limit)]
    out += wrap(tally_line(plan), width_limit)
    return "\n".join(out)


def _painter(color: bool) -> Paint:
    def paint(text: str, style: str) -> str:
        if not color:
            return text
        if style == "bold":
            return click.style(text, bold=True)
        return click.style(text, fg=_STYLES.get(style, style))

    return paint


def _sections(plan: Plan, paint: Paint, limit: int) -> list[str]:
    """ "This change" then "Drift on the live account": each change's fields by origin."""
    out: list[str] = []
    for title, origins in (("This change", ("intent", "both")), ("Drift on the live account",
                                                                  ("drift",))):  # fmt: skip
        blocks = []
        for change in plan.changes:
            fields = tuple(f for f in change.fields if (f.origin or "intent") in origins)
            whole = change.origin in origins if change.origin else False
            if fields or (change.action == "delete" and whole) or (change.action == "create"
                                                                    and whole):  # fmt: skip
                blocks += [*_block(plan, change, fields, paint, limit), ""]
        if blocks:
            out += [paint(f"{title}:", "bold"), "", *blocks]
    return out


def _block(
    plan: Plan, change: Change, fields: tuple[FieldChange, ...], paint: Paint, limit: int
) -> list[str]:
    head = f"  {SYMBOLS[change.action]} {change.action} {show_name(change.name)}"
    notes = f"({_notes(change)})" if _notes(change) else ""
    if notes and width(f"{head}  {notes}") <= limit:
        lines = [paint(head, change.action) + f"  {notes}"]
    else:
        heads = wrap(head.lstrip(" "), limit, "  ", "    ")
        lines = [paint(line, change.action) for line in heads]
        lines += wrap(notes, limit, "      ", "       ") if notes else []
    plain = [f for f in fields if not is_cell(f.field) and not is_kind(f.field)]
    label_width = max((len(f.field) for f in plain), default=0) + 1
    for f in plain:
        lines += _field_line(change, f, label_width, limit)
    cells = [f for f in fields if is_cell(f.field)]
    if cells:
        lines += _cells(change, cells, limit)
    for f in (f for f in fields if is_kind(f.field)):
        lines += _members(change, f, limit)
    for move in moved_out(change):
        text = f"{move.number} (moved to {show_name(move.destination)})"
        lines += wrap(text, limit, f"      {move.kind}: - ", "          ")
    lines += _impact(plan.sender_impact.get(change.name, ()), limit)
    return lines


def _notes(change: Change) -> str:
    labels = {"renamed": "renamed from {}", "uuid": "uuid {}", "prune": "prune at {}"}
    notes = [labels.get(kind, "{}").format(visible(value)) for kind, value in facts(change)]
    if change.action == "delete" and not change.source:
        notes.append("prune")
    return ", ".join(notes)


def _origin(f: FieldChange) -> str:
    return " (also drifted)" if f.origin == "both" else ""


def _field_line(change: Change, f: FieldChange, label_width: int, limit: int) -> list[str]:
    label = f"      {f.field + ':':<{label_width}}  "
    value = show(f.field, f.after)
    if change.action != "create":
        value = f"{show(f.field, f.before)} -> {value}"
    text = label + value + _origin(f)
    if width(text) <= limit:
        return [text]
    lines = [f"      {f.field}:{_origin(f)}"]
    if change.action != "create":
        lines += wrap(show(f.field, f.before), limit, "          ", "          ")
        lines += wrap(show(f.field, f.after), limit, "       -> ", "          ")
    else:
        lines += wrap(show(f.field, f.after), limit, "          ", "          ")
    return lines


def _cells(change: Change, cells: list[FieldChange], limit: int) -> list[str]:
    """Changed priority cells, `US SMS  before -> after` (after only on a create)."""
    lines = ["      number_priority:"]
    for f in cells:
        label = f"        {cell_label(f.field):<8}"
        after = show(f.field, f.after) + _origin(f)
        if change.action == "create":
            lines.append(label + after)
            continue
        one = f"{label}{show(f.field, f.before)} -> {after}"
        if width(one) <= limit:
            lines.append(one)
        else:  # a cell's two orders take 82 columns on one line: after under before
            lines += [label + show(f.field, f.before), f"{'->':>14}  {after}"]
    return lines


def _members(change: Change, f: FieldChange, limit: int) -> list[str]:
    lines = [f"      {f.field}:{_origin(f)}"]
    for sign, text in member_lines(change, f):
        lines += wrap(text, limit, f"        {sign} ", "          ")
    return lines


def _impact(impact: tuple[Impact, ...], limit: int) -> list[str]:
    """Which sender type sends, per managed cell: `US SMS  sends from tollfree (was longcode)`."""
    if not impact:
        return []
    lines = ["      senders:"]
    for i in impact:
        label = f"        {i.cell.replace('.', ' '):<8}"
        now = i.after or "nothing"
        was = f" (was {i.before or 'nothing'})" if i.before != i.after else ""
        lines += wrap(f"{now}{was}", limit, label, " " * 16)
        if i.warning:
            lines += wrap(f"! {visible(i.warning)}", limit, " " * 16, " " * 18)
    return lines


def _unchanged_senders(plan: Plan, limit: int) -> list[str]:
    """Sender impact of the Powerpacks the plan doesn't change (their block is otherwise absent)."""
    changed = {c.name for c in plan.changes}
    out: list[str] = []
    for name, impact in sorted(plan.sender_impact.items()):
        if name in changed or not impact:
            continue
        out += wrap(show_name(name), limit, "  = no change to ", "    ")
        out += [*_impact(impact, limit), ""]
    return out
