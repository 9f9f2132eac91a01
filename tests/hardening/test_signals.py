"""Class 6: signals.

SIGINT exits 130 and SIGTERM 143 wherever the run is: waiting on the first page, during the
matrix GETs, during apply's writes, at the confirmation prompt (a real pty), during export. During
apply both say what was applied, what failed and what was not attempted, and no write starts
after the signal (the sandbox journal's arrival times against when it was sent). A second signal
never hangs. Waits are hang guards; no duration is asserted.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import servers as S
from tests.support.accounts import account, manifest_text
from tests.support.cli import cli_command, cli_env
from tests.support.world import World

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGNALS = [signal.SIGINT, signal.SIGTERM]
SLACK = 0.25  # s: a write the client began as the signal was being delivered
GUARD = 30  # s: hang guards only


def wait_for(cond: Callable[[], bool], limit: float = GUARD) -> None:
    end = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < end, "the moment to signal never came"
        time.sleep(0.005)


def stop(proc: subprocess.Popen[str], sig: int, twice: bool = False) -> tuple[int, str, str, float]:
    """Send `sig` (twice, quickly, if asked); the exit code, streams and when it was sent."""
    sent = time.time()
    proc.send_signal(sig)
    if twice:
        time.sleep(0.05)
        proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"no exit after the signal: {err[-2000:]}")
    return proc.returncode, out, err, sent


def check_exit(code: int, err: str, sig: int) -> None:
    assert code == CODES[sig], (code, err[-2000:])
    assert "Traceback" not in err, err


@pytest.fixture
def silent_server() -> Iterator[S.RawServer]:
    server = S.RawServer(lambda conn: None)
    server.serve = S.silent(server)
    yield server
    server.close()


@pytest.mark.parametrize("twice", [False, True])
@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize("command", ["plan", "apply", "export"])
def test_a_signal_while_waiting_on_the_first_page(
    silent_server, tmp_path: Path, command: str, sig: int, twice: bool
) -> None:
    (tmp_path / "powerpacks.yaml").write_text("version: 1\npowerpacks:\n  a-1: {}\n")
    args = {"plan": ["plan"], "apply": ["apply", "--auto-approve"], "export": ["export"]}[command]
    proc = subprocess.Popen(
        cli_command(*args),
        cwd=tmp_path,
        env=cli_env(silent_server.url),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for(lambda: silent_server.connections >= 1)
    code, _, err, _ = stop(proc, sig, twice)
    check_exit(code, err, sig)
    assert err.strip().splitlines()[-1] in ("Interrupted.", "Terminated."), err


def matrix_manifest(n: int) -> str:
    us = "{SMS: [longcode, tollfree, shortcode]}"
    return "version: 1\npowerpacks:\n" + "".join(
        f"  m-{i:02d}: {{number_priority: {{US: {us}}}}}\n" for i in range(n)
    )


@pytest.mark.parametrize("sig", SIGNALS)
def test_a_signal_during_the_matrix_reads(world: Callable[..., World], sig: int) -> None:
    w = world(account(12, 0), latency_ms=400)
    w.write(matrix_manifest(12))
    proc = w.popen("apply", "--auto-approve", "--allow-mass-change")
    wait_for(lambda: any(e["method"] == "GET" and e["path"].count("/") > 5 for e in w.sb.journal()))
    code, _, err, _ = stop(proc, sig)
    check_exit(code, err, sig)
    assert w.writes() == []


@pytest.mark.parametrize("twice", [False, True])
@pytest.mark.parametrize("sig", SIGNALS)
def test_a_signal_during_apply_writes(world: Callable[..., World], sig: int, twice: bool) -> None:
    w = world(account(12, 4), latency_ms=250)
    w.write(manifest_text(12, creates=5))
    proc = w.popen("apply", "--auto-approve", "--allow-mass-change", "--parallelism", "2")
    wait_for(lambda: len(w.writes()) >= 2)
    code, _, err, sent = stop(proc, sig, twice)
    check_exit(code, err, sig)
    late = [e for e in w.writes() if e["time"] > sent + SLACK]
    assert late == [], ("writes started after the signal", late, sent)
    summary = [ln for ln in err.splitlines() if ln.startswith("Interrupted: ")]
    assert summary, err
    assert "applied" in summary[-1] and "failed" in summary[-1] and "not attempted" in summary[-1]
    assert "not attempted" in err.split(summary[-1])[0] or " 0 not attempted" in summary[-1]


@pytest.mark.parametrize("sig", SIGNALS)
def test_a_signal_during_export(world: Callable[..., World], sig: int) -> None:
    w = world(account(12, 4), latency_ms=400)
    proc = w.popen("export")
    wait_for(lambda: len(w.sb.journal()) >= 1)
    code, out, err, _ = stop(proc, sig)
    check_exit(code, err, sig)
    assert out == "" or "powerpacks:" not in out  # no half manifest presented as the account


def pty_run(w: World, args: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """The CLI with a terminal for its stdin, stdout and stderr; returns it and the pty master."""
    master, slave = pty.openpty()
    env = {**w.env(), "TERM": "dumb"}
    # The child makes the pty its controlling terminal (a new session, then TIOCSCTTY) before
    # it becomes the CLI: so Ctrl-C typed on the master is the terminal's SIGINT.
    boot = (
        "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", boot, *cli_command(*args)[1:]],
        cwd=w.cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    return proc, master


def read_until(master: int, needle: bytes, limit: float = GUARD) -> bytes:
    seen = b""
    end = time.monotonic() + limit
    while needle not in seen:
        assert time.monotonic() < end, seen.decode(errors="replace")[-2000:]
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    return seen


def drain(master: int) -> bytes:
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            return seen
        try:
            chunk = os.read(master, 4096)
        except OSError:
            return seen
        if not chunk:
            return seen
        seen += chunk


def at_the_prompt(w: World, act: Callable[[subprocess.Popen[bytes], int], None]) -> tuple[int, str]:
    """`apply` on a pty up to its confirmation prompt, then `act(proc, master)`; the exit code
    and everything the terminal showed."""
    w.write("version: 1\npowerpacks:\n  m-00: {sticky_sender: false}\n")
    proc, master = pty_run(w, ["apply"])
    try:
        read_until(master, b"Only 'yes' will be accepted")
        act(proc, master)
        proc.wait(timeout=GUARD)
        text = drain(master).decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, text


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "ctrl-c"])
def test_a_signal_at_the_confirmation_prompt(world: Callable[..., World], how: str) -> None:
    w = world(account(3, 0))

    def interrupt(proc: subprocess.Popen[bytes], master: int) -> None:
        if how == "ctrl-c":
            os.write(master, b"\x03")  # the terminal's interrupt character: SIGINT from the tty
        else:
            proc.send_signal(getattr(signal, how))

    code, text = at_the_prompt(w, interrupt)
    assert code == (143 if how == "SIGTERM" else 130), text
    assert "Traceback" not in text
    assert w.writes() == []


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_the_prompt_takes_its_answer(world: Callable[..., World], answer: str) -> None:
    """The control for the pty harness: the prompt is real; yes applies, anything else not."""
    w = world(account(3, 0))
    code, text = at_the_prompt(w, lambda proc, master: os.write(master, answer.encode() + b"\r"))
    if answer == "yes":
        assert code == 0, text
        assert len(w.writes()) == 1
    else:
        assert code == 1, text
        assert "nothing was changed" in text
        assert w.writes() == []
