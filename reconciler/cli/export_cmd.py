"""export: the live account as a manifest, or merged into an existing one keeping comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reconciler.cli.base import EXIT_OK, cli, err, out, write_file
from reconciler.cli.connect import api_options, open_client, target
from reconciler.cli.observe import observer, setup_logging
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.core.models import LiveState


@cli.command("export", short_help="Write the live account as a manifest (to adopt one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@click.option(
    "--merge", "merge_path", type=click.Path(dir_okay=False),
    help="Merge the live account into this manifest in place, keeping comments.",
)  # fmt: skip
@api_options
def export_cmd(
    output: str | None, merge_path: str | None, sandbox: bool, api_url: str | None, verbose: int
) -> int:
    """Write the live account as a manifest (to adopt an existing account)."""
    from reconciler.export import export_manifest, export_warnings
    from reconciler.ops.fetch import fetch_everything

    setup_logging(verbose)
    if output and merge_path:
        raise click.UsageError("use either -o/--output or --merge, not both")
    original = read_for_merge(merge_path) if merge_path else None
    pin: tuple[str, ...] = ()
    if merge_path and original is not None:
        from reconciler.manifest import parse_manifest

        pin = parse_manifest(original, merge_path).account
    where = target(sandbox, api_url, pin, merge_path or "")
    watch = observer()
    try:
        with open_client(where, watch) as client:
            live = fetch_everything(client)
    finally:
        watch.close()
    for warning in export_warnings(live):
        err(f"export: warning: {warning}")
    if merge_path and original is not None:
        merge_into(merge_path, original, live)
    elif output:
        write_file(output, export_manifest(live))
        err(f"export: {len(live.powerpacks)} Powerpack(s) written to {output}")
    else:
        out(export_manifest(live), nl=False)
    return EXIT_OK


def read_for_merge(path: str) -> str:
    """The file's text exactly as stored: CRLF line endings stay CRLF through the merge."""
    from reconciler.errors import FileError
    from reconciler.files import read_regular
    from reconciler.manifest.walker import MANIFEST_LIMIT

    try:
        data = read_regular(path, MANIFEST_LIMIT)
    except FileError as e:
        raise ReconcilerError(f"{path}: {e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from reconciler.manifest import load_manifest

        load_manifest(path)  # locates the bad byte, as validate does (a ManifestError)
        raise ReconcilerError(f"cannot read {path}: not UTF-8") from None


def merge_into(path: str, original: str, live: LiveState) -> None:
    """Merge, write only when something differs, and say what pending work the file keeps."""
    from reconciler.errors import ManifestError
    from reconciler.export import merge_manifest, pending_work

    merged = merge_manifest(original, live, path=path)
    try:  # checked before it is written: a merge never leaves a file the tool refuses
        creates, renames = pending_work(merged, live, path)
    except ManifestError as e:
        raise ReconcilerError(
            f"export: {path} not written: the merged file would not validate:\n{e}"
        ) from None
    if merged != original:
        write_file(path, merged)
    err(f"export: {path} {'updated' if merged != original else 'already up to date'}")
    kept = [f"create {n}" for n in creates] + [f"rename {old} -> {new}" for old, new in renames]
    if kept:
        err(f"export: kept the file's pending work (plan shows it): {', '.join(kept)}")
