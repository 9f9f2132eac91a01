"""SIGINT and SIGTERM: exit 130 or 143 within about a second, whatever the run is doing.

Outside apply's writes, a signal cancels the client's calls (reads are cut at once, so worker
threads end) and raises `Interrupted` in the main thread. While apply writes, a signal only
cancels: no new write starts, a write under way gets half a second to be answered, and apply
reports what was applied, what failed and what was not attempted before the CLI exits. A
second signal then doesn't wait.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

_state: dict[str, Any] = {"deferred": False, "received": None, "cancel": [], "raised": False}


class Interrupted(BaseException):
    """A signal ended the run (not an Exception: nothing may swallow it on the way out)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _handle(signum: int, _frame: FrameType | None) -> None:
    first = _state["received"] is None
    _state["received"] = _state["received"] or signum
    for cancel in list(_state["cancel"]):
        cancel()
    if _state["deferred"] and first:
        return  # apply winds down and reports; the CLI exits with the signal's code
    if _state["raised"]:
        return  # the run is already unwinding: raising again would break its way out
    _state["raised"] = True
    raise Interrupted(signum)


def install() -> None:
    """Handle SIGINT and SIGTERM as described above (main thread only)."""
    _state.update(received=None, deferred=False, cancel=[], raised=False)
    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


def settle() -> None:
    """The run is over: a signal from now on is ignored. (Python's finalization puts the default
    disposition back for a signal it handles, so a second signal while the interpreter shuts down
    would kill the process by the signal instead of letting it exit 130 or 143.)"""
    if _state["received"] is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def received() -> int | None:
    """The signal that arrived, if any."""
    return _state["received"]


def on_signal(cancel: Callable[[], None]) -> Callable[[], None]:
    """Call `cancel` when a signal arrives; returns a function that forgets it."""
    _state["cancel"].append(cancel)
    return lambda: _state["cancel"].remove(cancel) if cancel in _state["cancel"] else None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """While inside, a first signal cancels but doesn't raise (apply's writes): the caller
    checks `received()` once it has reported."""
    _state["deferred"] = True
    try:
        yield
    finally:
        _state["deferred"] = False
