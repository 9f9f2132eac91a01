"""What a run shows while it works: logs (-v, -vv) and, on a terminal, a progress line.

- `-v`: each phase with its call count and time, every retry and every rate-cap wait;
  `-vv`: every call too (and urllib3's own lines). Log lines are masked like all output.
- On a terminal (stderr a TTY, TERM not dumb), a progress line on stderr: the phase, calls
  done of the total when known, the time, retries and rate-cap waits (apply: changes done and
  the last one). It is first drawn after DELAY seconds (a quick run shows none), then refreshed
  twice a second even while nothing answers, and cleared at the end. It always fits on one
  row: the window's width is read at every redraw (a resized window too) and the line is cut
  to one column less, least useful part first; each redraw erases the rest of the row (EL)
  rather than padding with blanks, which would wrap once the window is narrower. tqdm draws it
  (imported only then, so `--version` and `validate` don't pay for it).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import IO, Any

from reconciler.api.observe import Observer
from reconciler.cli.base import redact

log = logging.getLogger("reconciler")

DELAY = 0.4  # seconds before the progress line is first drawn
TICK = 0.5  # seconds between redraws while nothing happens (the clock still moves)
EVERY = 0.1  # at most this often on news (1,200 calls are not 1,200 redraws)
ERASE = "\x1b[K"  # erase to the end of the row


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


def progress_text(
    phase: str,
    done: int,
    total: int | None,
    seconds: float,
    notes: tuple[str, ...] = (),
    detail: str = "",
    columns: int = 79,
) -> str:
    """The progress line, at most `columns` wide: `phase: done/total · 00:12 · notes · detail`.

    What doesn't fit goes, least useful first: the detail is cut (then dropped), then the notes,
    then the clock; the phase and count stay, the phase cut if even they don't fit.
    """
    from tqdm import tqdm
    from tqdm.utils import disp_len

    count = f"{done}/{total}" if total and done <= total else str(done)
    head = f"{phase}: {count}"
    clock = tqdm.format_interval(seconds)
    note = ", ".join(notes)
    parts = [p for p in (head, clock, note, detail) if p]
    text = " · ".join(parts)
    if disp_len(text) <= columns:
        return text
    if detail:
        rest = " · ".join(p for p in (head, clock, note) if p)
        room = columns - disp_len(rest) - len(" · ")
        if room >= 8:
            return f"{rest} · {_cut(detail, room)}"
    for shorter in ((head, clock, note), (head, note), (head, clock), (head,)):
        text = " · ".join(p for p in shorter if p)
        if disp_len(text) <= columns:
            return text
    return _cut(f"{phase}: {count}", columns)


def _cut(text: str, columns: int) -> str:
    """`text` within `columns`, an ellipsis at the cut (wide characters count two)."""
    from tqdm.utils import disp_len, disp_trim

    if disp_len(text) <= columns:
        return text
    return disp_trim(text, max(0, columns - 1)) + "…" if columns > 0 else ""


def _columns(stream: IO[str]) -> int:
    """The terminal's width now, minus one: a line as wide as the window may wrap (some
    terminals wrap on the last column at once)."""
    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        width = 80
    return max(1, (width or 80) - 1)


def _line_class() -> Any:
    """tqdm, drawing its line as `\\r` + text + erase-to-end-of-row (tqdm pads with blanks to
    the last width, which wraps, and leaves blanks, once the window is narrower)."""
    from tqdm import tqdm

    class Line(tqdm):
        monitor_interval = 0  # no monitor thread redrawing outside our lock

        @staticmethod
        def status_printer(file: IO[str]) -> Any:
            def print_status(text: str) -> None:
                file.write(f"\r{text}{ERASE}")
                file.flush()

            return print_status

    return Line


class Progress:
    """One line on stderr, redrawn in place; nothing of it remains once closed."""

    def __init__(self, stream: IO[str] | None = None, clock: Any = time.monotonic) -> None:
        self._stream = stream or sys.stderr
        self._clock = clock
        self._started = clock()
        # delay: tqdm itself never draws (it would before DELAY); every draw is ours
        self._bar = _line_class()(
            total=None, file=self._stream, leave=False, bar_format="{desc}", delay=1e9,
            mininterval=0, disable=False,
        )  # fmt: skip
        self._bar.ncols = None  # the text is cut here, to the width at each redraw
        self._lock = threading.Lock()
        self._phase, self._done = "starting", 0
        self._total: int | None = None
        self._retries, self._waits = 0, 0
        self._detail = ""
        self._shown, self._drawn = False, 0.0
        self._closed = False
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(min(TICK, DELAY) if not self._shown else TICK):
            with self._lock:
                self._draw()

    def text(self) -> str:
        notes = []
        if self._retries:
            notes.append(f"{self._retries} retr{'y' if self._retries == 1 else 'ies'}")
        if self._waits:
            notes.append(f"{self._waits} rate-cap wait{'' if self._waits == 1 else 's'}")
        return progress_text(
            self._phase, self._done, self._total, self._clock() - self._started,
            tuple(notes), self._detail, _columns(self._stream),
        )  # fmt: skip

    def _draw(self, soon: bool = False) -> None:
        """Redraw (the lock held); nothing before DELAY, nothing once closed; `soon`: not if
        the last redraw is less than EVERY seconds old (news comes in bursts)."""
        now = self._clock()
        if self._closed or (not self._shown and now - self._started < DELAY):
            return
        if soon and now - self._drawn < EVERY:
            return
        self._bar.set_description_str(redact(self.text()), refresh=False)
        self._bar.refresh(nolock=True)
        self._shown, self._drawn = True, now

    def phase(self, name: str, total: int | None) -> None:
        with self._lock:
            if name != self._phase:
                self._phase, self._done, self._detail = name, 0, ""
            self._total = total
            self._draw()

    def advance(self, detail: str | None = None) -> None:
        with self._lock:
            self._done += 1
            if detail is not None:
                self._detail = detail
            self._draw(soon=True)

    def retry(self) -> None:
        with self._lock:
            self._retries += 1
            self._draw(soon=True)

    def waited(self, seconds: float) -> None:
        with self._lock:
            self._waits += 1
            self._draw(soon=True)

    def write(self, line: str) -> None:
        """A permanent line above the progress line (drawn again under it)."""
        with self._lock:
            if not self._shown or self._closed:
                self._stream.write(redact(line) + "\n")
                self._stream.flush()
                return
            self._stream.write(f"\r{ERASE}{redact(line)}\n")
            self._stream.flush()
            self._draw()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._shown:
                self._stream.write(f"\r{ERASE}")
                self._stream.flush()
            self._bar.close()  # draws nothing: it never drew (delay)
        self._ticker.join(timeout=2)


def answered(status: int | None) -> bool:
    """A call that is done: answered, and not with what the client retries (429, 5xx)."""
    return status is not None and status != 429 and status < 500


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
        if self.progress and answered(status):
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


class ApplyObserver(CliObserver):
    """While apply writes, the progress line counts changes (apply's events), not calls."""

    def phase(self, name: str, total: int | None) -> None:
        pass

    def call(self, method: str, path: str, status: int | None, seconds: float) -> None:
        logging.getLogger("reconciler.client").debug(
            "%s %s -> %s in %.0f ms", method, path, status or "no answer", 1e3 * seconds
        )


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
