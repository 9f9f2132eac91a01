"""The command group, exit codes, and output: the one place that writes to stdout and stderr.

Every line written goes through `redact`, a last safety net that masks credentials whatever
printed them. Colour follows the conventions: only on a terminal, never with `--no-color`, a
non-empty NO_COLOR, or TERM=dumb; styles are click's, and every styled span is reset before the
line ends.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

import click

from reconciler import __version__
from reconciler.errors import ReconcilerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # only with `plan --detailed-exitcode`
EXIT_SIGINT = 130  # 128 + SIGINT, as shells report it
EXIT_SIGTERM = 143  # 128 + SIGTERM

DEFAULT_MANIFEST = "powerpacks.yaml"
SANDBOX_STATE = ".powerpacks/sandbox.json"
API_URL_DEFAULT = "https://api.plivo.com"
WIDTH = 80  # the text plan fits this many columns

_state: dict[str, Any] = {"no_color": False, "redactors": []}


def redact(text: str) -> str:
    """Mask every account's credentials this run has seen."""
    for redactor in _state["redactors"]:
        text = redactor.mask(text)
    return text


def add_redactor(auth_id: str, token: str) -> None:
    from reconciler.secrets import Redactor

    if auth_id or token:
        _state["redactors"].append(Redactor(auth_id, token))


def color_enabled(stream: IO[str] | None = None) -> bool:
    """Colour by convention (see the module docstring)."""
    stream = stream or sys.stdout
    if _state["no_color"] or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("TERM", "") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def set_no_color(value: bool) -> None:
    _state["no_color"] = _state["no_color"] or value


def out(text: str, nl: bool = True) -> None:
    """The plan, or whatever a command's result is: on stdout."""
    click.echo(redact(text), nl=nl, color=color_enabled(sys.stdout))


def err(message: str) -> None:
    """One line (or block) on stderr."""
    click.echo(redact(message), err=True, color=color_enabled(sys.stderr))


def no_color_option(f: click.decorators.FC) -> click.decorators.FC:
    """`--no-color` on a command (also accepted before the command name)."""

    def set_flag(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        set_no_color(value)
        return value

    return click.option(
        "--no-color", is_flag=True, expose_value=False, callback=set_flag,
        help="No colour, even on a terminal (NO_COLOR=1 does the same).",
    )(f)  # fmt: skip


class WholeHelpGroup(click.Group):
    """A command list that shows each command's whole description, wrapped to the terminal,
    where click cuts it to fit one line ("The bundled Plivo API emulator (state in...")."""

    group_class = type  # `@cli.group` makes groups of this class too

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=WholeHelpGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="powerpacks")
@no_color_option
def cli() -> None:
    """Declarative config-as-code for Plivo Powerpacks: validate, plan, apply, export."""


def write_file(path: str, text: str) -> None:
    """Write atomically, so a saved plan or export is never half-written."""
    from reconciler.errors import FileError
    from reconciler.files import write_atomic

    try:
        write_atomic(path, text)
    except FileError as e:
        raise ReconcilerError(f"{path}: {e}") from None
