"""Every exception of the package, one tree; the CLI catches ReconcilerError once.

ReconcilerError              a user-facing error: one clear message, exit 1, no traceback
├── ManifestError            every located problem of a manifest
├── PlanError                the plan can't be made (located problems where it knows them)
│   └── RefusedError         a plan a guard refuses: deletes, protection, mass change, pin
├── PlanFileError            a saved plan that is not a plan, or doesn't say what it does
├── StalePlanError           a saved plan the live account has moved away from
├── FileError                a local file that can't be read or written
└── ApiError                 the API answered with an error, or could not be reached
    ├── AmbiguousWriteError  a write that may or may not have landed
    ├── IncompleteReadError  a list that could not be read whole and consistent
    └── RunInterrupted       the run was interrupted (SIGINT/SIGTERM): this call not made
"""

from __future__ import annotations

from dataclasses import dataclass


class ReconcilerError(Exception):
    """A user-facing error: the CLI prints its message (never a traceback) and exits 1."""


@dataclass(frozen=True)
class Problem:
    """One located problem: `file:line:col: path: message`."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.col, p.path, p.message))


class ManifestError(ReconcilerError):
    """Every problem found in a manifest, reported together (with its warnings, if any)."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = _sorted(problems)
        self.warnings = _sorted(warnings or [])
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(ReconcilerError):
    """The plan cannot be computed (unresolvable application, name clash, partial read...).

    `problems` are the ones located in the manifest (all of them, at once); `message` says the
    rest (or summarises them).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = _sorted(problems or [])
        self.message = message
        super().__init__("\n".join([*(str(p) for p in self.problems), message]))


class RefusedError(PlanError):
    """A guard refuses the plan (nothing is written): the message names the way out."""


class PlanFileError(ReconcilerError):
    """A saved plan file is not a plan, or a change's requests are not what its content says."""


class StalePlanError(ReconcilerError):
    """A saved plan no longer matches the live account (or was made for another account)."""


class FileError(ReconcilerError):
    """A local file that can't be read or written as asked."""


class ApiError(ReconcilerError):
    """The API answered with an error, or could not be reached, after retries."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ):
        self.status = status
        self.method = method
        self.path = path
        super().__init__(message)


class AmbiguousWriteError(ApiError):
    """A write may or may not have reached the API (dropped connection, deadline, 5xx)."""


class IncompleteReadError(ApiError):
    """A list could not be read whole and consistent (it may have changed while paging)."""


class RunInterrupted(ApiError):
    """The run was interrupted by a signal: this call was not sent (or was cut off)."""
