"""`powerpacks sandbox serve` in one terminal, `powerpacks apply --sandbox` in another: one
account. Two real processes: the server shows the change at once and never overwrites it."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.terminal import REPO
from tests.terminal.term import terminal_env

STATE = Path(".powerpacks") / "sandbox.json"


class Server:
    def __init__(self, proc: subprocess.Popen[str], env: dict[str, str]):
        self.proc, self.env = proc, env

    def live(self) -> dict[str, dict[str, Any]]:
        """The Powerpacks the running server answers with, by name (its own HTTP API)."""
        url = f"{self.env['PLIVO_API_URL']}/v1/Account/{self.env['PLIVO_AUTH_ID']}/Powerpack/"
        auth = (self.env["PLIVO_AUTH_ID"], self.env["PLIVO_AUTH_TOKEN"])
        found: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = requests.get(url, params={"limit": 20, "offset": offset}, auth=auth, timeout=10)
            page.raise_for_status()
            objects = page.json()["objects"]
            found.update({o["name"]: o for o in objects})
            offset += len(objects)
            if not objects or offset >= page.json()["meta"]["total_count"]:
                return found

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=30)
        return err


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args], cwd=cwd, env=terminal_env(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Factory: serve(cwd, *args) -> a running `powerpacks sandbox serve` (stopped at the end)."""
    running: list[subprocess.Popen[str]] = []

    def start(cwd: Path, *args: str) -> Server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", *args],
            cwd=cwd, env=terminal_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        running.append(proc)
        env = {}
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)  # a hang guard, not a timing
        assert ready, "sandbox serve printed nothing in 60 s"
        for _ in range(3):  # the three export lines, printed once it listens
            line = proc.stdout.readline()
            assert line.startswith("export "), (line, proc.poll())
            key, value = line.split(" ", 1)[1].strip().split("=", 1)
            env[key] = value
        return Server(proc, env)

    yield start
    for proc in running:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def work_folder(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "powerpacks.yaml").write_text((REPO / "powerpacks.yaml").read_text(), "utf-8")
    return work


@pytest.mark.parametrize("state_arg", ["default", "spelt-from-elsewhere"])
def test_apply_sandbox_uses_the_running_server(tmp_path: Path, serve: Any, state_arg: str) -> None:
    work = work_folder(tmp_path)
    if state_arg == "default":
        server = serve(work)  # in the folder: its state is .powerpacks/sandbox.json there
    else:  # the same file, named from another folder
        server = serve(tmp_path, "--state", os.path.join("work", ".", str(STATE)))
    assert "onboarding" not in server.live()

    applied = cli(work, "apply", "--sandbox", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: 4 change(s) applied and verified." in applied.stderr

    live = server.live()  # the running server shows the change at once
    assert "onboarding" in live and "alerts" in live and "alerts-old" not in live
    again = cli(work, "plan", "--sandbox", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout

    assert "stopped, state saved" in server.stop()
    saved = json.loads((work / STATE).read_text())  # the server's save kept the change
    names = {p["name"] for p in saved["powerpacks"]}
    assert {"onboarding", "alerts"} <= names and "alerts-old" not in names
    after = cli(work, "plan", "--sandbox", "--detailed-exitcode")  # served in-process now
    assert after.returncode == 0 and "No changes." in after.stdout


def test_reset_is_refused_while_served_and_plan_still_reads_the_server(
    tmp_path: Path, serve: Any
) -> None:
    work = work_folder(tmp_path)
    server = serve(work)
    refused = cli(work, "sandbox", "reset")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: sandbox: cannot reset while it is served: ")
    planned = cli(work, "plan", "--sandbox")
    assert planned.returncode == 0 and "Plan: 1 to create, 3 to update" in planned.stdout
    writes = [e for e in server.live().values() if e["name"] == "onboarding"]
    assert not writes  # plan wrote nothing
    server.stop()
