"""The command line: the only module that prints, reads the environment or exits.

Heavy modules (pydantic, requests, ruamel.yaml, deepdiff) are imported inside the commands so that
`powerpacks --version` and `powerpacks validate` start fast.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from reconciler import __version__
from reconciler.errors import ReconcilerError

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
    except ReconcilerError as e:
        err(f"Error: {e}")
        code = EXIT_ERROR
    except KeyboardInterrupt:
        err("Interrupted.")
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)
