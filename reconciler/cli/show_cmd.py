"""show: render a saved plan, with no call (the file is checked as apply --plan checks it)."""

from __future__ import annotations

import click

from reconciler.cli.base import EXIT_OK, cli, err, no_color_option
from reconciler.cli.planning import show_plan


@cli.command("show", short_help="Render a saved plan (text, Markdown or JSON); no call.")
@click.argument("plan_file", type=click.Path(dir_okay=False), metavar="PLAN.json")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@no_color_option
def show_cmd(plan_file: str, fmt: str) -> int:
    """Render a saved plan; it is read as strictly as apply --plan reads it."""
    from reconciler.cli.apply_cmd import plan_age, read_saved_plan

    saved = read_saved_plan(plan_file)
    err(plan_age(saved, plan_file).replace("apply: ", "show: ", 1))
    show_plan(saved, fmt, saved.manifest_path or plan_file)
    return EXIT_OK
