"""The one exception base of the tool, and its located and API flavours."""

from __future__ import annotations

from dataclasses import dataclass


class ReconcilerError(Exception):
    """A user-facing error: the CLI prints its message (never a traceback) and exits 1."""


@dataclass(frozen=True)
class Problem:
    """One located manifest problem: `file:line:col: path: message`."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ManifestError(ReconcilerError):
    """Every problem found in a manifest, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col, p.path, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(ReconcilerError):
    """The plan cannot be computed (unresolvable application, name clash, partial read...)."""


class ApiError(ReconcilerError):
    """The API answered with an error, or could not be reached, after retries."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ):
        self.status = status
        self.method = method
        self.path = path
        super().__init__(message)


class StalePlanError(ReconcilerError):
    """A saved plan no longer matches the live account (or was made for another account)."""


class ApplyError(ReconcilerError):
    """Apply stopped part-way or did not converge; the message says what was and wasn't done."""
