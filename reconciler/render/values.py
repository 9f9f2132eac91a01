"""How plan values read to a human: shared by the text and Markdown renderers. Pure."""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.models import Change, Plan
from reconciler.core.vocab import PRIORITY_PREFIX

SYMBOLS = {"create": "+", "update": "~", "delete": "-"}


def is_cell(field: str) -> bool:
    return field.startswith(PRIORITY_PREFIX)


def cell_label(field: str) -> str:
    """ "number_priority.US.SMS" -> "US SMS"."""
    return field[len(PRIORITY_PREFIX) :].replace(".", " ")


def show(field: str, value: Any) -> str:
    """One field value as text: `none`, `xml:123 (Name)`, `true`, `a > b > c`, `"name"`."""
    if field == "application":
        return show_app(value)
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " > ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def show_app(value: Any) -> str:
    if not value:
        return "none"
    text = f"{value.get('type', '')}:{value.get('id', '')}"
    return f"{text} ({value['name']})" if value.get("name") else text


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
        out.append(("renamed", old))
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
