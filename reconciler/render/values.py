"""How plan values read to a human: shared by the text and Markdown renderers. Pure.

Names are shown through `show_name`: as they are, or quoted with invisible and look-alike
characters escaped, so `café` and `cafe\\u0301` never print as the same line.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from reconciler.core.identity import show_name
from reconciler.core.models import Change, FieldChange, Move, Plan
from reconciler.core.vocab import DEFAULT_SERVICE, KINDS, field_cell

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
KIND_TITLES = {"numbers": "numbers", "tollfree": "tollfree", "shortcodes": "shortcodes"}


def cell_label(field: str) -> str:
    """ "number_priority.US.SMS" -> "US SMS"."""
    return field_cell(field).replace(".", " ")


def show(field: str, value: Any) -> str:
    """One field value as text: `none`, `xml:123 (Name)`, `true`, `a > b > c`, a name."""
    if field == "application":
        return show_app(value)
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " > ".join(str(v) for v in value)
    if field == "name":
        return show_name(str(value))
    return json.dumps(value, ensure_ascii=False)


def show_app(value: Any) -> str:
    """`xml:123 (Marketing replies)`: the name as Powerpack names are shown (escaped when it
    holds invisible characters: an application name comes from the live account as it is)."""
    if not value:
        return "none"
    text = visible(f"{value.get('type', '')}:{value.get('id', '')}")
    return f"{text} ({show_name(str(value['name']))})" if value.get("name") else text


_HIDDEN = ("Cc", "Cf", "Zl", "Zp")  # control and format characters, line and paragraph breaks


def visible(text: str) -> str:
    """`text` with every control or format character escaped (`\\x1b`, `\\u202e`): a plan's
    free text (a warning, a file name) never moves the cursor, colours or reorders a line."""
    if all(unicodedata.category(c) not in _HIDDEN for c in text):
        return text
    return "".join(
        c if unicodedata.category(c) not in _HIDDEN else repr(c)[1:-1]
        if c.isascii() else f"\\u{ord(c):04x}" for c in text
    )  # fmt: skip


def renamed_from(change: Change) -> str | None:
    """The old name of a renaming update, else None."""
    for f in change.fields:
        if f.field == "name":
            return str(f.before)
    return None


def is_destructive(change: Change) -> bool:
    """Deletes are what a reviewer must not miss (numbers stay rented, but the pool is gone)."""
    return change.action == "delete"


def where(change: Change) -> str:
    """`file:line` of the manifest place that causes a change, or ""."""
    return f"{change.source.file}:{change.source.line}" if change.source else ""


def facts(change: Change) -> list[tuple[str, str]]:
    """What to say next to a change's name, as (kind, value): renamed, uuid, kept, prune, source."""
    out: list[tuple[str, str]] = []
    old = renamed_from(change)
    if old is not None:
        out.append(("renamed", show_name(old)))
    if change.uuid:
        out.append(("uuid", change.uuid))
    if change.action == "delete":
        out.append(("kept", "numbers stay rented"))
        if change.source:
            out.append(("prune", where(change)))
    elif change.source:
        out.append(("source", where(change)))
    return out


def summary_line(plan: Plan, manifest_name: str) -> str:
    """Terraform's line, or the no-change sentence."""
    s = plan.summary
    if plan.empty:
        return f"No changes. Live account matches {manifest_name}."
    return f"Plan: {s.create} to create, {s.update} to update, {s.delete} to delete."


def tally_line(plan: Plan) -> str:
    """What the plan leaves alone: unchanged and unmanaged Powerpacks."""
    s = plan.summary
    return f"{s.unchanged} unchanged, {s.not_managed} not managed."


# --- pool members --------------------------------------------------------------------------------


def member_lines(change: Change, f: FieldChange) -> list[tuple[str, str]]:
    """A pool field's difference as (sign, text) rows: `+ 14155550100 (sms, moved from x)`,
    `- 444222 (unlinked; the account keeps it)`, `~ 14155550101 service sms -> mms`."""
    kind = f.field
    before = _by_number(f.before or [])
    after = _by_number(f.after or [])
    moves = {m.number: m for m in change.moves if m.kind == kind}
    rows: list[tuple[str, str]] = []
    for number in sorted(set(after) - set(before)):
        rows.append(("+", _arrival(number, after[number], moves.get(number), change.name)))
    for number in sorted(set(before) - set(after)):
        rows.append(("-", _departure(kind, number, before[number], moves.get(number), change)))
    for number in sorted(set(before) & set(after)):
        if before[number] != after[number]:
            rows.append(("~", f"{number} service {before[number]} -> {after[number]}"))
    return rows


def moved_out(change: Change) -> list[Move]:
    """Members leaving this change's pool for another (shown, sent by the destination)."""
    shown = {
        n for f in change.fields if f.field in KINDS for n in _by_number(f.before or [])
    }  # those a field already shows
    return [m for m in change.moves if m.source == change.name and m.number not in shown]


def _by_number(values: list[Any]) -> dict[str, str]:
    out = {}
    for v in values:
        if isinstance(v, dict):
            out[str(v.get("number"))] = str(v.get("service") or DEFAULT_SERVICE)
        else:
            out[str(v)] = ""
    return out


def _arrival(number: str, service: str, move: Move | None, name: str) -> str:
    notes = [service] if service else []
    if move is not None and move.destination == name:
        notes.append(f"moved from {show_name(move.source)}")
    return f"{number} ({', '.join(notes)})" if notes else number


def _departure(kind: str, number: str, service: str, move: Move | None, change: Change) -> str:
    if move is not None and move.source == change.name:
        return f"{number} (moved to {show_name(move.destination)})"
    kept = "unlinked; Plivo keeps it in the account" if kind == "shortcodes" else "stays rented"
    notes = [service, kept] if service else [kept]
    return f"{number} ({', '.join(notes)})"


def is_kind(field: str) -> bool:
    return field in KINDS


# --- width --------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns a text takes on a terminal: wide East Asian characters 2, combining marks 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def wrap(text: str, limit: int, first: str = "", rest: str | None = None) -> list[str]:
    """Word-wrap `text` into lines of at most `limit` columns, prefixed `first` then `rest`;
    a word longer than a line is cut where the line ends."""
    rest = first if rest is None else rest
    lines: list[str] = []
    line = first
    start = True
    for word in text.split(" "):
        candidate = word if start else f" {word}"
        if width(line + candidate) <= limit:
            line, start = line + candidate, False
            continue
        if not start:
            lines.append(line)
            line, candidate = rest, word
        while width(line + candidate) > limit:
            room = limit - width(line)
            cut = _cut(candidate, max(1, room))
            lines.append(line + candidate[:cut])
            line, candidate = rest, candidate[cut:]
        line, start = line + candidate, False
    lines.append(line)
    return lines


def _cut(text: str, columns: int) -> int:
    used = 0
    for i, char in enumerate(text):
        used += width(char)
        if used > columns:
            return max(1, i)
    return len(text)
