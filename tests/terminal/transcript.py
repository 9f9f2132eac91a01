"""The README's "A session in a terminal": made by running it, on an 80-column pty.

    .venv/bin/python -m tests.terminal.transcript          # print the session
    .venv/bin/python -m tests.terminal.transcript --write  # and put it in README.md

A fresh folder with the repository's powerpacks.yaml, where `plan --sandbox` makes the bundled
demo account (fixed ids, so the same text each time); the commands are typed as a user would,
`yes` included, and each screen is read back through a VT100 emulator (plain text: the colours
and the progress line, cleared at the end, leave nothing). test_readme_session.py checks that
the README holds what this prints.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from tests.terminal.term import run_tty, terminal_env

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
BEGIN = "<!-- terminal session: begin (made by `python -m tests.terminal.transcript --write`) -->"
END = "<!-- terminal session: end -->"
COLUMNS = 80

# (what is typed, the prompt to wait for and the answer typed there)
SESSION: list[tuple[str, tuple[bytes, bytes] | None]] = [
    ("powerpacks plan --sandbox", None),
    ("powerpacks apply --sandbox", (b"Only 'yes' will be accepted: ", b"yes\n")),
    ("powerpacks plan --sandbox", None),
]


def session() -> str:
    """The session's text: each command after a `$ `, then its screen."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        shutil.copy(REPO / "powerpacks.yaml", cwd / "powerpacks.yaml")
        for typed, answer in SESSION:
            args = typed.split()[1:]
            run = run_tty(
                args, cwd=cwd, cols=COLUMNS, rows=500, env=terminal_env(),
                answers=[answer] if answer else [],
            )  # fmt: skip
            if run.code != 0:
                raise RuntimeError(f"{typed}: exit {run.code}: {run.text()}")
            lines += [f"$ {typed}", *run.screen()]
    return "\n".join(lines) + "\n"


def block(text: str) -> str:
    return f"{BEGIN}\n\n```text\n{text}```\n\n{END}"


def in_readme(readme: str) -> str:
    """The session text the README holds (between the markers, inside the code fence)."""
    found = re.search(re.escape(BEGIN) + r"\n\n```text\n(.*?)```\n\n" + re.escape(END), readme,
                      re.S)  # fmt: skip
    if found is None:
        raise LookupError("README.md has no terminal session between the markers")
    return found.group(1)


def main(argv: list[str]) -> int:
    text = session()
    print(text, end="")
    if "--write" in argv:
        readme = README.read_text(encoding="utf-8")
        start, end = readme.index(BEGIN), readme.index(END) + len(END)
        README.write_text(readme[:start] + block(text) + readme[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
