"""Start-up time of the commands that must start fast, and whether they import tqdm.

    .venv/bin/python benchmarks/startup.py            # 15 runs each
    .venv/bin/python benchmarks/startup.py --runs 3

`--version`, `--help` and `validate` are run on a pseudo-terminal (where the progress line would
be drawn, so where tqdm could be imported by mistake) and through a pipe; `plan --sandbox` on a
terminal is there for comparison (it reads an account and draws the progress line: tqdm is
imported). Wall time is the whole process, median and best of the runs. The tests assert no
time (tests/terminal/test_progress.py checks that tqdm isn't imported); this prints figures.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once(args: list[str], cwd: Path, on_tty: bool, trace: bool) -> tuple[float, bool]:
    """(seconds, whether tqdm was imported) of one `python -m reconciler ARGS`; with `trace`,
    under -X importtime (slower: not timed), to see whether tqdm was imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLIVO_", "NO_COLOR"))}
    env["TERM"] = "xterm-256color"
    command = [sys.executable, *(["-X", "importtime"] if trace else []), "-m", "reconciler", *args]
    started = time.perf_counter()
    if not on_tty:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120)
        return time.perf_counter() - started, b"tqdm" in proc.stderr
    master, slave = pty.openpty()
    proc2 = subprocess.Popen(command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc2.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    proc2.wait()
    os.close(master)
    return time.perf_counter() - started, b"tqdm" in out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        shutil.copy(REPO / "powerpacks.yaml", cwd / "powerpacks.yaml")
        cases = [
            (["--version"], True), (["--version"], False), (["--help"], True),
            (["validate"], True), (["validate"], False), (["plan", "--sandbox"], True),
        ]  # fmt: skip
        print(f"python {sys.version.split()[0]}, {options.runs} runs each, wall time per process")
        print(f"{'command':<24} {'stderr':<9} {'median':>8} {'best':>8}  tqdm imported")
        for args, on_tty in cases:
            times = [run_once(args, cwd, on_tty, False)[0] for _ in range(options.runs)]
            imported = run_once(args, cwd, on_tty, True)[1]
            where = "terminal" if on_tty else "pipe"
            print(
                f"{' '.join(args):<24} {where:<9} {statistics.median(times) * 1e3:>6.0f} ms"
                f" {min(times) * 1e3:>5.0f} ms  {'yes' if imported else 'no'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
