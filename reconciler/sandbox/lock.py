"""One account, one server: a serving Sandbox holds an exclusive lock on its state file.

While a Sandbox serves STATE it holds `flock(LOCK_EX)` on `STATE.lock` (next to the resolved
state file) and has written its URL and pid there. The kernel drops the lock when the process
ends, however it ends, so a lock file left by a killed server is simply not locked and is
ignored. The file itself is never deleted (deleting a lock file races with the next locker).

- `Sandbox.start()` on a state another Sandbox serves (this process or another) raises
  SandboxBusyError carrying that server's url and pid.
- `running_server(STATE)` finds the server that serves STATE, checks that it answers (with the
  state file's credentials, within a short timeout) and returns where and how to reach it, so a
  second program (`powerpacks apply --sandbox`) talks to that server instead of changing the
  state file behind its back.
- `reset_state(STATE)` rewrites the demo account under the lock, and refuses while served.

On a platform without fcntl (Windows) nothing is locked: one server per state is then up to you.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import SandboxBusyError
from .state import load_state, write_state

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STATUS_PATH = "/__sandbox__/status"  # answered by a serving Sandbox, never journaled
_BUSY_RETRY = 0.5  # a reader's probe holds a shared lock for microseconds: don't report that


def lock_path(state_path: str | os.PathLike[str]) -> Path:
    """The lock file of a state file: `sandbox.json` -> `sandbox.json.lock`, beside it."""
    resolved = Path(state_path).resolve()
    return resolved.with_name(resolved.name + ".lock")


def journal_path(state_path: str | os.PathLike[str]) -> Path:
    """The request journal beside a state file: `sandbox.json` -> `sandbox.journal.jsonl`."""
    path = Path(state_path)
    return path.with_name(f"{path.stem}.journal.jsonl")


def _read_owner(path: Path) -> dict[str, Any]:
    """What a lock file says about its holder ({} when empty, unreadable or not ours)."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


class StateLock:
    """The exclusive lock of one state file, held by the Sandbox that serves it."""

    def __init__(self, state_path: str | os.PathLike[str]) -> None:
        self.state_path = Path(state_path)
        self.path = lock_path(state_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise SandboxBusyError naming the holder's url and pid."""
        if self._fd is not None or fcntl is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + _BUSY_RETRY
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    owner = _read_owner(self.path)
                    url, pid = owner.get("url"), owner.get("pid")
                    raise SandboxBusyError(self.state_path, url, pid) from None
                time.sleep(0.02)
        os.ftruncate(fd, 0)  # whatever a killed holder left is no longer true
        self._fd = fd

    def publish(self, url: str) -> None:
        """Write where this process serves the state (readers wait for it)."""
        if self._fd is None:
            return
        owner = {"url": url, "pid": os.getpid(), "state": str(self.state_path.resolve())}
        data = json.dumps(owner).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        """Empty the lock file and let go of the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor releases the flock

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """The lock for the length of a block (a write of the state by a non-server)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()


def _locked(path: Path) -> bool:
    """Whether some process holds the lock file's exclusive lock (a shared lock fails then)."""
    if fcntl is None or not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock when we got it
    return False


@dataclass(frozen=True)
class RunningServer:
    """A Sandbox serving a state file: its base URL and the account's credentials."""

    url: str
    auth_id: str
    auth_token: str = field(repr=False)
    pid: int
    state_path: str


def _probe(url: str, auth: tuple[str, str], timeout: float) -> tuple[int, dict[str, Any]]:
    """(status, body) of the server's status endpoint; (0, {}) when it does not answer."""
    parts = urlsplit(url)
    token = base64.b64encode(":".join(auth).encode()).decode()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", STATUS_PATH, headers={"Authorization": f"Basic {token}"})
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status, body if isinstance(body, dict) else {}
    except (OSError, ValueError, http.client.HTTPException):
        return 0, {}
    finally:
        conn.close()


def running_server(
    state_path: str | os.PathLike[str], timeout: float = 2.0
) -> RunningServer | None:
    """The server serving `state_path`, checked to answer; None when no process serves it.

    Raises SandboxBusyError when a process holds the state but does not answer at the URL it
    wrote within `timeout` seconds, or answers only to other credentials than the state file's
    (`sandbox serve` run with PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN set); SandboxStateError when the
    state file cannot be read for its credentials.
    """
    lock, resolved = lock_path(state_path), str(Path(state_path).resolve())
    deadline = time.monotonic() + timeout
    owner: dict[str, Any] = {}
    while _locked(lock):
        owner = _read_owner(lock)
        url, pid = owner.get("url"), owner.get("pid")
        if isinstance(url, str) and owner.get("state") == resolved:
            state = load_state(state_path)
            auth = (state["auth_id"], state["auth_token"])
            left = max(0.05, deadline - time.monotonic())
            status, body = _probe(url, auth, left)
            if (
                status == 200
                and isinstance(pid, int)
                and body.get("pid") == pid
                and (body.get("state") == resolved)
            ):
                return RunningServer(url, auth[0], auth[1], pid, resolved)
            if status == 401:
                raise SandboxBusyError(state_path, url, pid, detail=(
                    "it answers to other credentials than the state file's (set in its "
                    "environment): use PLIVO_API_URL with those"))  # fmt: skip
        if time.monotonic() >= deadline:
            raise SandboxBusyError(state_path, owner.get("url"), owner.get("pid"), detail=(
                "that process holds the state but does not answer there"))  # fmt: skip
        time.sleep(0.05)
    return None


def reset_state(state_path: str | os.PathLike[str], state: dict[str, Any]) -> None:
    """Replace the state file with `state` and empty the journal; refused while it is served."""
    with StateLock(state_path).hold():
        write_state(state_path, state)
        journal_path(state_path).unlink(missing_ok=True)
