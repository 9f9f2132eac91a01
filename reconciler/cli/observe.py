"""What a run shows while it works: logs (-v, -vv) and, on a terminal, a progress line.

- `-v`: each phase with its call count and time, every retry and every rate-cap wait;
  `-vv`: every call too (and urllib3's own lines). Log lines are masked like all output.
- On a terminal (stderr a TTY, TERM not dumb), a progress line on stderr: the phase, calls
  done of the total when known, retries and rate-cap waits; cut to the terminal's width,
  refreshed twice a second even while nothing answers, and cleared at the end. tqdm draws
  it (imported only then, so `--version` and `validate` don't pay for it).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from reconciler.api.observe import Observer
from reconciler.cli.base import redact

log = logging.getLogger("reconciler")


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed call: logging's own error report, not a crash here
            return True
        # A library's log line with an exception (urllib3: "Failed to parse headers") says it in
        # one line: a log line never prints a traceback.
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            text += f" ({type(exc).__name__}: {exc})"
        record.msg, record.args = redact(text), None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class _ProgressSafeHandler(logging.StreamHandler):
    """Log lines printed above the progress line, which is drawn again under them."""

    progress: Progress | None = None

    def emit(self, record: logging.LogRecord) -> None:
        bar = self.progress
        if bar is None:
            super().emit(record)
            return
        bar.write(self.format(record))


_handler = _ProgressSafeHandler(sys.stderr)


def setup_logging(verbose: int) -> None:
    """-v: phases, retries and waits; -vv: every call. Always on stderr, never the token."""
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    root = logging.getLogger()
    _handler.setStream(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    if not any(isinstance(f, _Redact) for f in _handler.filters):
        _handler.addFilter(_Redact())
    if _handler not in root.handlers:
        root.addHandler(_handler)
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


def wants_progress() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


class Progress:
    """One line on stderr, redrawn in place; nothing of it remains once closed."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=None, file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=0.2,
            bar_format="{desc}{n_fmt}{total_fmt} · {elapsed}{postfix}",
        )  # fmt: skip
        self._lock = threading.Lock()
        self._phase, self._done = "starting", 0
        self._total: int | None = None
        self._retries, self._waited = 0, 0.0
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
        self._redraw()
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                self._bar.refresh()

    def _redraw(self) -> None:
        self._bar.set_description_str(f"{self._phase}: ", refresh=False)
        self._bar.total = self._total
        self._bar.n = self._done
        self._bar.bar_format = "{desc}{n_fmt}" + ("/{total_fmt}" if self._total else "")
        self._bar.bar_format += " · {elapsed}{postfix}"
        notes = []
        if self._retries:
            notes.append(f"{self._retries} retr{'y' if self._retries == 1 else 'ies'}")
        if self._waited:
            notes.append(f"rate cap {self._waited:.1f} s")
        self._bar.set_postfix_str(", ".join(notes), refresh=False)  # tqdm adds ", " before it
        self._bar.refresh()

    def phase(self, name: str, total: int | None) -> None:
        with self._lock:
            if name != self._phase:
                self._phase, self._done = name, 0
            self._total = total
            self._redraw()

    def advance(self) -> None:
        with self._lock:
            self._done += 1
            self._redraw()

    def retry(self) -> None:
        with self._lock:
            self._retries += 1
            self._redraw()

    def waited(self, seconds: float) -> None:
        with self._lock:
            self._waited += seconds
            self._redraw()

    def write(self, line: str) -> None:
        """A permanent line above the progress line."""
        with self._lock:
            self._bar.write(redact(line), file=sys.stderr)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._bar.close()


class CliObserver(Observer):
    """The client's and the operations' news, as log lines and the progress line."""

    def __init__(self, progress: Progress | None = None):
        self.progress = progress
        _handler.progress = progress

    def phase(self, name: str, total: int | None) -> None:
        if self.progress:
            self.progress.phase(name, total)

    def phase_done(self, name: str, calls: int, seconds: float) -> None:
        log.info("%s: %d call%s in %.2f s", name, calls, "" if calls == 1 else "s", seconds)

    def call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        logging.getLogger("reconciler.client").debug(
            "%s %s -> %s in %.0f ms", method, path, status or "no answer", 1e3 * seconds
        )
        if self.progress:
            self.progress.advance()

    def retry(self, method: str, path: str, reason: str, pause: float) -> None:
        logging.getLogger("reconciler.client").info(
            "%s %s: %s; retry in %.2f s", method, path, reason, pause
        )
        if self.progress:
            self.progress.retry()

    def waiting(self, seconds: float) -> None:
        logging.getLogger("reconciler.client").info(
            "rate cap: waited %.2f s (the account's limit)", seconds
        )
        if self.progress:
            self.progress.waited(seconds)

    def close(self) -> None:
        if self.progress:
            self.progress.close()
        _handler.progress = None


def observer() -> CliObserver:
    """A progress line on a terminal, logs only otherwise."""
    return CliObserver(Progress() if wants_progress() else None)


def line(text: str) -> None:
    """A permanent stderr line that doesn't break a progress line (when one is shown)."""
    bar = _handler.progress
    if bar is not None:
        bar.write(text)
    else:
        from reconciler.cli.base import err

        err(text)
