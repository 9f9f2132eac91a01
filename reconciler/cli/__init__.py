"""The command line: the only package that prints, reads the environment or exits.

Heavy modules (pydantic, requests, ruamel.yaml, deepdiff) are imported inside the commands so that
`powerpacks --version` and `powerpacks validate` start fast. Exit codes: 0 success, 1 any error
(a usage error too: 2 means "changes present" with `plan --detailed-exitcode`), 130 on SIGINT,
143 on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from typing import NoReturn

import click

from reconciler.cli import (  # register the commands
    apply_cmd,
    export_cmd,
    manifest_cmds,
    plan_cmd,
    sandbox_cmds,
    show_cmd,
    signals,
)
from reconciler.cli.base import EXIT_ERROR, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, cli, err
from reconciler.errors import ManifestError, PlanError, Problem, ReconcilerError

__all__ = [
    "apply_cmd", "cli", "export_cmd", "main", "manifest_cmds", "plan_cmd", "sandbox_cmds",
    "show_cmd",
]  # fmt: skip

_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A problem on one line: line breaks in a quoted key or value are shown escaped."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def problems(found: list[Problem], summary: str) -> None:
    """Located problems, one line each, then a summary; `::error` annotations in GitHub."""
    for problem in found:
        err(one_line(str(problem)))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from reconciler.render.github import problem_annotations

        for line in problem_annotations(found):
            err(line)
    err(f"Error: {summary}")


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI; user errors become one message and exit 1, usage errors exit 1 (never 2)."""
    signals.install()
    try:
        code = cli.main(args=argv, prog_name="powerpacks", standalone_mode=False)
    except signals.Interrupted as e:
        interrupted = e.signum == signal.SIGINT
        err("Interrupted." if interrupted else "Terminated.")
        code = EXIT_SIGINT if interrupted else EXIT_SIGTERM
    except KeyboardInterrupt:
        err("Interrupted.")
        code = EXIT_SIGINT
    except click.exceptions.Abort:
        err("Aborted.")
        code = EXIT_ERROR
    except click.ClickException as e:  # usage errors: 1, because 2 means "changes present"
        e.show()
        code = EXIT_ERROR
    except ManifestError as e:  # one located line per problem, then a count
        count, files = len(e.problems), len({p.file for p in e.problems})
        where = "the manifest" if files < 2 else f"{files} manifests"  # `validate a.yaml b.yaml`
        problems(e.problems, f"{count} problem{'' if count == 1 else 's'} in {where}")
        code = EXIT_ERROR
    except PlanError as e:
        if e.problems:
            problems(e.problems, e.message)
        else:
            err(f"Error: {e}")
        code = EXIT_ERROR
    except ReconcilerError as e:
        err(f"Error: {e}")
        code = EXIT_ERROR
    signals.settle()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `powerpacks plan | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
    sys.exit(code if isinstance(code, int) else EXIT_OK)
