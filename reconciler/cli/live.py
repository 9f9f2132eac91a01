"""plan and export: reading the live account, planning, rendering."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

from reconciler.cli.base import (
    API_URL_DEFAULT,
    DEFAULT_MANIFEST,
    EXIT_CHANGES,
    EXIT_OK,
    SANDBOX_STATE,
    cli,
    err,
    write_file,
)
from reconciler.errors import ReconcilerError

# --- plan / apply / export: connection, rendering and the apply workflow --------------------------


def api_options(f: Any) -> Any:
    """Options shared by the commands that read the live account."""
    f = click.option("-v", "--verbose", count=True, help="More detail on stderr (no secrets).")(f)
    f = click.option(
        "--api-url",
        envvar="PLIVO_API_URL",
        default=None,
        metavar="URL",
        help=f"API base URL (env PLIVO_API_URL; default {API_URL_DEFAULT}).",
    )(f)
    f = click.option(
        "--sandbox",
        is_flag=True,
        help=f"Run against the bundled emulator (state in {SANDBOX_STATE}); no credentials needed.",
    )(f)
    return f


def setup_logging(verbose: int) -> None:
    """-v: step-level logs; -vv: every request. Always on stderr, never the token."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(name)s: %(message)s")
    redact_in_logs(os.environ.get("PLIVO_AUTH_ID", ""), os.environ.get("PLIVO_AUTH_TOKEN", ""))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _Redact) for f in handler.filters):
            handler.addFilter(_Redact())


_REDACTORS: list[Any] = []  # every account's masking, applied to each log line


def redact_in_logs(auth_id: str, token: str) -> None:
    """Log lines show this auth id masked (as plans and errors do) and never the token, even
    where a library logs a URL (urllib3 at -vv) or an answer echoes the credentials."""
    from reconciler.secrets import Redactor

    auth_id, token = auth_id.strip(), token.strip()
    if auth_id or token:
        _REDACTORS.append(Redactor(auth_id, token))


def redact(text: str) -> str:
    for redactor in _REDACTORS:
        text = redactor.mask(text)
    return text


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed call: logging's own error report, not a crash here
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(text), None
        record.exc_text = record.exc_text and redact(record.exc_text)
        return True


@contextlib.contextmanager
def connect(sandbox: bool, api_url: str | None) -> Iterator[tuple[Any, str]]:
    """Yield (PlivoClient, auth_id) for the real API or for the bundled sandbox on loopback."""
    from reconciler.api.client import PlivoClient

    if sandbox:
        from reconciler.sandbox import Sandbox

        with (
            Sandbox(SANDBOX_STATE) as sb,
            PlivoClient(sb.url, sb.auth_id, sb.auth_token) as client,
        ):
            redact_in_logs(sb.auth_id, sb.auth_token)
            yield client, sb.auth_id
        return
    auth_id = os.environ.get("PLIVO_AUTH_ID", "").strip()
    token = os.environ.get("PLIVO_AUTH_TOKEN", "").strip()
    if not auth_id or not token:
        missing = [n for n, v in (("PLIVO_AUTH_ID", auth_id), ("PLIVO_AUTH_TOKEN", token)) if not v]
        raise ReconcilerError(
            f"{' and '.join(missing)} not set: export the account's credentials, or use --sandbox"
        )
    with PlivoClient(
        api_url or API_URL_DEFAULT, auth_id, token, timeout=timeout(), rate_limit=rate_limit()
    ) as client:
        yield client, auth_id


def rate_limit() -> tuple[int, float] | None:
    """The client's cap: POWERPACKS_RATE_LIMIT=N/SECONDS (an account with a raised limit) or
    off (the API enforces its own limit; 429s are retried), else 300 calls per 5 s."""
    text = os.environ.get("POWERPACKS_RATE_LIMIT", "").strip()
    if not text:
        return (300, 5.0)
    if text.lower() == "off":
        return None
    count, _, window = text.partition("/")
    try:
        value = (int(count), float(window or 5))
    except ValueError:
        value = (0, 0.0)
    if not (1 <= value[0] <= 100_000 and 0.1 <= value[1] <= 3600):
        raise ReconcilerError(
            f"POWERPACKS_RATE_LIMIT={text!r}: expected N/SECONDS (e.g. 300/5) or off"
        )
    return value


def timeout() -> float:
    """Seconds per HTTP call: POWERPACKS_TIMEOUT (for slow links, and for fault tests), else 10."""
    text = os.environ.get("POWERPACKS_TIMEOUT", "").strip()
    if not text:
        return 10.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 300:
        raise ReconcilerError(f"POWERPACKS_TIMEOUT={text!r}: expected seconds from 0.1 to 300")
    return value


def color_enabled() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def compute_plan(
    client: Any, auth_id: str, manifest: Any, targets: tuple[str, ...]
) -> tuple[Any, Any]:
    """fetch -> (live state, plan stamped with the account and the manifest it was made from)."""
    from reconciler.core.planner import plan
    from reconciler.ops.fetch import fetch_live
    from reconciler.secrets import account_sha256, mask_account

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
    from reconciler.core.planner import plan
    from reconciler.ops.apply import state_after

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
    manifest_path: str,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    verbose: int,
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


@cli.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@click.option(
    "--merge",
    "merge_path",
    type=click.Path(dir_okay=False),
    help="Merge the live account into this manifest in place, keeping comments.",
)
@api_options
def export_cmd(
    output: str | None, merge_path: str | None, sandbox: bool, api_url: str | None, verbose: int
) -> int:
    """Write the live account as a manifest (to adopt an existing account)."""
    from reconciler.export import export_manifest
    from reconciler.ops.fetch import fetch_everything

    setup_logging(verbose)
    if output and merge_path:
        raise click.UsageError("use either -o/--output or --merge, not both")
    original = read_for_merge(merge_path) if merge_path else None
    with connect(sandbox, api_url) as (client, _auth_id):
        live = fetch_everything(client)
    if merge_path and original is not None:
        merge_into(merge_path, original, live)
    elif output:
        write_file(output, export_manifest(live))
        err(f"export: {len(live.powerpacks)} Powerpack(s) written to {output}")
    else:
        click.echo(export_manifest(live), nl=False)
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


def merge_into(path: str, original: str, live: Any) -> None:
    """Merge, write only when something differs, and say what pending work the file keeps."""
    from reconciler.export import merge_manifest, pending_work

    merged = merge_manifest(original, live, path=path)
    if merged != original:
        write_file(path, merged)
    err(f"export: {path} {'updated' if merged != original else 'already up to date'}")
    creates, renames = pending_work(merged, live, path)
    kept = [f"create {n}" for n in creates] + [f"rename {old} -> {new}" for old, new in renames]
    if kept:
        err(f"export: kept the file's pending work (plan shows it): {', '.join(kept)}")
