"""Plan -> Markdown for a pull-request comment: summary first, deletes on top, kept under a size."""

from __future__ import annotations

import html
from typing import Any

from reconciler.core.models import Change, FieldChange, Plan
from reconciler.core.vocab import COUNTRIES, SERVICES
from reconciler.render.values import (
    PRIORITY_PREFIX,
    SYMBOLS,
    facts,
    is_cell,
    is_destructive,
    show,
    summary_line,
    tally_line,
)

GITHUB_COMMENT_LIMIT = 65536
FOLD_AFTER = 10  # more changes than this: each non-destructive section is folded in <details>
_VERBS = {"create": "Create", "update": "Update", "delete": "Delete"}


def render_markdown(plan: Plan, *, max_chars: int = GITHUB_COMMENT_LIMIT) -> str:
    """The plan as Markdown; sections that would pass `max_chars` are left out, with a note."""
    head = _head(plan)
    ordered = sorted(plan.changes, key=lambda c: not is_destructive(c))  # stable: plan order kept
    fold = len(ordered) > FOLD_AFTER
    sections = [_section(c, fold and not is_destructive(c)) for c in ordered]
    return _fit(head, sections, max_chars).rstrip("\n")


def _fit(head: str, sections: list[str], max_chars: int) -> str:
    """Add whole sections while they fit, keeping room for the note that says what was cut."""
    out, total = head, len(sections)
    for i, section in enumerate(sections):
        later = total - i - 1
        reserve = len(_cut_note(later, total)) if later else 0
        if len(out) + len(section) + reserve > max_chars:
            note = _cut_note(total - i, total)
            return (out[: max(0, max_chars - len(note))] + note)[:max_chars]
        out += section
    return out[:max_chars]


def _cut_note(left: int, total: int) -> str:
    return (
        f"\n> [!NOTE]\n> {left} of {total} Powerpack sections are not shown, to stay under "
        "GitHub's comment size limit. Run `powerpacks plan` for the full plan.\n"
    )


def _head(plan: Plan) -> str:
    title = summary_line(plan, f"`{plan.manifest_path or 'powerpacks.yaml'}`")
    title = f"Powerpacks plan: {title[len('Plan: ') :]}" if title.startswith("Plan: ") else title
    lines = [f"### {title}", "", _context(plan), ""]
    deletes = [c for c in plan.changes if is_destructive(c)]
    if deletes:
        names = ", ".join(_code(c.name) for c in deletes)
        what = "1 Powerpack will be" if len(deletes) == 1 else f"{len(deletes)} Powerpacks will be"
        lines += [
            "> [!CAUTION]",
            f"> **{what} deleted** (`prune: true`): {names}.",
            "> Numbers stay rented (`unrent_numbers: false`); "
            "`powerpacks apply` refuses this plan without `--allow-delete`.",
            "",
        ]
    return "\n".join(lines)


def _context(plan: Plan) -> str:
    parts = [f"Manifest {_code(plan.manifest_path)}"] if plan.manifest_path else []
    if plan.account:
        parts.append(f"account {_code(plan.account)}")
    parts.append(tally_line(plan).rstrip("."))
    return " · ".join(parts)


def _section(change: Change, fold: bool) -> str:
    body = _section_body(change)
    if fold:
        title = f"{SYMBOLS[change.action]} {_VERBS[change.action]} {_html_code(change.name)}"
        if change.fields:
            title += ": " + html.escape(", ".join(f.field for f in change.fields))
        return f"\n<details><summary>{title}</summary>\n\n{body}\n</details>\n"
    return f"\n#### {SYMBOLS[change.action]} {_VERBS[change.action]} {_code(change.name)}\n\n{body}"


def _section_body(change: Change) -> str:
    lines = [_facts(change), ""]
    plain = [f for f in change.fields if not is_cell(f.field)]
    if plain:
        lines += _field_table(change, plain)
    if any(is_cell(f.field) for f in change.fields):
        lines += ["**number_priority**", "", *_matrix_table(change)]
    return "\n".join(lines)


def _facts(change: Change) -> str:
    labels = {
        "renamed": "renamed from {}",
        "uuid": "uuid {}",
        "prune": "caused by `prune: true` at {}",
        "source": "manifest {}",
    }
    return " · ".join(
        labels[kind].format(_code(value)) if kind in labels else value
        for kind, value in facts(change)
    )


def _field_table(change: Change, fields: list[FieldChange]) -> list[str]:
    if change.action == "create":
        rows = [f"| `{f.field}` | {_cell_text(f.field, f.after)} |" for f in fields]
        return ["| Field | Value |", "|---|---|", *rows, ""]
    rows = [
        f"| `{f.field}` | {_cell_text(f.field, f.before)} | {_cell_text(f.field, f.after)} |"
        for f in fields
    ]
    return ["| Field | Before | After |", "|---|---|---|", *rows, ""]


def _matrix_table(change: Change) -> list[str]:
    """Countries by services; a changed cell reads `before` → **`after`**."""
    changed = {f.field: f for f in change.fields if is_cell(f.field)}
    known = (change.base_state or {}).get("number_priority") or {}
    rows = ["| | " + " | ".join(SERVICES) + " |", "|---|" + "---|" * len(SERVICES)]
    for country in COUNTRIES:
        cells = [_matrix_cell(change, changed, known, f"{country}.{s}") for s in SERVICES]
        rows.append(f"| **{country}** | " + " | ".join(cells) + " |")
    return [*rows, ""]


def _matrix_cell(change: Change, changed: dict[str, FieldChange], known: Any, cell: str) -> str:
    f = changed.get(PRIORITY_PREFIX + cell)
    if f is None:
        if cell in known:
            return _cell_text("", known[cell])
        return "_API default_" if change.action == "create" else "_unchanged_"
    if change.action == "create":
        return f"**{_cell_text(f.field, f.after)}**"
    return f"{_cell_text(f.field, f.before)} → **{_cell_text(f.field, f.after)}**"


def _cell_text(field: str, value: Any) -> str:
    """A value inside a table cell: code-quoted, pipes escaped."""
    return _code(show(field, value)).replace("|", "\\|")


def _code(text: str) -> str:
    """A Markdown code span that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _html_code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"
