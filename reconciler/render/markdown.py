"""Plan -> Markdown for a pull-request comment: summary first, deletes on top, kept under a size.

The size limit lives here only: GitHub refuses a comment over 65,536 characters counted as
JavaScript counts them (UTF-16 code units), and the plan recipe wraps the plan in a marker and a
footer, for which WRAPPER_ROOM characters are left. Sections that would pass the limit are left
out whole, with a note saying how many; nothing is cut in the middle.
"""

from __future__ import annotations

import html
from typing import Any

from reconciler.core.identity import show_name
from reconciler.core.models import Change, FieldChange, Impact, Plan
from reconciler.core.vocab import COUNTRIES, KINDS, PRIORITY_PREFIX, SERVICES, is_cell
from reconciler.render.values import (
    SYMBOLS,
    facts,
    is_destructive,
    member_lines,
    moved_out,
    show,
    summary_line,
    tally_line,
)

GITHUB_COMMENT_LIMIT = 65536
WRAPPER_ROOM = 1000  # the plan recipe's marker and footer fit in this
MAX_CHARS = GITHUB_COMMENT_LIMIT - WRAPPER_ROOM
FOLD_AFTER = 10  # more changes than this: each non-destructive section is folded in <details>
_VERBS = {"create": "Create", "update": "Update", "delete": "Delete"}


