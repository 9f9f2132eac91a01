"""sandbox serve / reset / show: the bundled emulator."""

from __future__ import annotations

import os
from pathlib import Path

import click

from reconciler.cli.base import (
    EXIT_OK,
    SANDBOX_STATE,
    cli,
    err,
)
from reconciler.errors import ReconcilerError

# --- sandbox serve / reset / show: the bundled emulator -------------------------------------------


@cli.group("sandbox")
def sandbox_group() -> None:
    """The bundled Plivo API emulator (state in .powerpacks/sandbox.json)."""


def _state_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--state", "state_path", default=SANDBOX_STATE, show_default=True,
        type=click.Path(), help="The sandbox account's JSON state file.",
    )(f)  # fmt: skip


def _rate_limit(text: str) -> list[float] | str | None:
    """`300/5` -> [300, 5.0]; `off` -> None; `state` -> keep the state file's."""
    if text in ("state", "off"):
        return None if text == "off" else "state"
    count, _, window = text.partition("/")
    try:
        return [int(count), float(window or 5)]
    except ValueError:
        raise click.BadParameter("expected N/SECONDS (e.g. 300/5), off or state") from None


@sandbox_group.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="0 picks a free port.",
)
@_state_option
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, help="Added to every request.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="e.g. 429:0.2, 500:every=7,method=POST, drop-after:0.1 (repeatable).",
)
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

    from reconciler.sandbox import Sandbox, SandboxError, parse_fault

    try:
        parsed = [parse_fault(spec) for spec in faults]
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--fault") from None
    env_id, env_token = os.environ.get("PLIVO_AUTH_ID"), os.environ.get("PLIVO_AUTH_TOKEN")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # stop serving and save, whichever it is
        signal.signal(signum, lambda *_: stop.set())  # before printing: callers may kill soon
    try:
        sb = Sandbox(
            state_path, port=port, latency_ms=latency_ms, faults=parsed, seed=seed,
            rate_limit=_rate_limit(rate_limit), priority_update=priority_update,
            list_includes_priority=list_priority, auth_id=env_id or None,
            auth_token=(env_token or None) if env_id else None,
        ).start()  # fmt: skip
    except (OSError, ValueError, SandboxError) as e:
        raise ReconcilerError(f"sandbox: cannot serve: {e}") from None
    err(f"sandbox: serving {state_path} on {sb.url} (Ctrl-C stops it)")
    click.echo(f"export PLIVO_API_URL={sb.url}")
    click.echo(f"export PLIVO_AUTH_ID={sb.auth_id}")
    if not (env_id and env_token):
        click.echo(f"export PLIVO_AUTH_TOKEN={sb.auth_token}")
    while not stop.wait(0.5):
        pass
    sb.stop()
    err("sandbox: stopped, state saved")
    return EXIT_OK


@sandbox_group.command("reset")
@_state_option
def sandbox_reset(state_path: str) -> int:
    """Replace the state with a fresh demo account (new token) and empty the journal."""
    from reconciler.sandbox import SandboxBusyError, demo_state, reset_state

    try:
        reset_state(state_path, demo_state())
    except SandboxBusyError as e:
        raise ReconcilerError(f"sandbox: cannot reset while it is served: {e}") from None
    except OSError as e:
        raise ReconcilerError(f"sandbox: cannot reset {state_path}: {e.strerror or e}") from None
    err(f"sandbox: {state_path} reset to the demo account")
    return EXIT_OK


@sandbox_group.command("show")
@_state_option
def sandbox_show(state_path: str) -> int:
    """Summarise the sandbox account (the token is never shown)."""
    from reconciler.sandbox import SandboxError, demo_state, load_state, write_state
    from reconciler.sandbox.report import describe

    try:
        if not Path(state_path).exists():
            write_state(state_path, demo_state())
        click.echo(describe(load_state(state_path)))
    except OSError as e:
        raise ReconcilerError(f"sandbox: cannot write {state_path}: {e.strerror or e}") from None
    except SandboxError as e:
        raise ReconcilerError(f"sandbox: {e}") from None
    return EXIT_OK
