"""What a run tells whoever watches it: phases with their totals, calls, retries and waits.

The client and the operations report here; the CLI turns it into a progress line on a terminal
and into `-v` / `-vv` log lines. The default observer ignores everything.
"""

from __future__ import annotations


class Observer:
    """Hooks with no effect; the CLI's observer overrides them. Called from worker threads."""

    def phase(self, name: str, total: int | None) -> None:
        """A phase starts (`total` calls expected, None while unknown), or its total is known."""

    def phase_done(self, name: str, calls: int, seconds: float) -> None:
        """A phase ended after `calls` calls in `seconds`."""

    def call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        """One HTTP exchange finished (status None: no answer); `path` is masked."""

    def retry(self, method: str, path: str, reason: str, pause: float) -> None:
        """A call failed and is retried after `pause` seconds."""

    def waiting(self, seconds: float) -> None:
        """The client's rate cap held a call back for `seconds`."""

    def close(self) -> None:
        """The run is over: clear whatever the observer draws."""
