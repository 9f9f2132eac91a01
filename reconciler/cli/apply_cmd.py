"""apply: the plan (fresh or saved), its guards, confirmation, the writes, and the report."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from reconciler.cli import signals
from reconciler.cli.base import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    cli,
    err,
    no_color_option,
    out,
)
from reconciler.cli.connect import Target, api_options, open_client, target
from reconciler.cli.observe import (
    ApplyObserver,
    Progress,
    line,
    observer,
    setup_logging,
    wants_progress,
)
from reconciler.cli.planning import base_option, load, make_plan, manifest_option, show_plan
from reconciler.errors import PlanFileError, ReconcilerError, RefusedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from reconciler.api.client import PlivoClient
    from reconciler.core.models import ApiRequest, Change, Guards, LiveState, Manifest, Plan
    from reconciler.ops.apply import ApplyResult


def read_saved_plan(path: str) -> Plan:
    from reconciler.files import MiB, read_regular
    from reconciler.planfile import plan_from_json

    try:
        data = read_regular(path, 64 * MiB)
    except ReconcilerError as e:
        raise PlanFileError(f"plan {path}: {e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileError(f"plan {path}: not UTF-8 text: not a powerpacks plan") from None
    return plan_from_json(text, f"plan {path}")


def plan_age(the_plan: Plan, path: str) -> str:
    """`plan.json: made 2 h 5 min ago (2026-12-01T10:00:00+00:00) by powerpacks 0.2.0`."""
    made = the_plan.created_at
    try:
        when = datetime.fromisoformat(made)
    except ValueError:
        return f"apply: {path}: made at an unknown time (an older plan file)"
    seconds = max(0, int((datetime.now(timezone.utc) - when).total_seconds()))
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    age = f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds % 60} s"
    by = f" by powerpacks {the_plan.tool_version}" if the_plan.tool_version else ""
    return f"apply: {path}: made {age} ago ({made}){by}"


def refusals(
    the_plan: Plan,
    manifest: Manifest | None,
    base: Manifest | None,
    live: LiveState | None,
    allow_delete: bool,
    allow_mass: bool,
) -> tuple[list[str], list[str]]:
    """Every guard the plan trips: (protection, which no flag lifts and which --dry-run
    refuses as plan does; deletes and mass change, which a flag lifts and --dry-run warns of)."""
    from reconciler.core import review

    protected = dict.fromkeys(the_plan.protected, review.Protection("", None, False))
    if manifest is not None or base is not None:  # a saved plan's own Powerpacks stand in for
        seen = live or review.live_of_plan(the_plan)  # the live ones it names
        protected.update(review.protections(manifest, base, seen))
    refused = review.protection_problems(the_plan, protected)
    problems: list[str] = []
    deletes = [c.name for c in the_plan.changes if c.action == "delete"]
    if deletes and not allow_delete:
        problems.append(
            f"the plan deletes {len(deletes)} Powerpack(s) ({', '.join(deletes)}): "
            "re-run with --allow-delete to apply it"
        )
    if not allow_mass:
        tripped = [p for g in held_guards(the_plan, manifest, live)
                   for p in review.guard_problems(the_plan, g)]  # fmt: skip
        problems += [f"{p}: re-run with --allow-mass-change to apply it"
                     for p in dict.fromkeys(tripped)]  # fmt: skip
    return refused, problems


def held_guards(the_plan: Plan, manifest: Manifest | None, live: LiveState | None) -> list[Guards]:
    """The guards a plan is held to. A fresh plan: the manifest's. A saved plan: those it
    records (the defaults when it records none: a plan file is untrusted, and dropping the key
    must not turn the guard off), and with -f also the manifest's it was made from."""
    from reconciler.core.models import Guards as Defaults

    if live is not None and manifest is not None:
        return [manifest.guards]
    held = [the_plan.guards or Defaults()]
    if manifest is not None and manifest.guards not in held:
        held.append(manifest.guards)
    return held


