"""The command line: the only module that prints, reads the environment or exits.

Heavy modules (pydantic, requests, ruamel.yaml, deepdiff) are imported inside the commands so that
`powerpacks --version` and `powerpacks validate` start fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from reconciler import __version__
from reconciler.errors import ManifestError, ReconcilerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # only with `plan --detailed-exitcode`

DEFAULT_MANIFEST = "powerpacks.yaml"


def err(message: str) -> None:
    """One line (or block) on stderr."""
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="powerpacks")
def cli() -> None:
    """Declarative config-as-code for Plivo Powerpacks: validate, plan, apply, export."""


# --- commands are registered below, one block per step ------------------------------------------


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


# --- plan / apply / export: connection, rendering and the apply workflow --------------------------

SANDBOX_STATE = ".powerpacks/sandbox.json"
API_URL_DEFAULT = "https://api.plivo.com"


def api_options(f: Any) -> Any:
    """Options shared by the commands that read the live account."""
    f = click.option("-v", "--verbose", count=True, help="More detail on stderr (no secrets).")(f)
    f = click.option(
        "--api-url", envvar="PLIVO_API_URL", default=None, metavar="URL",
        help=f"API base URL (env PLIVO_API_URL; default {API_URL_DEFAULT}).",
    )(f)
    f = click.option(
        "--sandbox", is_flag=True,
        help=f"Run against the bundled emulator (state in {SANDBOX_STATE}); no credentials needed.",
    )(f)
    return f


def setup_logging(verbose: int) -> None:
    """-v: step-level logs; -vv: every request. Always on stderr."""
    import logging

    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(name)s: %(message)s")


@contextlib.contextmanager
def connect(sandbox: bool, api_url: str | None) -> Iterator[tuple[Any, str]]:
    """Yield (PlivoClient, auth_id) for the real API or for the bundled sandbox on loopback."""
    from reconciler.client import PlivoClient

    if sandbox:
        from reconciler.sandbox import Sandbox

        with (
            Sandbox(SANDBOX_STATE) as sb,
            PlivoClient(sb.url, sb.auth_id, sb.auth_token) as client,
        ):
            yield client, sb.auth_id
        return
    auth_id = os.environ.get("PLIVO_AUTH_ID", "").strip()
    token = os.environ.get("PLIVO_AUTH_TOKEN", "").strip()
    if not auth_id or not token:
        missing = [n for n, v in (("PLIVO_AUTH_ID", auth_id), ("PLIVO_AUTH_TOKEN", token)) if not v]
        raise ReconcilerError(
            f"{' and '.join(missing)} not set: export the account's credentials, or use --sandbox"
        )
    with PlivoClient(api_url or API_URL_DEFAULT, auth_id, token) as client:
        yield client, auth_id


def color_enabled() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def compute_plan(
    client: Any, auth_id: str, manifest: Any, targets: tuple[str, ...]
) -> tuple[Any, Any]:
    """fetch -> (live state, plan stamped with the account and the manifest it was made from)."""
    from reconciler.fetch import fetch_live
    from reconciler.models import account_sha256, mask_account
    from reconciler.plan import plan

    live = fetch_live(client, manifest, targets=targets)
    result = plan(manifest, live, targets=targets)
    stamped = result.model_copy(
        update={
            "account": mask_account(auth_id),
            "account_sha256": account_sha256(auth_id),
            "manifest_path": manifest.path,
            "manifest_sha256": manifest.sha256,
        }
    )
    return live, stamped


def replan_problems(manifest: Any, live: Any, result: Any) -> list[str]:
    """Re-plan on the state the write answers show: anything left is a convergence failure."""
    from reconciler.apply import state_after
    from reconciler.plan import plan

    again = plan(manifest, state_after(live, result))
    return [
        f"{c.action} {c.name} still pending after apply: {', '.join(f.field for f in c.fields)}"
        for c in again.changes
    ]


def show_plan(the_plan: Any, fmt: str, manifest_name: str) -> None:
    from reconciler import render

    if fmt == "json":
        click.echo(render.render_json(the_plan))
    elif fmt == "markdown":
        click.echo(render.render_markdown(the_plan))
    else:
        click.echo(render.render_text(the_plan, color=color_enabled(), manifest_name=manifest_name))


def github_report(the_plan: Any) -> None:
    """In GitHub Actions: Markdown plan to the step summary, annotations for destructive changes."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from reconciler import render

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(render.render_markdown(the_plan) + "\n")
    for line in render.github_annotations(the_plan):
        err(line)