def length(text: str) -> int:
    """A text's length as GitHub (JavaScript) counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def render_markdown(plan: Plan, *, max_chars: int = MAX_CHARS) -> str:
    """The plan as Markdown; sections that would pass `max_chars` are left out, with a note."""
    head = _head(plan)
    if plan.has_base:
        return _fit_sections(head, plan, max_chars)
    ordered = sorted(plan.changes, key=lambda c: not is_destructive(c))  # stable: plan order kept
    fold = len(ordered) > FOLD_AFTER
    sections = [_section(plan, c, c.fields, fold and not is_destructive(c)) for c in ordered]
    sections += _unchanged_senders(plan)
    return _fit(head, sections, max_chars).rstrip("\n")


def _fit_sections(head: str, plan: Plan, max_chars: int) -> str:
    """With --base: "This change" open, "Drift on the live account" folded with its count."""
    intent, drift = _split(plan)
    parts = []
    if intent:
        parts.append("\n### This change\n")
        parts += [_section(plan, c, fields, len(intent) > FOLD_AFTER) for c, fields in intent]
    if drift:
        fields_count = sum(len(f) or 1 for _, f in drift)
        parts.append(
            f"\n<details><summary><b>Drift on the live account</b>: {len(drift)} Powerpack(s), "
            f"{fields_count} difference(s) already there before this change</summary>\n"
        )
        parts += [_section(plan, c, fields, False) for c, fields in drift]
        parts.append("\n</details>\n")
    unchanged = _unchanged_senders(plan)
    if unchanged:  # under its own heading, else it reads as part of "This change"
        unchanged[0] = "\n### No change\n" + unchanged[0]
    parts += unchanged
    return _fit(head, parts, max_chars).rstrip("\n")


def _split(plan: Plan) -> tuple[list[tuple[Change, tuple[FieldChange, ...]]], list[Any]]:
    intent, drift = [], []
    for change in plan.changes:
        mine = tuple(f for f in change.fields if (f.origin or "intent") in ("intent", "both"))
        theirs = tuple(f for f in change.fields if f.origin == "drift")
        whole = change.action in ("create", "delete") and not change.fields
        if mine or (change.origin != "drift" and (whole or change.action == "delete")):
            intent.append((change, mine))
        if theirs or (change.origin == "drift" and change.action in ("create", "delete")):
            drift.append((change, theirs))
    return intent, drift


def _fit(head: str, sections: list[str], max_chars: int) -> str:
    """Add whole sections while they fit, keeping room for the note that says what was cut."""
    out, total = head, len(sections)
    for i, section in enumerate(sections):
        later = total - i - 1
        reserve = length(_cut_note(later, total)) if later else 0
        if length(out) + length(section) + reserve > max_chars:
            return _clip(out, max_chars - length(_cut_note(total - i, total))) + _cut_note(
                total - i, total
            )
        out += section
    return _clip(out, max_chars)


def _clip(text: str, limit: int) -> str:
    """At most `limit` UTF-16 code units (only a limit smaller than the head itself cuts)."""
    while length(text) > max(0, limit):
        text = text[: max(0, len(text) - max(1, length(text) - limit))]
    return text


def _cut_note(left: int, total: int) -> str:
    return (
        f"\n> [!NOTE]\n> {left} of {total} sections are not shown, to stay under "
        "GitHub's comment size limit. Run `powerpacks plan` for the full plan.\n"
    )


def _head(plan: Plan) -> str:
    title = summary_line(plan, f"`{plan.manifest_path or 'powerpacks.yaml'}`")
    title = f"Powerpacks plan: {title[len('Plan: ') :]}" if title.startswith("Plan: ") else title
    lines = [f"### {title}", "", _context(plan), ""]
    deletes = [c for c in plan.changes if is_destructive(c)]
    if deletes:
        names = ", ".join(_code(show_name(c.name)) for c in deletes)
        what = "1 Powerpack will be" if len(deletes) == 1 else f"{len(deletes)} Powerpacks will be"
        lines += [
            "> [!CAUTION]",
            f"> **{what} deleted** (`prune: true`): {names}.",
            "> Numbers stay rented (`unrent_numbers: false`); "
            "`powerpacks apply` refuses this plan without `--allow-delete`.",
            "",
        ]
    if plan.warnings:
        lines += ["> [!WARNING]", *(f"> - {_escape(w)}" for w in plan.warnings), ""]
    return "\n".join(lines)


def _context(plan: Plan) -> str:
    parts = [f"Manifest {_code(plan.manifest_path)}"] if plan.manifest_path else []
    if plan.account:
        parts.append(f"account {_code(plan.account)}")
    parts.append(tally_line(plan).rstrip("."))
    return " · ".join(parts)


def _section(plan: Plan, change: Change, fields: tuple[FieldChange, ...], fold: bool) -> str:
    body = _section_body(plan, change, fields)
    name = show_name(change.name)
    if fold:
        title = f"{SYMBOLS[change.action]} {_VERBS[change.action]} {_html_code(name)}"
        if fields:
            title += ": " + html.escape(", ".join(f.field for f in fields))
        return f"\n<details><summary>{title}</summary>\n\n{body}\n</details>\n"
    return f"\n#### {SYMBOLS[change.action]} {_VERBS[change.action]} {_code(name)}\n\n{body}"


def _section_body(plan: Plan, change: Change, fields: tuple[FieldChange, ...]) -> str:
    lines = [_facts(change), ""]
    plain = [f for f in fields if not is_cell(f.field) and f.field not in KINDS]
    if plain:
        lines += _field_table(change, plain)
    cells = [f for f in fields if is_cell(f.field)]
    if cells:
        lines += ["**number_priority**", "", *_matrix_table(change, cells)]
    members = [f for f in fields if f.field in KINDS]
    if members or moved_out(change):
        lines += _members_table(change, members)
    lines += _impact_table(plan.sender_impact.get(change.name, ()))
    return "\n".join(lines)


def _facts(change: Change) -> str:
    labels = {
        "renamed": "renamed from {}",
        "uuid": "uuid {}",
        "prune": "caused by `prune: true` at {}",
        "source": "manifest {}",
    }
    out = [
        labels[kind].format(_code(value)) if kind in labels else value
        for kind, value in facts(change)
    ]
    if change.origin == "drift" and change.action == "create":
        out.append("the base manifest declares it: it is missing live")
    return " · ".join(out)


def _mark(f: FieldChange) -> str:
    return " _(also drifted)_" if f.origin == "both" else ""


def _field_table(change: Change, fields: list[FieldChange]) -> list[str]:
    if change.action == "create":
        rows = [f"| `{f.field}` | {_cell_text(f.field, f.after)}{_mark(f)} |" for f in fields]
        return ["| Field | Value |", "|---|---|", *rows, ""]
    rows = [
        f"| `{f.field}` | {_cell_text(f.field, f.before)} | {_cell_text(f.field, f.after)}"
        f"{_mark(f)} |"
        for f in fields
    ]
    return ["| Field | Before | After |", "|---|---|---|", *rows, ""]


def _members_table(change: Change, fields: list[FieldChange]) -> list[str]:
    rows = []
    for f in fields:
        rows += [f"| `{f.field}` | {sign} | {_escape(t)} |" for sign, t in member_lines(change, f)]
    for m in moved_out(change):
        to = _code(show_name(m.destination))
        rows.append(f"| `{m.kind}` | - | {m.number} (moved to {to}) |")
    return ["**pool members**", "", "| Kind | | Member |", "|---|---|---|", *rows, ""]


def _impact_table(impact: tuple[Impact, ...]) -> list[str]:
    if not impact:
        return []
    rows = []
    for i in impact:
        was = f"`{i.before or 'nothing'}`"
        now = f"`{i.after or 'nothing'}`"
        note = f" ⚠ {_escape(i.warning)}" if i.warning else ""
        rows.append(f"| {i.cell.replace('.', ' ')} | {was} | {now}{note} |")
    return ["**senders** (the type that sends)", "", "| Cell | Now | After |", "|---|---|---|",
            *rows, ""]  # fmt: skip


def _unchanged_senders(plan: Plan) -> list[str]:
    changed = {c.name for c in plan.changes}
    out = []
    for name, impact in sorted(plan.sender_impact.items()):
        if name not in changed and impact:
            body = "\n".join(_impact_table(impact))
            out.append(f"\n#### = No change to {_code(show_name(name))}\n\n{body}")
    return out


def _matrix_table(change: Change, cells: list[FieldChange]) -> list[str]:
    """Countries by services; a changed cell reads `before` → **`after`**."""
    changed = {f.field: f for f in cells}
    known = (change.base_state or {}).get("number_priority") or {}
    rows = ["| | " + " | ".join(SERVICES) + " |", "|---|" + "---|" * len(SERVICES)]
    for country in COUNTRIES:
        row = [_matrix_cell(change, changed, known, f"{country}.{s}") for s in SERVICES]
        rows.append(f"| **{country}** | " + " | ".join(row) + " |")
    return [*rows, ""]


def _matrix_cell(change: Change, changed: dict[str, FieldChange], known: Any, cell: str) -> str:
    f = changed.get(PRIORITY_PREFIX + cell)
    if f is None:
        if cell in known:
            return _cell_text("", known[cell])
        return "_API default_" if change.action == "create" else "_unchanged_"
    if change.action == "create":
        return f"**{_cell_text(f.field, f.after)}**{_mark(f)}"
    return f"{_cell_text(f.field, f.before)} → **{_cell_text(f.field, f.after)}**{_mark(f)}"


def _cell_text(field: str, value: Any) -> str:
    """A value inside a table cell: code-quoted, pipes escaped."""
    return _code(show(field, value)).replace("|", "\\|")


def _escape(text: str) -> str:
    """Plain text inside Markdown (a table cell or a list item): no markup, no pipes."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("`", "\\`")


def _code(text: str) -> str:
    """A Markdown code span that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _html_code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"
