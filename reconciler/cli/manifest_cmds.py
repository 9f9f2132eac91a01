"""validate and schema: offline manifest checks (no network, no credentials)."""

from __future__ import annotations

import click

from reconciler.cli.base import (
    DEFAULT_MANIFEST,
    EXIT_OK,
    cli,
)

# --- validate / schema: offline manifest checks (no network, no credentials) ----------------------


@cli.command("validate")
@click.option("-f", "--file", "manifest_path", default=DEFAULT_MANIFEST, show_default=True)
def validate_cmd(manifest_path: str) -> int:
    """Check the manifest offline: syntax, schema and semantic rules."""
    from reconciler.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    count = len(manifest.powerpacks)
    renames = sum(1 for p in manifest.powerpacks.values() if p.renamed_from)
    click.echo(
        f"{manifest_path}: valid: {count} Powerpack{'' if count == 1 else 's'}"
        f"{f', {renames} rename(s)' if renames else ''}, prune {'on' if manifest.prune else 'off'}"
    )
    return EXIT_OK


@cli.command("schema")
def schema_cmd() -> int:
    """Print the manifest's JSON Schema (editors: see the README's yaml-language-server line)."""
    from reconciler.manifest_schema import schema_text

    click.echo(schema_text(), nl=False)
    return EXIT_OK
