"""The CLI's own contract: version, help, and usage errors exit 1 (2 means "changes present")."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args], capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    r = run("--version")
    assert r.returncode == 0
    assert "powerpacks, version" in r.stdout


def test_unknown_command_exits_1_not_2() -> None:
    r = run("no-such-command")
    assert r.returncode == 1
    assert "No such command" in r.stderr
    assert "Traceback" not in r.stderr
