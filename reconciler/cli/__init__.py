"""The command line: the only package that prints, reads the environment or exits.

Heavy modules (pydantic, requests, ruamel.yaml, deepdiff) are imported inside the commands so that
`powerpacks --version` and `powerpacks validate` start fast.
"""

from __future__ import annotations

import os
import re
import sys
from typing import NoReturn

import click

from reconciler.cli import apply_cmd, live, manifest_cmds, sandbox_cmds  # register the commands
from reconciler.cli.base import EXIT_ERROR, EXIT_OK, cli, err
from reconciler.errors import ManifestError, ReconcilerError

__all__ = ["apply_cmd", "cli", "live", "main", "manifest_cmds", "sandbox_cmds"]


def github_error_annotations(error: ManifestError) -> None:
    """In GitHub Actions, each manifest problem also becomes an `::error` on its line."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from reconciler.render.github import problem_annotations

    for line in problem_annotations(error.problems):
        err(line)


_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A problem on one line: line breaks in a quoted key or value are shown escaped."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


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
            err(one_line(str(problem)))
        github_error_annotations(e)
        count, files = len(e.problems), len({p.file for p in e.problems})
        where = "the manifest" if files < 2 else f"{files} manifests"  # `validate a.yaml b.yaml`
        err(f"Error: {count} problem{'' if count == 1 else 's'} in {where}")
        code = EXIT_ERROR
    except ReconcilerError as e:
        err(f"Error: {e}")
        code = EXIT_ERROR
    except KeyboardInterrupt:
        err("Interrupted.")
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)
