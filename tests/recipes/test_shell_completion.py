"""Shell completion: a script for bash, zsh and fish, and bash really completes with it.

The installed `powerpacks` prints it with click's `_POWERPACKS_COMPLETE=<shell>_source`; the README
names that command for each shell.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.recipes.workflow import REPO

BIN = Path(sys.executable).parent
# What each shell's script must hold to register itself for `powerpacks`.
REGISTERS = {
    "bash": "complete -o nosort -F _powerpacks_completion powerpacks",
    "zsh": "compdef _powerpacks_completion powerpacks",
    "fish": "complete --no-files --command powerpacks",
}


def source(shell: str) -> str:
    env = {**os.environ, "_POWERPACKS_COMPLETE": f"{shell}_source"}
    proc = subprocess.run(
        [str(BIN / "powerpacks")], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("shell", sorted(REGISTERS))
def test_the_completion_script_is_printed(shell: str) -> None:
    assert REGISTERS[shell] in source(shell)


def test_the_readme_gives_the_command_for_each_shell() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"_POWERPACKS_COMPLETE=(\w+)_source powerpacks", readme)) == set(
        REGISTERS
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["powerpacks", "pl"], ["plan"]),
        (["powerpacks", "plan", "--detailed-e"], ["--detailed-exitcode"]),
    ],
)
def test_bash_completes_with_it(tmp_path: Path, words: list[str], expected: list[str]) -> None:
    (tmp_path / "complete.bash").write_text(source("bash"), encoding="utf-8")
    script = f"""
        source {tmp_path / "complete.bash"}
        COMP_WORDS=({" ".join(words)}) COMP_CWORD={len(words) - 1}
        _powerpacks_completion powerpacks
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == expected
