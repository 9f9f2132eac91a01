"""plan: read the live account, show what apply would change; never writes."""

from __future__ import annotations

import click

from reconciler.cli.base import EXIT_CHANGES, EXIT_OK, cli, err, no_color_option, write_file
from reconciler.cli.connect import api_options, open_client, target
from reconciler.cli.observe import observer, setup_logging
from reconciler.cli.planning import (
    base_option,
    github_report,
    load,
    make_plan,
    manifest_option,
    show_plan,
)
from reconciler.errors import RefusedError


@cli.command("plan", short_help="Show what apply would change in the live account.")
@manifest_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the JSON plan here.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0: no changes, 2: changes, 1: error.")
@click.option(
    "--target", "targets", multiple=True, metavar="NAME",
    help="Plan only these Powerpacks (repeatable; with prune, also one prune deletes).",
)  # fmt: skip
@base_option
@no_color_option
@api_options
def plan_cmd(
    manifest_path: str,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    base_path: str | None,
    sandbox: bool,
    api_url: str | None,
    verbose: int,
) -> int:
    """Show what apply would change in the live account (nothing is written)."""
    from reconciler.core import review
    from reconciler.render import render_json

    setup_logging(verbose)
    manifest = load(manifest_path)
    base = load(base_path, "base manifest") if base_path else None
    where = target(sandbox, api_url, manifest.account, manifest_path)
    watch = observer()
    try:
        with open_client(where, watch) as client:
            live, the_plan = make_plan(client, where.auth_id, manifest, targets, base)
    finally:
        watch.close()
    show_plan(the_plan, fmt, manifest_path)
    refused = review.protection_problems(the_plan, review.protections(manifest, base, live))
    if refused:  # before --out: a refused plan is not saved for apply --plan to find
        raise RefusedError("plan: refused: it touches protected Powerpacks:\n" + "\n".join(
            f"  {p}" for p in refused))  # fmt: skip
    if out:
        write_file(out, render_json(the_plan) + "\n")
        err(f"plan: saved to {out}")
    github_report(the_plan)
    return EXIT_CHANGES if detailed_exitcode and not the_plan.empty else EXIT_OK
