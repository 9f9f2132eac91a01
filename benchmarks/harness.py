"""Run the sandbox as its own process and a command against it; measure wall, max RSS and calls.

The sandbox is a separate process, as the real API is remote: in one process it would share the
interpreter lock with the client and skew the figures. Calls are counted from its request journal
(`<state stem>.journal.jsonl`, one JSON line per request), never from the client's own word.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYTHON = sys.executable
TIME = Path("/usr/bin/time")  # GNU time: the peak RSS of the command alone
_ONE = re.compile(r"/Powerpack/[^/]+/?$")
_POOL_LIST = re.compile(r"/NumberPool/[^/]+/(Number|Tollfree)/?$")
_SHORTCODE_LIST = re.compile(r"/NumberPool/[^/]+/Shortcode/?$")
_MEMBER = re.compile(r"/NumberPool/[^/]+/(Number|Tollfree|Shortcode)/[^/]+/?$")
_LOOKUP = re.compile(r"/Number/[^/]+/?$")
KINDS = ("list", "get", "pool", "shortcodes", "lookup", "write", "add", "remove")
"""Call kinds, in the table's order (anything else is "other"; refusals also count as "429")."""


@dataclass
class Run:
    """One measured command: wall seconds, peak RSS (MB), exit code, calls by kind, and the CPU
    seconds it used (user + system: less moved than wall by other work on the machine)."""

    wall: float
    rss_mb: float
    code: int
    calls: Counter[str] = field(default_factory=Counter)
    cpu: float = 0.0
    journal_offset: int = 0  # where its calls start in the sandbox's journal

    @property
    def total(self) -> int:
        return sum(v for k, v in self.calls.items() if k != "429")


class SandboxProcess:
    """`powerpacks sandbox serve` in a child process on a free port, on a copy of a seed state."""

    def __init__(self, seed: Path, folder: Path, latency_ms: float, rate_limit: bool,
                 list_priority: bool = False) -> None:  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        self.state = folder / "sandbox.json"
        shutil.copyfile(seed, self.state)
        self.journal = folder / "sandbox.journal.jsonl"
        self.journal.unlink(missing_ok=True)
        command = [PYTHON, "-m", "reconciler", "sandbox", "serve", "--port", "0",
                   "--state", str(self.state), "--latency-ms", str(latency_ms),
                   "--rate-limit", "300/5" if rate_limit else "off",
                   "--list-priority" if list_priority else "--no-list-priority"]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        self.env = self._read_exports()
        if not rate_limit:  # an account without the limit: the client's own cap goes too
            self.env["POWERPACKS_RATE_LIMIT"] = "off"

    def _read_exports(self) -> dict[str, str]:
        env: dict[str, str] = {}
        assert self.proc.stdout is not None
        while "PLIVO_AUTH_TOKEN" not in env:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox process exited before serving")
            key, _, value = line.strip().removeprefix("export ").partition("=")
            env[key] = value
        return env

    def journal_size(self) -> int:
        return self.journal.stat().st_size if self.journal.exists() else 0

    def calls_since(self, offset: int) -> Counter[str]:
        """Requests journalled after byte `offset`, by kind (and "429" for refusals). Once the
        sandbox has stopped its journal is whole; while it serves, it lags up to 0.1 s."""
        if self.proc.poll() is None:
            time.sleep(0.35)
        counts: Counter[str] = Counter()
        with open(self.journal, "rb") as f:
            f.seek(offset)
            for line in f:
                entry = json.loads(line)
                counts[kind(entry["method"], entry["path"])] += 1
                if entry.get("status") == 429:
                    counts["429"] += 1
        return counts

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def kind(method: str, path: str) -> str:
    """The kind of one journalled request.

    list: a page of the Powerpack list; get: one Powerpack; write: a Powerpack POST or DELETE;
    pool: a page of a pool's Number/ (or Tollfree/) list; shortcodes: a page of its Shortcode/
    list; lookup: the account's record of one number (GET Number/{n}/); add: a member POSTed to a
    pool; remove: a member DELETEd from one (a short code unlinked too); other: anything else.
    """
    if "/Powerpack/" in path:
        if method == "GET":
            return "get" if _ONE.search(path) else "list"
        return "write"
    if "/NumberPool/" in path:
        if method == "GET":
            if _POOL_LIST.search(path):
                return "pool"
            if _SHORTCODE_LIST.search(path):
                return "shortcodes"
            return "other"  # a member or the pool object read: the plans here never need one
        if _MEMBER.search(path):
            return {"POST": "add", "DELETE": "remove"}.get(method, "other")
        return "other"
    if method == "GET" and _LOOKUP.search(path):
        return "lookup"
    return "other"


