"""The README's terminal session is what the tool prints: the session is run again on an
80-column pty (tests/terminal/transcript.py) and compared with the README's block.

The demo account has fixed ids, so the text is the same each run. One thing varies: apply sends
the two plain updates at once, and prints each change's line when it lands, so those two lines
may come in either order. Within a run of `apply: [k/N]` lines, the lines are compared as a set
(the counters aside), and the counters of the new run must go 1, 2, ... N.
"""

from __future__ import annotations

import re

from tests.terminal.transcript import COLUMNS, README, SESSION, in_readme, session

CHANGE = re.compile(r"^apply: \[(\d+)/(\d+)\] (.*)$")


def comparable(text: str) -> list[object]:
    """The lines, each run of per-change lines as one sorted tuple (their counters dropped)."""
    out: list[object] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        match = CHANGE.match(line)
        if match:
            run.append(f"apply: [k/{match.group(2)}] {match.group(3)}")
            continue
        if run:
            out.append(tuple(sorted(run)))
            run = []
        out.append(line)
    return out


def test_the_readme_session_is_what_the_tool_prints() -> None:
    documented = in_readme(README.read_text(encoding="utf-8"))
    fresh = session()
    counters = [int(m.group(1)) for m in map(CHANGE.match, fresh.splitlines()) if m]
    assert counters == list(range(1, len(counters) + 1)) and counters, fresh
    assert comparable(documented) == comparable(fresh), (
        "README.md's terminal session is out of date: run "
        "`.venv/bin/python -m tests.terminal.transcript --write`\n" + fresh
    )


def test_the_readme_session_shows_every_command_at_80_columns() -> None:
    documented = in_readme(README.read_text(encoding="utf-8"))
    typed = [line[2:] for line in documented.splitlines() if line.startswith("$ ")]
    assert typed == [command for command, _ in SESSION]
    assert max(len(line) for line in documented.splitlines()) <= COLUMNS
    assert "Only 'yes' will be accepted: yes" in documented
    assert "\x1b" not in documented
