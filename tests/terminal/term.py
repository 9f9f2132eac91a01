"""Run `powerpacks` on a real pseudo-terminal of a given size, and read what a user would see.

`run_tty` gives the command a pty as stdin and stderr (and stdout, unless it is sent to a file),
with the window size set on it, as a terminal emulator does. What the terminal received is kept
raw (`raw`: colour codes and carriage returns included), and `screen()` replays it through pyte,
a VT100 emulator, to give the final screen. `drawn()` lists every stretch of text written between
two line starts (`\\r` or `\\n`): a progress line redrawn in place is one stretch per redraw, so
"no line may wrap" reads as "no stretch is wider than the terminal".
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyte
import wcwidth

HANG_GUARD = 120.0  # seconds: a run still going then is killed and the test fails (no timing test)

_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def columns(text: str) -> int:
    """Columns `text` takes on a terminal, as wcwidth (pyte's own table) counts them, not as the
    renderer does: wide characters two, combining marks none, a control character none."""
    return sum(max(wcwidth.wcwidth(char), 0) for char in text)


def plain(raw: bytes) -> str:
    """The text of terminal output, escape sequences removed (carriage returns kept)."""
    return _ESCAPES.sub(b"", raw).decode("utf-8", "replace")


@dataclass
class TermRun:
    code: int
    raw: bytes
    cols: int
    rows: int
    stdout: str | None = None  # when stdout went to a file rather than the terminal
    chunks: list[tuple[float, bytes]] = field(default_factory=list)  # (seconds from start, bytes)

    def screen(
        self, rows: int | None = None, resizes: Sequence[tuple[int, int, int]] = ()
    ) -> list[str]:
        """The terminal's lines at the end, as an emulator shows them (trailing blanks cut);
        with `rows` larger than the window, lines scrolled off the top are kept too.
        `resizes`: (byte offset, rows, cols) where the window was resized during the run."""
        screen = pyte.Screen(self.cols, rows or self.rows)
        stream = pyte.ByteStream(screen)
        done = 0
        for offset, new_rows, new_cols in resizes:
            stream.feed(self.raw[done:offset])
            screen.resize(max(new_rows, rows or 0), new_cols)
            done = offset
        stream.feed(self.raw[done:])
        lines = [line.rstrip() for line in screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def drawn(self) -> list[str]:
        """Every stretch written from a line start to the next `\\r` or `\\n`."""
        return [s for s in re.split(r"[\r\n]", plain(self.raw)) if s]

    def in_place(self, start: int = 0) -> list[str]:
        """The stretches drawn in place: each followed by a lone `\\r` (the next one is drawn
        over it), as a progress line is; permanent lines end with a newline instead. From byte
        `start` of the output on."""
        tokens = re.split(r"(\r\n|\r|\n)", plain(self.raw[start:]))
        return [
            t for t, end in zip(tokens[::2], [*tokens[1::2], ""], strict=True) if end == "\r" and t
        ]

    def text(self) -> str:
        return plain(self.raw).replace("\r\n", "\n")


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def terminal_env(
    extra: dict[str, str] | None = None, term: str = "xterm-256color"
) -> dict[str, str]:
    """A user's environment: no credentials, no CI, no NO_COLOR, no COLUMNS (the pty's size
    is the only width), TERM as given."""
    drop = ("PLIVO_", "GITHUB_", "POWERPACKS_", "NO_COLOR", "COLUMNS", "LINES", "FORCE_COLOR",
            "CLICOLOR", "CI")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["TERM"] = term
    env.update(extra or {})
    return env


def run_tty(
    args: Sequence[str],
    *,
    cwd: Path,
    cols: int = 80,
    rows: int = 24,
    env: dict[str, str] | None = None,
    stdout: IO[bytes] | None = None,
    answers: Sequence[tuple[bytes, bytes]] = (),
    until: Callable[[bytes], bool] | None = None,
    on_output: Callable[[bytes, subprocess.Popen[bytes], int], None] | None = None,
    interrupt: int = signal.SIGINT,
    python_options: Sequence[str] = (),
) -> TermRun:
    """Run `python -m reconciler ARGS` on a new pty of `cols` x `rows`.

    `answers`: (prompt, keys) pairs; when `prompt` has appeared, `keys` are typed. `until`:
    once it is true of the output so far, the run is interrupted with `interrupt` (a user's
    Ctrl-C). `on_output(raw, proc, master)` is called after every read (e.g. to resize).
    """
    master, slave = pty.openpty()
    _set_size(slave, rows, cols)
    proc = subprocess.Popen(
        [sys.executable, *python_options, "-m", "reconciler", *args],
        stdin=slave, stdout=stdout if stdout is not None else slave, stderr=slave,
        cwd=cwd, env=env if env is not None else terminal_env(), start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    raw = bytearray()
    chunks: list[tuple[float, bytes]] = []
    pending = list(answers)
    start = time.monotonic()
    interrupted = False
    try:
        while True:
            if time.monotonic() - start > HANG_GUARD:
                raise AssertionError(f"hang guard: still running after {HANG_GUARD:.0f} s: "
                                     f"{plain(bytes(raw))[-2000:]!r}")  # fmt: skip
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None and not _readable(master):
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the pty's other side has gone
                break
            if not data:
                break
            raw += data
            chunks.append((time.monotonic() - start, data))
            while pending and pending[0][0] in raw:
                os.write(master, pending.pop(0)[1])
            if until is not None and not interrupted and until(bytes(raw)):
                os.killpg(proc.pid, interrupt)
                interrupted = True
            if on_output is not None:
                on_output(bytes(raw), proc, master)
        code = proc.wait(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return TermRun(code, bytes(raw), cols, rows, chunks=chunks)


def _readable(fd: int) -> bool:
    ready, _, _ = select.select([fd], [], [], 0)
    return bool(ready)


def resize(master: int, rows: int, cols: int, proc: subprocess.Popen[bytes]) -> None:
    """What a terminal emulator does when its window is resized: new size, then SIGWINCH."""
    _set_size(master, rows, cols)
    os.killpg(proc.pid, signal.SIGWINCH)
