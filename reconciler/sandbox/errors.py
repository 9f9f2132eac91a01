"""The sandbox's exceptions: one base, so a caller can catch every sandbox problem at once."""

from __future__ import annotations

import os


class SandboxError(Exception):
    """A problem with the sandbox itself (its state file, its lock), not an API answer."""


class SandboxStateError(SandboxError, ValueError):
    """The state file cannot be used: unreadable, not JSON, or not the shape the sandbox reads.

    `problems` lists every problem found ("powerpacks[2].name: must be a non-empty string"); the
    message names the file and the first problem, on one line.
    """

    def __init__(
        self, path: str | os.PathLike[str], problems: list[str], lead: str = "not a sandbox state"
    ) -> None:
        self.path = str(path)
        self.problems = list(problems)
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        first = self.problems[0] if self.problems else "unknown problem"
        super().__init__(f"{self.path}: {lead + ': ' if lead else ''}{first}{tail}")


class SandboxBusyError(SandboxError):
    """Another Sandbox (in this process or another) is serving this state file.

    `url` is where that server listens (None when it has not written it yet), `pid` its process.
    """

    def __init__(self, state_path: str | os.PathLike[str], url: str | None, pid: int | None,
                 detail: str = "") -> None:  # fmt: skip
        self.state_path = str(state_path)
        self.url = url
        self.pid = pid
        where = f" at {url}" if url else ""
        who = f" (pid {pid})" if pid else ""
        message = detail or "stop that server first, or send requests to it"
        super().__init__(f"{self.state_path} is already served{where}{who}: {message}")
