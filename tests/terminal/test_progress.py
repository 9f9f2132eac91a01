"""The progress line, as a user sees it on a real terminal (a pty of 40, 80 and 200 columns).

Long runs are made long by the rate cap, not by hoping the machine is slow: with
POWERPACKS_RATE_LIMIT=15/1, 45 Powerpacks take three seconds however fast the machine is, so the
line (first drawn after 0.4 s) is always seen. Nothing here measures time; the hang guard of
term.run_tty only stops a run that never ends.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from typing import Any

import pytest

from tests.support.terminal import LONG, WIDE, long_names
from tests.terminal.term import columns, plain, resize, run_tty, terminal_env

WIDTHS = [40, 80, 200]
SLOW = {"POWERPACKS_RATE_LIMIT": "15/1"}  # 45 Powerpacks: 3 pages and 45 reads, about 3 s
COUNT = 45
APPLIED = 20  # apply: 22 reads and 20 writes, about 3 s at the cap
REMNANTS = re.compile(r" · \d\d:\d\d|rate-cap wait|retr(y|ies)\b")


def assert_fits_and_clears(run: Any) -> list[str]:
    """Every in-place frame fits in the width less one (never wraps); none stays on screen."""
    frames = run.in_place()
    assert frames, f"no progress line was drawn: {plain(run.raw)[-1500:]!r}"
    too_wide = [f for f in frames if columns(f) >= run.cols]
    assert not too_wide, f"{len(too_wide)} frames wider than {run.cols - 1}: {too_wide[:3]}"
    screen = run.screen(rows=400)
    assert not [ln for ln in screen if REMNANTS.search(ln)], screen
    return frames


@pytest.mark.parametrize("cols", WIDTHS)
def test_plan_shows_phases_counts_and_waits_fitted_and_cleared(account: Any, cols: int) -> None:
    acc = account(long_names(COUNT))
    run = acc.tty("plan", env=acc.env(**SLOW), cols=cols)
    assert run.code == 0, plain(run.raw)
    frames = assert_fits_and_clears(run)
    assert any(re.match(r"priority matrices: \d+/45\b", f) for f in frames), frames[-5:]
    if cols >= 80:  # room for the notes
        assert any("rate-cap wait" in f for f in frames), frames[-5:]
    assert "Plan: 0 to create, 45 to update" in run.stdout  # the plan went to the file whole
    assert run.screen() == []  # and nothing else was left on the terminal


@pytest.mark.parametrize("cols", WIDTHS)
def test_export_shows_its_phases(account: Any, cols: int) -> None:
    acc = account(long_names(15))  # 15 matrices and 30 pool lists: 3 s at the cap
    run = acc.tty("export", env=acc.env(**SLOW), cols=cols)
    assert run.code == 0, plain(run.raw)
    frames = assert_fits_and_clears(run)
    assert any(re.match(r"number pools: \d+/30\b", f) for f in frames), frames[-5:]
    assert run.stdout.count("sticky_sender:") == 15


@pytest.mark.parametrize("cols", WIDTHS)
def test_apply_counts_changes_and_names_them_within_the_width(account: Any, cols: int) -> None:
    acc = account(long_names(APPLIED))
    run = acc.tty(
        "apply", "--auto-approve", "--allow-mass-change", env=acc.env(**SLOW), cols=cols,
    )  # fmt: skip
    assert run.code == 0, plain(run.raw)
    frames = assert_fits_and_clears(run)
    counts = [f for f in frames if re.match(r"apply: \d+/20\b", f)]
    assert counts, frames[-5:]
    if cols == 200:  # the last change's name, cut to the width with an ellipsis
        named = [f for f in counts if re.search(r"applied update \d{3}-campaign", f)]
        assert named and all(f.endswith("…") for f in named), named[-3:]
    rows = run.screen(rows=2000)  # the per-change lines above, wrapped by the terminal
    assert "".join(rows[-3:]).endswith("Apply complete: 20 change(s) applied and verified.")


def test_the_line_fits_again_after_the_window_narrows(account: Any) -> None:
    """apply at 200 columns (frames ~199 wide, with names), then 40: the frames after the
    resize fit 40, and nothing is left (a line padded to its old width would wrap)."""
    acc = account(long_names(APPLIED))
    resized: list[int] = []

    def narrow(raw: bytes, proc: subprocess.Popen[bytes], master: int) -> None:
        if not resized and re.search(rb"apply: \d+/20 [^\r]*applied update", raw):
            resize(master, 24, 40, proc)
            resized.append(len(raw))

    run = acc.tty(
        "apply", "--auto-approve", "--allow-mass-change", env=acc.env(**SLOW), cols=200,
        on_output=narrow,
    )  # fmt: skip
    assert run.code == 0 and resized, plain(run.raw)[-2000:]
    assert [f for f in run.in_place() if columns(f) > 100], "no wide frame before the resize"
    after = run.in_place(resized[0])
    # a frame or two may have been written at 200 columns before the resize was read
    wide = [i for i, f in enumerate(after) if columns(f) >= 40]
    assert not wide or wide[-1] < 3, [after[i] for i in wide]
    assert len(after) - (wide[-1] + 1 if wide else 0) >= 3, after
    screen = run.screen(rows=2000, resizes=[(resized[0], 2000, 40)])
    assert not [ln for ln in screen if REMNANTS.search(ln)], screen


def test_retries_are_counted_on_the_line(account: Any) -> None:
    acc = account(long_names(COUNT), faults=["429:0.3"], seed=3)
    run = acc.tty("plan", env=acc.env(**SLOW), cols=120)
    assert run.code == 0, plain(run.raw)
    frames = assert_fits_and_clears(run)
    assert any(re.search(r"\d+ retr(y|ies)", f) for f in frames), frames[-5:]


def test_a_server_that_never_answers_shows_the_clock_running(
    account: Any, silent_server: str
) -> None:
    """The line is drawn and redrawn while no answer comes; Ctrl-C then clears it."""
    acc = account([])
    clocks: set[str] = set()

    def two_clocks(raw: bytes) -> bool:
        clocks.update(re.findall(r"Powerpack list: 0/1 · (\d\d:\d\d)", plain(raw)))
        return len(clocks) >= 2

    env = acc.env(PLIVO_API_URL=silent_server)
    run = acc.tty("plan", env=env, cols=80, until=two_clocks)
    assert len(clocks) >= 2, plain(run.raw)
    assert run.code == 130
    assert run.screen() == ["Interrupted."]


@pytest.mark.parametrize("stderr_kind", ["pipe", "dumb terminal"])
def test_no_progress_without_a_terminal(account: Any, stderr_kind: str) -> None:
    acc = account(long_names(COUNT))
    env = acc.env(**SLOW)
    if stderr_kind == "pipe":
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", "plan"], cwd=acc.cwd, env=env,
            capture_output=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0
        raw = proc.stderr
    else:
        run = acc.tty("plan", env={**env, "TERM": "dumb"}, cols=80)
        assert run.code == 0
        raw = run.raw
    assert b"\r" not in raw.replace(b"\r\n", b"\n") and b"\x1b" not in raw, raw[:300]
    assert b"priority matrices" not in raw


def test_names_in_frames_are_cut_by_columns_not_characters() -> None:
    """Wide characters take two columns: a cut name never overflows the width."""
    from reconciler.cli.observe import progress_text

    for width in range(10, 120):
        for name in (LONG, WIDE, f"{WIDE}{LONG}", f"x{WIDE}"):
            text = progress_text("apply", 3, 45, 75.0, ("2 retries",), f"applied {name}", width)
            assert columns(text) <= width, (width, text)
            assert text.startswith("apply: 3/45") or columns("apply: 3/45") > width


def test_validate_and_version_never_import_tqdm_even_on_a_terminal(tmp_path: Any) -> None:
    (tmp_path / "powerpacks.yaml").write_text("version: 1\npowerpacks: {a: {}}\n")
    for args in (["--version"], ["validate"], ["--help"]):
        env = terminal_env()
        run = run_tty(args, cwd=tmp_path, env=env, python_options=["-X", "importtime"])
        assert run.code == 0, plain(run.raw)
        assert b"reconciler.cli" in run.raw  # the import log is there
        assert b"tqdm" not in run.raw, args


def test_interrupting_a_slow_plan_leaves_a_clean_screen(account: Any) -> None:
    acc = account(long_names(COUNT))
    run = acc.tty(
        "plan", env=acc.env(**SLOW), cols=80,
        until=lambda raw: b"priority matrices: " in raw, interrupt=signal.SIGTERM,
    )  # fmt: skip
    assert run.code == 143
    assert run.screen() == ["Terminated."]


@pytest.mark.parametrize("cols", [40, 80])
def test_with_the_plan_on_the_same_terminal_the_screen_is_the_plan_alone(
    account: Any, cols: int
) -> None:
    """stdout and stderr both the terminal: the progress line is erased before the plan is
    printed, so the screen holds exactly the plan, as the terminal wraps it (ASCII names here,
    so wrapping is by characters)."""
    acc = account([f"{i:03d}-{LONG}" for i in range(COUNT)])
    run = acc.tty("plan", env=acc.env(**SLOW), cols=cols, stdout_file=None)
    assert run.code == 0 and run.in_place()
    piped = acc.run("plan").stdout
    wrapped = [line[i : i + cols] for line in piped.splitlines()
               for i in range(0, max(len(line), 1), cols)]  # fmt: skip
    assert run.screen(rows=5000) == [line.rstrip() for line in wrapped]