@cli.command("plan")
@click.option("-f", "--file", "manifest_path", default=DEFAULT_MANIFEST, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the JSON plan here.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0: no changes, 2: changes, 1: error.")
@click.option(
    "--target", "targets", multiple=True, metavar="NAME", help="Plan only these Powerpacks."
)
@api_options
def plan_cmd(
    manifest_path: str, fmt: str, out: str | None, detailed_exitcode: bool,
    targets: tuple[str, ...], sandbox: bool, api_url: str | None, verbose: int,
) -> int:
    """Show what apply would change in the live account."""
    from reconciler.manifest import load_manifest
    from reconciler.render import render_json

    setup_logging(verbose)
    manifest = load_manifest(manifest_path)
    with connect(sandbox, api_url) as (client, auth_id):
        _live, the_plan = compute_plan(client, auth_id, manifest, targets)
    show_plan(the_plan, fmt, manifest_path)
    if out:
        write_file(out, render_json(the_plan) + "\n")
        err(f"plan: saved to {out}")
    github_report(the_plan)
    return EXIT_CHANGES if detailed_exitcode and not the_plan.empty else EXIT_OK


def write_file(path: str, text: str) -> None:
    """Write atomically, so a saved plan or export is never half-written."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        raise ReconcilerError(f"cannot write {path}: {e.strerror}") from None


def read_saved_plan(path: str) -> Any:
    from reconciler.render import plan_from_json

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ReconcilerError(f"cannot read plan {path}: {e.strerror}") from None
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
    from reconciler.models import canonical_json, mask_account

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
        click.echo(("\r\x1b[K" + line) if tty and status != "failed" else line, err=True,
                   nl=not tty or done[0] == total or status == "failed")

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
    manifest_path: str, plan_file: str | None, auto_approve: bool, dry_run: bool,
    allow_delete: bool, parallelism: int, sandbox: bool, api_url: str | None, verbose: int,
) -> int:
    """Make the live account match the manifest (or a saved plan)."""
    from reconciler.apply import apply_plan, check_saved_plan
    from reconciler.manifest import load_manifest

    setup_logging(verbose)
    saved = read_saved_plan(plan_file) if plan_file else None
    manifest = None if saved is not None else load_manifest(manifest_path)
    with connect(sandbox, api_url) as (client, auth_id):
        live = None
        if saved is not None:
            check_saved_plan(client, saved, auth_id)
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
            client, the_plan, parallelism=parallelism, on_event=progress(len(the_plan.changes))
        )
    if result.ok and manifest is not None and live is not None:
        result.problems.extend(replan_problems(manifest, live, result))
    return report(result)


@cli.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@click.option("--merge", "merge_path", type=click.Path(dir_okay=False),
              help="Merge the live account into this manifest in place, keeping comments.")
@api_options
def export_cmd(
    output: str | None, merge_path: str | None, sandbox: bool, api_url: str | None, verbose: int
) -> int:
    """Write the live account as a manifest (to adopt an existing account)."""
    from reconciler.export import export_manifest, merge_manifest
    from reconciler.fetch import fetch_everything

    setup_logging(verbose)
    if output and merge_path:
        raise click.UsageError("use either -o/--output or --merge, not both")
    original = None
    if merge_path:
        try:
            original = Path(merge_path).read_text(encoding="utf-8")
        except OSError as e:
            raise ReconcilerError(f"cannot read {merge_path}: {e.strerror}") from None
    with connect(sandbox, api_url) as (client, _auth_id):
        live = fetch_everything(client)
    if merge_path and original is not None:
        merged = merge_manifest(original, live, path=merge_path)
        write_file(merge_path, merged)
        err(f"export: {merge_path} {'updated' if merged != original else 'already up to date'}")
    elif output:
        write_file(output, export_manifest(live))
        err(f"export: {len(live.powerpacks)} Powerpack(s) written to {output}")
    else:
        click.echo(export_manifest(live), nl=False)
    return EXIT_OK


# --- sandbox serve / reset / show: the bundled emulator -------------------------------------------


@cli.group("sandbox")
def sandbox_group() -> None:
    """The bundled Plivo API emulator (state in .powerpacks/sandbox.json)."""


def _state_option(f: Any) -> Any:
    return click.option(
        "--state", "state_path", default=SANDBOX_STATE, show_default=True,
        type=click.Path(dir_okay=False), help="The sandbox account's JSON state file.",
    )(f)  # fmt: skip


def _rate_limit(text: str) -> Any:
    """`300/5` -> [300, 5.0]; `off` -> None; `state` -> keep the state file's."""
    if text in ("state", "off"):
        return None if text == "off" else "state"
    count, _, window = text.partition("/")
    try:
        return [int(count), float(window or 5)]
    except ValueError:
        raise click.BadParameter("expected N/SECONDS (e.g. 300/5), off or state") from None


@sandbox_group.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="0 picks a free port.")
@_state_option
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added to every request.")
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="e.g. 429:0.2, 500:every=7,method=POST, drop-after:0.1 (repeatable).")
@click.option("--seed", type=int, default=0, help="Seed of the fault generator.")
@click.option("--rate-limit", default="state", help="N/SECONDS, off, or state (the file's).")
@click.option("--priority-update", type=click.Choice(["merge", "replace"]), default=None)
@click.option("--list-priority/--no-list-priority", default=None,
              help="Whether list objects include number_priority.")  # fmt: skip