def confirm(auto_approve: bool, account: str) -> None:
    """Ask on a terminal; without one, refuse unless --auto-approve."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "refusing to apply without confirmation: no terminal to ask on (use --auto-approve)"
        )
    # Two lines: on one, the question and the masked id take 83 columns, and at 80 the
    # terminal broke it before the colon the answer follows.
    err(f"\nApply these changes to account {account}?")
    try:
        answer = ask("Only 'yes' will be accepted: ")
    except (signals.Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        err("")  # Ctrl-C or Ctrl-D left the answer's line open: "Interrupted." goes below it
        raise
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled: nothing was changed")


def ask(question: str) -> str:
    """One line from the terminal, waited for in short selects: a signal that arrives while
    the prompt is being drawn is handled at once (input() through readline could miss it, block
    in its select and leave SIGTERM unanswered until a key was pressed)."""
    import select

    click.echo(question, nl=False, err=True)
    try:
        while not select.select([sys.stdin], [], [], 0.2)[0]:
            pass
    except (OSError, ValueError):  # no select on this stdin (Windows, a test's buffer)
        pass
    answer = sys.stdin.readline()
    if not answer:  # Ctrl-D: the end of the input, no line
        raise click.exceptions.Abort()
    return answer


def show_requests(the_plan: Plan, auth_id: str, left: dict[int, list] | None) -> None:
    """--dry-run: the exact requests apply would send, in the order it starts them (its steps:
    Powerpack writes, adds, moves, service changes, removals, deletes; auth id masked)."""
    from reconciler.core.models import canonical_json
    from reconciler.ops.apply import send_order
    from reconciler.secrets import mask_account

    out("\nRequests apply would send (dry run, nothing sent):")
    for _change, req in send_order(the_plan, left):
        path = req.path.replace("{auth_id}", mask_account(auth_id))
        out(f"  {req.method} {path} {canonical_json(req.body)}")


_WORDS = {"applied": "applied", "failed": "FAILED", "not_attempted": "not attempted",
          "already applied": "already applied"}  # fmt: skip


class ChangeEvents:
    """A line per change done on stderr, `apply: [2/4] applied update NAME`; on a terminal, the
    progress line under them counts the changes and names the last one. Keeps each change's last
    status, for the report of a run a second signal cuts short."""

    def __init__(self, total: int, progress: Progress | None):
        self.total, self.progress, self.done = total, progress, 0
        self.seen: dict[int, str] = {}

    def __call__(self, change: Change, status: str, detail: str = "") -> None:
        from reconciler.core.identity import show_name

        self.seen[id(change)] = status
        if status == "start":
            return
        self.done += 1
        word = _WORDS.get(status, status.replace("_", " "))
        name = show_name(change.name)
        # an error that already names the change (`create x: POST ...`) is not told it twice
        detail = detail.removeprefix(f"{change.action} {change.name}: ")
        if self.progress is not None:
            self.progress.advance(f"{word} {change.action} {name}")
        if status == "already applied":  # a saved plan's change found done: it sends nothing
            line(f"apply: {change.action} {name}: already applied")
            return
        line(f"apply: [{self.done}/{self.total}] {word} {change.action} {name}"
             + (f": {detail}" if detail else ""))  # fmt: skip

    def report_cut(self, the_plan: Plan) -> None:
        """What is known when a second signal ends the run before apply could report."""
        from reconciler.core.identity import show_name

        counts = {"applied": 0, "failed": 0, "start": 0, "": 0}
        for change in the_plan.changes:
            status = self.seen.get(id(change), "")
            status = "applied" if status == "already applied" else status
            status = "" if status == "not_attempted" else status
            counts[status] = counts.get(status, 0) + 1
            if status == "start":
                err(f"apply: under way: {change.action} {show_name(change.name)} (may have landed)")
            elif status == "":
                err(f"apply: not attempted: {change.action} {show_name(change.name)}")
        err(
            f"Interrupted: {counts['applied']} applied, {counts['failed']} failed, "
            f"{counts['']} not attempted, {counts['start']} under way. Re-run: apply converges "
            "from where it stopped."
        )


def report(result: ApplyResult) -> int:
    """The outcome in one line (each change had its line already); 0 only if all converged."""
    for problem in result.problems:
        err(f"apply: verification: {problem}")
    applied, failed, skipped = len(result.applied), len(result.failed), len(result.not_attempted)
    if failed or skipped or result.problems:
        why = "Interrupted" if signals.received() else "Apply incomplete"
        err(
            f"{why}: {applied} applied, {failed} failed, {skipped} not attempted. "
            "Fix the cause and re-run: apply converges from where it stopped."
        )
        return EXIT_ERROR
    already = f", {len(result.already)} already applied" if result.already else ""
    err(f"Apply complete: {applied} change(s) applied and verified{already}.")
    return EXIT_OK


@cli.command("apply", short_help="Make the live account match the manifest (or a saved plan).")
@manifest_option
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), help="Apply this saved plan.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show the plan and the requests; send no write.")
@base_option
@click.option("--allow-delete", is_flag=True, help="Allow the deletes a pruning plan contains.")
@click.option(
    "--allow-mass-change", is_flag=True, help="Allow a plan over the manifest's `guards`."
)
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True)
@no_color_option
@api_options
@click.pass_context
def apply_cmd(
    ctx: click.Context,
    manifest_path: str,
    plan_file: str | None,
    auto_approve: bool,
    dry_run: bool,
    base_path: str | None,
    allow_delete: bool,
    allow_mass_change: bool,
    parallelism: int,
    sandbox: bool,
    api_url: str | None,
    verbose: int,
) -> int:
    """Make the live account match the manifest (or apply a saved plan, exactly)."""
    from reconciler.ops.saved import check_account

    setup_logging(verbose)
    explicit = ctx.get_parameter_source("manifest_path") == click.core.ParameterSource.COMMANDLINE
    saved = read_saved_plan(plan_file) if plan_file else None
    manifest = load(manifest_path) if saved is None or explicit else None
    base = load(base_path, "base manifest") if base_path else None
    if saved is not None and manifest is not None and manifest.sha256 != saved.manifest_sha256:
        raise ReconcilerError(
            f"apply: {plan_file} was made from a manifest with sha256 {saved.manifest_sha256[:12]}"
            f"..., not from {manifest_path} ({manifest.sha256[:12]}...): refusing to apply it"
        )
    where = target(sandbox, api_url, manifest.account if manifest else (), manifest_path)
    if saved is not None:
        check_account(saved, where.auth_id)
        err(plan_age(saved, str(plan_file)))
    return _run(saved, manifest, base, where, manifest_path, dry_run, auto_approve,
                (allow_delete, allow_mass_change), parallelism)  # fmt: skip


def _run(
    saved: Plan | None,
    manifest: Manifest | None,
    base: Manifest | None,
    where: Target,
    manifest_path: str,
    dry_run: bool,
    auto_approve: bool,
    allowed: tuple[bool, bool],
    parallelism: int,
) -> int:
    from reconciler.ops.saved import check_saved_plan

    watch = observer()
    with open_client(where, watch) as client:
        live, left, pools = None, None, None
        try:
            if saved is not None:
                resumed = check_saved_plan(client, saved, where.auth_id)
                left, pools, the_plan = resumed.left, resumed.pools, saved
            else:
                assert manifest is not None
                live, the_plan = make_plan(client, where.auth_id, manifest, (), base)
        finally:
            watch.close()
        show_plan(the_plan, "text", the_plan.manifest_path or manifest_path)
        if the_plan.empty:
            return EXIT_OK
        refused, problems = refusals(the_plan, manifest, base, live, *allowed)
        if refused or (problems and not dry_run):
            raise RefusedError("refusing to apply (nothing was changed):\n" + "\n".join(
                f"  {p}" for p in refused + problems))  # fmt: skip
        for problem in problems:
            err(f"apply: warning: {problem}")
        if dry_run:
            show_requests(the_plan, where.auth_id, left)
            return EXIT_OK
        confirm(auto_approve, the_plan.account)
        result = _write(client, the_plan, parallelism, left, pools)
    if result.ok and manifest is not None and live is not None and saved is None:
        result.problems.extend(replan_problems(manifest, live, result))
    code = report(result)
    received = signals.received()
    if received is not None:
        return EXIT_SIGTERM if received == 15 else EXIT_SIGINT
    return code


def replan_problems(manifest: Manifest, live: LiveState, result: ApplyResult) -> list[str]:
    """Re-plan on the state the write answers show: anything left is a convergence failure."""
    from reconciler.core.planner import plan
    from reconciler.ops.apply import state_after

    again = plan(manifest, state_after(live, result))
    return [
        f"{c.action} {c.name} still pending after apply: {', '.join(f.field for f in c.fields)}"
        for c in again.changes
    ]


def _write(
    client: PlivoClient,
    the_plan: Plan,
    parallelism: int,
    left: Mapping[int, list[ApiRequest]] | None,
    pools: Mapping[str, str] | None,
) -> ApplyResult:
    """Apply's writes, with a line per change; a first signal lets them wind down."""
    from reconciler.ops.apply import apply_plan

    progress = Progress() if wants_progress() else None
    client.observer = ApplyObserver(progress)
    total = len(the_plan.changes)
    if progress is not None:
        progress.phase("apply", total)
    events = ChangeEvents(total, progress)
    try:
        with signals.deferred(), client.phase("apply"):
            return apply_plan(
                client, the_plan, parallelism=parallelism, left=left, pools=pools,
                on_event=events,
            )  # fmt: skip
    except signals.Interrupted:  # a second signal: no waiting, but say what is known
        client.observer.close()
        events.report_cut(the_plan)
        raise
    finally:
        client.observer.close()