def measure(command: list[str], env: dict[str, str], sandbox: SandboxProcess, out: Path) -> Run:
    """Run `command` to its end; wall time, its max RSS and the calls it made (read once the
    sandbox has stopped when `sandbox` is used as a context: see calls_after)."""
    offset = sandbox.journal_size()
    full_env = {**os.environ, **env, "NO_COLOR": "1"}
    rss_file = out.with_suffix(".rss")
    with open(out, "w") as stdout, open(out.with_suffix(".err"), "w") as stderr:
        start = time.perf_counter()
        timed = _timed(command, rss_file)
        proc = subprocess.Popen(timed, stdout=stdout, stderr=stderr, env=full_env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    rss_kb = int(rss_file.read_text().split()[-1]) if TIME.exists() else usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime  # GNU time's own share is a millisecond or two
    return Run(wall, rss_kb / 1024, code, Counter(), cpu, offset)


def _timed(command: list[str], rss_file: Path) -> list[str]:
    """`command` under GNU time, which reports its max RSS. Not os.wait4 on our own child: Linux
    carries the parent's peak RSS across fork and exec (a 300 MB parent made `true` 311 MB)."""
    return [str(TIME), "-f", "%M", "-o", str(rss_file), *command] if TIME.exists() else command


def cli(*args: str) -> list[str]:
    """The installed `powerpacks` console script (python -m reconciler if there is none)."""
    script = Path(PYTHON).with_name("powerpacks")
    return [str(script), *args] if script.exists() else [PYTHON, "-m", "reconciler", *args]


def describe(run: Run) -> dict[str, Any]:
    return {"wall": run.wall, "rss_mb": run.rss_mb, "code": run.code, "calls": dict(run.calls),
            "cpu": round(run.cpu, 3)}  # fmt: skip


def timed_run(command: list[str]) -> tuple[float, float]:
    """(wall, CPU seconds) of `command` run to its end, output discarded; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if (code := os.waitstatus_to_exitcode(status)) != 0:
        raise RuntimeError(f"{' '.join(command[-3:])} exited {code}")
    proc.returncode = code
    return wall, usage.ru_utime + usage.ru_stime


def imported(command: list[str], env: dict[str, str] | None = None, tty: bool = False) -> set[str]:
    """The modules `command` imports (`python -X importtime`, as PYTHONPROFILEIMPORTTIME), its
    stderr a file or, with `tty`, a terminal (a pseudo-terminal: what a person's shell gives)."""
    full_env = {**os.environ, **(env or {}), "PYTHONPROFILEIMPORTTIME": "1", "NO_COLOR": "1"}
    full_env["TERM"] = "xterm" if tty else full_env.get("TERM", "dumb")
    if tty:
        text = _on_a_terminal(command, full_env)
    else:
        done = subprocess.run(command, env=full_env, capture_output=True, text=True, check=True)
        text = done.stderr
    found = set()
    for line in text.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            module = line.rsplit("|", 1)[1].strip()
            if module != "package":  # the header line
                found.add(module)
    return found


def _on_a_terminal(command: list[str], env: dict[str, str]) -> str:
    """Run `command` with stderr on a pseudo-terminal; what it wrote there."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave)  # fmt: skip
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[-4:])} exited {proc.returncode} on a terminal")
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
