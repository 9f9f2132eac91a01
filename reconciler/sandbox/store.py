"""Persistence of the state file and the request journal: coalesced, atomic, off the event loop.

Guarantee: the state file is always a complete JSON document (temporary file + os.replace); every
acknowledged write reaches it within about PERSIST_DELAY seconds (writes are coalesced, so 1,000
writes cost a few file writes, not 1,000), and all of them by the time the sandbox stops. A hard
kill loses at most that last interval. The interval grows to 4x the time one dump takes (very
large states), so saving takes under 20% of the loop. The journal is in memory at once and in the
file within about PERSIST_DELAY seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .state import dump_state, write_text_atomic

PERSIST_DELAY = 0.1


class Store:
    """Writes `state` and journal lines from one I/O thread, in order; methods run on the loop."""

    def __init__(self, state_path: Path, journal_path: Path, state: dict[str, Any]) -> None:
        self.state_path = state_path
        self.journal_path = journal_path
        self.state = state
        self.entries: list[dict[str, Any]] = []
        self.loop: asyncio.AbstractEventLoop | None = None  # set while serving
        self._pending: list[str] = []
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-io")
        self._persist_handle: asyncio.TimerHandle | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._dump_seconds = 0.0

    def changed(self) -> None:
        """Schedule one coalesced state write."""
        if self._persist_handle is None and self.loop is not None:
            delay = max(PERSIST_DELAY, 4 * self._dump_seconds)
            self._persist_handle = self.loop.call_later(delay, self._persist)

    def _persist(self) -> None:
        self._persist_handle = None
        started = time.perf_counter()
        text = dump_state(self.state)  # on the loop: no request can change the state meanwhile
        self._dump_seconds = time.perf_counter() - started
        self._io.submit(write_text_atomic, self.state_path, text)

    def record(self, entry: dict[str, Any]) -> None:
        """Append one journal entry (memory now, file soon)."""
        self.entries.append(entry)
        self._pending.append(json.dumps(entry, separators=(",", ":")) + "\n")
        if self._flush_handle is None and self.loop is not None:
            self._flush_handle = self.loop.call_later(PERSIST_DELAY, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        lines, self._pending = self._pending, []
        self._io.submit(self._append, lines)

    def _append(self, lines: list[str]) -> None:
        if lines:
            self.journal_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.journal_path, "a", encoding="utf-8") as f:
                f.write("".join(lines))

    def clear_journal(self) -> None:
        """Forget the journal, in memory and in the file (after writes already queued)."""
        self.entries.clear()
        self._pending.clear()
        self._io.submit(self.journal_path.write_text, "")

    def cancel_timers(self) -> None:
        """Drop scheduled writes; final_flush() does them."""
        for handle in (self._persist_handle, self._flush_handle):
            if handle is not None:
                handle.cancel()
        self._persist_handle = self._flush_handle = None

    def final_flush(self) -> None:
        """Everything to disk now (call with the loop stopped: no concurrent access)."""
        self._io.shutdown(wait=True)
        write_text_atomic(self.state_path, dump_state(self.state))
        self._append(self._pending)
        self._pending = []
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-io")
