"""apply: confirmation, delete refusal, dry run, progress and the final report."""

from __future__ import annotations

import sys
from typing import Any

import click

from reconciler.cli.base import (
    DEFAULT_MANIFEST,
    EXIT_ERROR,
    EXIT_OK,
    cli,
    err,
)
from reconciler.cli.live import (
    api_options,
    compute_plan,
    connect,
    replan_problems,
    setup_logging,
    show_plan,
)
from reconciler.errors import ReconcilerError


def read_saved_plan(path: str) -> Any:
    from reconciler.errors import FileError
    from reconciler.files import MiB, read_regular
    from reconciler.planfile import plan_from_json

    try:
        data = read_regular(path, 64 * MiB)
    except FileError as e:
        raise ReconcilerError(f"plan {path}: {e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReconcilerError(f"plan {path}: not UTF-8 text: not a powerpacks plan") from None
    return plan_from_json(text)


def refuse_deletes(the_plan: Any, allow_delete: bool, dry_run: bool) -> None:
    """Destructive changes need --allow-delete: without it, nothing at all is written."""
    deletes = [c.name for c in the_plan.changes if c.action == "delete"]
    if not deletes or allow_delete:
        return
    message = (
        f"the plan deletes {len(deletes)} Powerpack(s) ({', '.join(deletes)}); "
        "re-run with --allow-delete to apply it"
    )
    if dry_run:
        err(f"apply: warning: {message}")
        return
    raise ReconcilerError(f"refusing to apply: {message}. Nothing was changed.")


def confirm(auto_approve: bool) -> None:
    """Ask on a terminal; without one, refuse unless --auto-approve."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "refusing to apply without confirmation: no terminal to ask on (use --auto-approve)"
        )
    answer = click.prompt(
        "Apply these changes? Only 'yes' will be accepted", default="", show_default=False, err=True
    )
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled: nothing was changed")


def show_requests(the_plan: Any, auth_id: str) -> None:
    """--dry-run: the exact requests apply would send, in order (auth id masked)."""
    from reconciler.core.models import canonical_json
    from reconciler.secrets import mask_account

    click.echo("\nRequests apply would send (dry run, nothing sent):")
    for change in the_plan.changes:
        for req in change.requests:
            path = req.path.replace("{auth_id}", mask_account(auth_id))
            click.echo(f"  {req.method} {path} {canonical_json(req.body)}")


def progress(total: int) -> Any:
    """A per-change line on stderr (a counter that rewrites itself on a terminal)."""
    done = [0]
    tty = sys.stderr.isatty()

    def on_event(change: Any, status: str, detail: str = "") -> None:
        if status in ("start",):
            return
        done[0] += 1
        line = f"apply: [{done[0]}/{total}] {status} {change.action} {change.name}"
        line += f": {detail}" if detail else ""
        click.echo(
            ("\r\x1b[K" + line) if tty and status != "failed" else line,
            err=True,
            nl=not tty or done[0] == total or status == "failed",
        )

    return on_event


def report(result: Any) -> int:
    """Say what was applied, what failed and what was not attempted; 0 only if all converged."""
    for change, reason in result.failed:
        err(f"apply: FAILED {change.action} {change.name}: {reason}")
    for change in result.not_attempted:
        err(f"apply: not attempted {change.action} {change.name}")
    for problem in result.problems:
        err(f"apply: verification: {problem}")
    applied, failed, skipped = len(result.applied), len(result.failed), len(result.not_attempted)
    if failed or skipped or result.problems:
        err(
            f"Apply incomplete: {applied} applied, {failed} failed, {skipped} not attempted. "
            "Fix the cause and re-run: apply converges from where it stopped."
        )
        return EXIT_ERROR
    err(f"Apply complete: {applied} change(s) applied and verified.")
    return EXIT_OK


@cli.command("apply")
@click.option("-f", "--file", "manifest_path", default=DEFAULT_MANIFEST, show_default=True)
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), help="Apply this saved plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show the plan and the requests; send no write.")
@click.option("--allow-delete", is_flag=True, help="Allow the deletes a pruning plan contains.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True)
@api_options
def apply_cmd(
    manifest_path: str,
    plan_file: str | None,
    auto_approve: bool,
    dry_run: bool,
    allow_delete: bool,
    parallelism: int,
    sandbox: bool,
    api_url: str | None,
    verbose: int,
) -> int:
    """Make the live account match the manifest (or a saved plan)."""
    from reconciler.manifest import load_manifest
    from reconciler.ops.apply import apply_plan
    from reconciler.ops.saved import check_saved_plan

    setup_logging(verbose)
    saved = read_saved_plan(plan_file) if plan_file else None
    manifest = None if saved is not None else load_manifest(manifest_path)
    with connect(sandbox, api_url) as (client, auth_id):
        live, left, pools = None, None, None
        if saved is not None:
            resumed = check_saved_plan(client, saved, auth_id)
            left, pools = resumed.left, resumed.pools
            the_plan = saved
        else:
            live, the_plan = compute_plan(client, auth_id, manifest, ())
        show_plan(the_plan, "text", the_plan.manifest_path or manifest_path)
        if the_plan.empty:
            return EXIT_OK
        refuse_deletes(the_plan, allow_delete, dry_run)
        if dry_run:
            show_requests(the_plan, auth_id)
            return EXIT_OK
        confirm(auto_approve)
        result = apply_plan(
            client, the_plan, parallelism=parallelism, on_event=progress(len(the_plan.changes)),
            left=left, pools=pools,
        )  # fmt: skip
    if result.ok and manifest is not None and live is not None:
        result.problems.extend(replan_problems(manifest, live, result))
    return report(result)
