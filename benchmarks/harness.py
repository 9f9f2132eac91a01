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
_ONE = re.compile(r"/Powerpack/[^/]+/$")


@dataclass
class Run:
    """One measured command: wall seconds, peak RSS (MB), exit code, calls by kind."""

    wall: float
    rss_mb: float
    code: int
    calls: Counter[str] = field(default_factory=Counter)

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
        """Requests journalled after byte `offset`, by kind (and "429" for refusals)."""
        time.sleep(0.35)  # the journal reaches the file within 0.1 s of the request
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
    """list (a page), get (one Powerpack), write (POST/DELETE), or other."""
    if "/Powerpack/" in path:
        if method == "GET":
            return "get" if _ONE.search(path) else "list"
        return "write"
    return "other"


def measure(command: list[str], env: dict[str, str], sandbox: SandboxProcess, out: Path) -> Run:
    """Run `command` to its end; wall time, its max RSS and the calls it made."""
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
    return Run(wall, rss_kb / 1024, code, sandbox.calls_since(offset))


def _timed(command: list[str], rss_file: Path) -> list[str]:
    """`command` under GNU time, which reports its max RSS. Not os.wait4 on our own child: Linux
    carries the parent's peak RSS across fork and exec (a 300 MB parent made `true` 311 MB)."""
    return [str(TIME), "-f", "%M", "-o", str(rss_file), *command] if TIME.exists() else command


def cli(*args: str) -> list[str]:
    """The installed `powerpacks` console script (python -m reconciler if there is none)."""
    script = Path(PYTHON).with_name("powerpacks")
    return [str(script), *args] if script.exists() else [PYTHON, "-m", "reconciler", *args]


def describe(run: Run) -> dict[str, Any]:
    return {"wall": run.wall, "rss_mb": run.rss_mb, "code": run.code, "calls": dict(run.calls)}
