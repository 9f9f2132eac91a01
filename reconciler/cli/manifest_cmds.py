"""validate and schema: offline manifest checks (no network, no credentials)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from reconciler.core.models import Manifest
    from reconciler.errors import Problem

from reconciler.cli.base import (
    DEFAULT_MANIFEST,
    EXIT_OK,
    cli,
    err,
)

# --- validate / schema: offline manifest checks (no network, no credentials) ----------------------


@cli.command("validate")
@click.option(
    "-f",
    "--file",
    "manifest_paths",
    multiple=True,
    metavar="FILE",
    help=f"A manifest to check (repeatable; default {DEFAULT_MANIFEST}).",
)
@click.argument("files", nargs=-1, metavar="[FILES]...")
def validate_cmd(manifest_paths: tuple[str, ...], files: tuple[str, ...]) -> int:
    """Check manifests offline: syntax, schema and semantic rules; every problem of every file.

    Warnings (a Powerpack name with invisible characters, say) go to stderr and don't fail."""
    from reconciler.errors import ManifestError
    from reconciler.manifest import load_manifest

    problems = []
    # Each file once, in the order given: pre-commit may pass the -f file again as an argument.
    for path in dict.fromkeys([*manifest_paths, *files]) or [DEFAULT_MANIFEST]:
        try:
            manifest = load_manifest(path)
        except ManifestError as e:
            show_warnings(getattr(e, "warnings", ()))
            problems.extend(e.problems)
            continue
        show_warnings(manifest.warnings)
        click.echo(valid_line(path, manifest))
    if problems:
        raise ManifestError(problems)
    return EXIT_OK


def show_warnings(warnings: Iterable[Problem]) -> None:
    """`FILE:LINE:COL: path: warning: message`, one line each, on stderr."""
    from reconciler.cli import one_line

    for w in warnings:
        where = f"{w.file}:{w.line}:{w.col}: " + (f"{w.path}: " if w.path else "")
        err(one_line(f"{where}warning: {w.message}"))


def valid_line(path: str, manifest: Manifest) -> str:
    """`powerpacks.yaml: valid: 3 Powerpacks, 1 rename(s), prune off`."""
    count = len(manifest.powerpacks)
    renames = sum(1 for p in manifest.powerpacks.values() if p.renamed_from)
    return (
        f"{path}: valid: {count} Powerpack{'' if count == 1 else 's'}"
        f"{f', {renames} rename(s)' if renames else ''}, prune {'on' if manifest.prune else 'off'}"
    )


@cli.command("schema")
def schema_cmd() -> int:
    """Print the manifest's JSON Schema (editors: see the README's yaml-language-server line)."""
    from reconciler.manifest.schemafile import schema_text

    click.echo(schema_text(), nl=False)
    return EXIT_OK
