"""GitHub Actions workflow commands: annotations for a plan and for manifest problems. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.core.models import Change, Plan
from reconciler.errors import Problem
from reconciler.render.values import is_destructive


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
        props = [f"file={escape_property(src.file)}", f"line={src.line}", f"col={src.col}", *props]
    return f"::warning {','.join(props)}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """GitHub's escaping for a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping for a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def problem_annotations(problems: Iterable[Problem]) -> list[str]:
    """`::error file=...,line=...,col=...::...`, one per manifest problem, on its line."""
    lines = []
    for p in problems:
        message = f"{p.path}: {p.message}" if p.path else p.message
        where = f"file={escape_property(p.file)},line={p.line},col={p.col}"
        lines.append(f"::error {where},title=powerpacks::{escape_data(message)}")
    return lines