def sandbox_serve(
    port: int, state_path: str, latency_ms: float, faults: tuple[str, ...], seed: int,
    rate_limit: str, priority_update: str | None, list_priority: bool | None,
) -> int:  # fmt: skip
    """Serve the emulator on 127.0.0.1 until Ctrl-C."""
    import signal
    import threading

    from reconciler.sandbox import Sandbox, parse_fault

    try:
        parsed = [parse_fault(spec) for spec in faults]
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--fault") from None
    env_id, env_token = os.environ.get("PLIVO_AUTH_ID"), os.environ.get("PLIVO_AUTH_TOKEN")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before printing: callers may kill soon
    try:
        sb = Sandbox(
            state_path, port=port, latency_ms=latency_ms, faults=parsed, seed=seed,
            rate_limit=_rate_limit(rate_limit), priority_update=priority_update,
            list_includes_priority=list_priority, auth_id=env_id or None,
            auth_token=(env_token or None) if env_id else None,
        ).start()  # fmt: skip
    except (OSError, ValueError) as e:
        raise ReconcilerError(f"sandbox: cannot serve: {e}") from None
    err(f"sandbox: serving {state_path} on {sb.url} (Ctrl-C stops it)")
    click.echo(f"export PLIVO_API_URL={sb.url}")
    click.echo(f"export PLIVO_AUTH_ID={sb.auth_id}")
    if not (env_id and env_token):
        click.echo(f"export PLIVO_AUTH_TOKEN={sb.auth_token}")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    sb.stop()
    err("sandbox: stopped, state saved")
    return EXIT_OK


@sandbox_group.command("reset")
@_state_option
def sandbox_reset(state_path: str) -> int:
    """Replace the state with a fresh demo account (new token) and empty the journal."""
    from reconciler.sandbox import demo_state, write_state

    write_state(state_path, demo_state())
    journal = Path(state_path).with_name(Path(state_path).stem + ".journal.jsonl")
    journal.unlink(missing_ok=True)
    err(f"sandbox: {state_path} reset to the demo account")
    return EXIT_OK


@sandbox_group.command("show")
@_state_option
def sandbox_show(state_path: str) -> int:
    """Summarise the sandbox account (the token is never shown)."""
    from reconciler.sandbox import demo_state, load_state, write_state
    from reconciler.sandbox.report import describe

    if not Path(state_path).exists():
        write_state(state_path, demo_state())
    try:
        click.echo(describe(load_state(state_path)))
    except (OSError, ValueError, KeyError) as e:
        raise ReconcilerError(f"sandbox: cannot read {state_path}: {e}") from None
    return EXIT_OK


def github_error_annotations(error: ManifestError) -> None:
    """In GitHub Actions, each manifest problem also becomes an `::error` on its line."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    for p in error.problems:
        message = f"{p.path}: {p.message}" if p.path else p.message
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        err(f"::error file={p.file},line={p.line},col={p.col},title=powerpacks::{message}")


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI; user errors become one message and exit 1, usage errors exit 1 (never 2)."""
    try:
        code = cli.main(args=argv, prog_name="powerpacks", standalone_mode=False)
    except click.exceptions.Abort:
        err("Aborted.")
        code = EXIT_ERROR
    except click.ClickException as e:  # usage errors: 1, because 2 means "changes present"
        e.show()
        code = EXIT_ERROR
    except ManifestError as e:  # one located line per problem, then a count
        for problem in e.problems:
            err(str(problem))
        github_error_annotations(e)
        count = len(e.problems)
        err(f"Error: {count} problem{'' if count == 1 else 's'} in the manifest")
        code = EXIT_ERROR
    except ReconcilerError as e:
        err(f"Error: {e}")
        code = EXIT_ERROR
    except KeyboardInterrupt:
        err("Interrupted.")
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)
