"""The Sandbox: serves the emulated API on 127.0.0.1 from a background asyncio thread.

Everything that touches the account runs on the one event-loop thread, so requests are applied one
at a time (no lost writes) without locks. Persistence and its guarantee: see store.py. One server
per state file: see lock.py (its status probe, STATUS_PATH, is the one path outside the API).

The HTTP side is our own asyncio code (http.py), kept after measuring http.server and aiohttp in
its place: neither was faster, and both would need the same hand-written parts or more (the
figures and reasons are in http.py's docstring).
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .account import Account
from .demo import demo_state
from .faults import Fault, FaultPlan, make_limiter
from .handling import Handling
from .http import MAX_HEAD
from .lock import StateLock
from .lock import journal_path as default_journal_path
from .state import load_state, write_state
from .store import Store

_DROP = object()  # a handler result meaning "close the connection without answering"


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when another program replaces the file (inode, size, mtime)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Sandbox(Handling):
    """A local Plivo API for one account, persisted to `state_path`."""

    def __init__(
        self,
        state_path: str | Path,
        *,
        port: int = 0,
        journal_path: str | Path | None = None,
        priority_update: str | None = None,
        list_includes_priority: bool | None = None,
        rate_limit: Any = "state",
        latency_ms: float = 0.0,
        faults: Iterable[str | Fault] = (),
        seed: int = 0,
        auth_id: str | None = None,
        auth_token: str | None = None,
    ) -> None:
        self.state_path = Path(state_path)
        self._lock = StateLock(self.state_path)
        if not self.state_path.exists():
            with self._lock.hold():  # refused while another Sandbox serves this path
                if not self.state_path.exists():
                    write_state(self.state_path, demo_state())
        self._options = (auth_id, auth_token, priority_update, list_includes_priority, rate_limit)
        self.journal_path = Path(journal_path or default_journal_path(self.state_path))
        self._load()
        self.port = port
        self.latency_ms = float(latency_ms)
        self._faults = FaultPlan(faults, seed)
        self._seed = seed
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _load(self) -> None:
        """Read and check the state file; the explicit options go on top (this run only)."""
        auth_id, auth_token, priority_update, list_includes_priority, rate_limit = self._options
        state = load_state(self.state_path)
        self._loaded = _file_signature(self.state_path)
        self.auth_id: str = auth_id or state["auth_id"]
        self.auth_token: str = auth_token or state["auth_token"]
        self.account = Account(state, self.auth_id)
        self.account.settings = self._settings(
            state["settings"], priority_update, list_includes_priority, rate_limit
        )
        self._store = Store(self.state_path, self.journal_path, state)
        self._limiter = make_limiter(self.account.settings["rate_limit"])

    @staticmethod
    def _settings(stored: dict[str, Any], priority_update, list_includes_priority, rate_limit):
        """The file's settings with explicit arguments on top (for this run only, not saved)."""
        settings = dict(stored)
        if priority_update is not None:
            if priority_update not in ("merge", "replace"):
                raise ValueError(
                    f"priority_update must be merge or replace, got {priority_update!r}"
                )
            settings["priority_update"] = priority_update
        if list_includes_priority is not None:
            settings["list_includes_priority"] = bool(list_includes_priority)
        if rate_limit != "state":
            settings["rate_limit"] = list(rate_limit) if rate_limit else None
        make_limiter(settings["rate_limit"])  # validates
        return settings

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL; clients append /v1/Account/{auth_id}/..."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Sandbox:
        """Serve in a background thread; returns once the port is listening.

        Takes the state file's lock first (lock.py): SandboxBusyError when another Sandbox
        serves it. The state is read again if the file changed since it was loaded (another
        program wrote it while nobody served it).
        """
        if self._thread is not None:
            return self
        self._lock.acquire()
        try:
            if _file_signature(self.state_path) != self._loaded:
                self._load()
            self._start_thread()
        except BaseException:
            self._lock.release()
            raise
        return self

    def _start_thread(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="sandbox", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        """The server thread: bind, signal, serve until stop()."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            server = loop.run_until_complete(
                asyncio.start_server(
                    self._serve, "127.0.0.1", self.port, limit=MAX_HEAD, backlog=1024
                )
            )
        except OSError as e:
            failure.append(e)
            ready.set()
            loop.close()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._store.loop = loop
        self._lock.publish(self.url)
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._drain_tasks())
            loop.close()

    async def _drain_tasks(self) -> None:
        """Cancel connection tasks still running (sleeping faults, idle keep-alives)."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        """Stop serving, write the state and the journal one last time, release the lock.

        A Sandbox that is not serving writes nothing: the file may belong to another server.
        """
        if self._thread is None or self._loop is None:
            return
        loop = self._loop
        try:
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            self._loop = None
            self._store.final_flush()
            self._loaded = _file_signature(self.state_path)
        finally:
            self._lock.release()

    async def _close(self) -> None:
        """Close the listening socket and every open connection."""
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._store.cancel_timers()
        self._store.loop = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- runtime controls and inspection (thread-safe) ---------------------------------------

    def _call(self, fn, *args):
        """Run fn(*args) on the server thread (or here when not running); return its result."""
        loop = self._loop
        if loop is None or self._thread is None:
            return fn(*args)

        async def call():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    def set_faults(self, faults: Iterable[str | Fault], seed: int | None = None) -> None:
        """Replace the active faults (e.g. make the API fail mid-run); [] turns them off."""
        plan = FaultPlan(faults, self._seed if seed is None else seed)
        self._call(setattr, self, "_faults", plan)

    def set_rate_limit(self, rate_limit: Any) -> None:
        """[requests, seconds] or None (off), from now on."""
        limiter = make_limiter(rate_limit)
        self._call(setattr, self, "_limiter", limiter)

    def set_latency(self, latency_ms: float) -> None:
        """Added latency per request, from now on."""
        self.latency_ms = float(latency_ms)

    def set_settings(self, **settings: Any) -> None:
        """Switch priority_update / list_includes_priority at runtime."""
        merged = self._settings(self.account.settings, settings.get("priority_update"),
                                settings.get("list_includes_priority"), "state")  # fmt: skip
        self._call(setattr, self.account, "settings", merged)

    def journal(self) -> list[dict[str, Any]]:
        """Every request since start (or clear_journal), oldest first."""
        return self._call(lambda: [dict(e) for e in self._store.entries])

    def clear_journal(self) -> None:
        """Forget the journal, in memory and in the file."""
        self._call(self._store.clear_journal)

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the account state (the state file's shape)."""
        return self._call(copy.deepcopy, self.account.state)

    # --- serving ------------------------------------------------------------------------------
