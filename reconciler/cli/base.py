"""The command group, exit codes and output helpers shared by every command."""

from __future__ import annotations

import click

from reconciler import __version__
from reconciler.errors import ReconcilerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2  # only with `plan --detailed-exitcode`

DEFAULT_MANIFEST = "powerpacks.yaml"
SANDBOX_STATE = ".powerpacks/sandbox.json"
API_URL_DEFAULT = "https://api.plivo.com"


def err(message: str) -> None:
    """One line (or block) on stderr."""
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="powerpacks")
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
