"""Which account, and the client for it: credentials from the environment, or the sandbox.

`--sandbox` uses the `sandbox serve` already running on the state file if there is one (so the
server keeps the one copy of its account), else serves the state in this process. The account's
auth id is known before any call, so a manifest pinned to another account is refused first.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from reconciler.cli import signals
from reconciler.cli.base import API_URL_DEFAULT, SANDBOX_STATE, add_redactor
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.api.client import PlivoClient
    from reconciler.api.observe import Observer


@dataclass(frozen=True)
class Target:
    """The account a command works on, before anything is sent to it."""

    sandbox: bool
    api_url: str | None
    auth_id: str


def api_options(f: click.decorators.FC) -> click.decorators.FC:
    """Options shared by the commands that read the live account."""
    f = click.option("-v", "--verbose", count=True, help="-v: phases, retries, waits; -vv: calls.")(
        f
    )
    f = click.option(
        "--api-url", envvar="PLIVO_API_URL", default=None, metavar="URL",
        help=f"API base URL (env PLIVO_API_URL; default {API_URL_DEFAULT}).",
    )(f)  # fmt: skip
    f = click.option(
        "--sandbox", is_flag=True,
        help=f"Run against the bundled emulator (state in {SANDBOX_STATE}); no credentials needed.",
    )(f)  # fmt: skip
    return f


def target(
    sandbox: bool, api_url: str | None, pinned: tuple[str, ...] = (), pinned_in: str = ""
) -> Target:
    """The account's auth id (no call made): from the environment, or the sandbox's state.

    A pin (`account:` of the file `pinned_in`) is checked as soon as the auth id is known,
    before the token is asked for: the check needs only PLIVO_AUTH_ID."""
    if sandbox:
        where = Target(True, None, _sandbox_auth_id())
        check_pin(pinned, where.auth_id, pinned_in)
        return where
    auth_id = os.environ.get("PLIVO_AUTH_ID", "").strip()
    token = os.environ.get("PLIVO_AUTH_TOKEN", "").strip()
    add_redactor(auth_id, token)
    if auth_id:
        check_pin(pinned, auth_id, pinned_in)
    if not auth_id or not token:
        missing = [n for n, v in (("PLIVO_AUTH_ID", auth_id), ("PLIVO_AUTH_TOKEN", token)) if not v]
        raise ReconcilerError(
            f"{' and '.join(missing)} not set: export the account's credentials, or use --sandbox"
        )
    return Target(False, api_url, auth_id)


def check_pin(pinned: tuple[str, ...], auth_id: str, where: str) -> None:
    """A manifest pinned to accounts (`account:`) runs only with one of them (ids masked)."""
    from reconciler.secrets import mask_account

    if pinned and auth_id not in pinned:
        shown = ", ".join(mask_account(a) for a in pinned)
        raise ReconcilerError(
            f"{where} is pinned to account {shown} (`account:`), but the credentials are for "
            f"{mask_account(auth_id)}: refusing to run (nothing was sent)"
        )


def _sandbox_auth_id() -> str:
    from reconciler.sandbox import SandboxError, demo_state, load_state, write_state

    try:
        if not os.path.exists(SANDBOX_STATE):
            write_state(SANDBOX_STATE, demo_state())
        state = load_state(SANDBOX_STATE)
    except (SandboxError, OSError) as e:
        raise ReconcilerError(f"sandbox: {e}") from None
    return str(state["auth_id"])


@contextlib.contextmanager
def open_client(where: Target, observer: Observer | None = None) -> Iterator[PlivoClient]:
    """The client for the target's account; a signal cancels its calls."""
    with _endpoint(where) as (url, auth_id, token):
        add_redactor(auth_id, token)
        client = _client(url, auth_id, token, observer)
        forget = signals.on_signal(client.cancel)
        try:
            yield client
        finally:
            forget()
            client.cancel()  # nothing outlives the command: cut what is still running
            client.close()


@contextlib.contextmanager
def _endpoint(where: Target) -> Iterator[tuple[str, str, str]]:
    if not where.sandbox:
        yield (
            where.api_url or API_URL_DEFAULT,
            where.auth_id,
            os.environ.get("PLIVO_AUTH_TOKEN", "").strip(),
        )
        return
    from reconciler.sandbox import Sandbox, SandboxError, running_server

    try:
        found = running_server(SANDBOX_STATE)
        if found is not None:
            yield found.url, found.auth_id, found.auth_token
            return
        sb = Sandbox(SANDBOX_STATE).start()
    except SandboxError as e:
        raise ReconcilerError(f"sandbox: {e}") from None
    try:
        yield sb.url, sb.auth_id, sb.auth_token
    finally:
        sb.stop()


def _client(url: str, auth_id: str, token: str, observer: Observer | None) -> PlivoClient:
    from reconciler.api.client import PlivoClient

    return PlivoClient(
        url, auth_id, token, timeout=timeout(), rate_limit=rate_limit(), observer=observer
    )


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
    """Seconds per HTTP exchange: POWERPACKS_TIMEOUT (slow links, fault tests), else 10."""
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
