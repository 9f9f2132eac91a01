"""`powerpacks sandbox serve|reset|show` as a user runs them (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from reconciler.sandbox import DEMO_AUTH_ID, load_state


def powerpacks(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reconciler", *args], capture_output=True,
                          text=True, timeout=60, env=env)  # fmt: skip


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    return env | extra


def serve(state: Path, *args: str, env: dict[str, str]) -> tuple[subprocess.Popen, dict[str, str]]:
    """Start `sandbox serve`; return the process and the variables it printed (token last)."""
    wanted = "PLIVO_AUTH_ID" if "PLIVO_AUTH_TOKEN" in env else "PLIVO_AUTH_TOKEN"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0",
         "--state", str(state), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    printed: dict[str, str] = {}
    assert proc.stdout is not None
    while wanted not in printed:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        key, _, value = line.removeprefix("export ").strip().partition("=")
        printed[key] = value
    return proc, printed


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    return stderr


def test_reset_and_show(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    (tmp_path / "sb.journal.jsonl").write_text("old\n")
    reset = powerpacks("sandbox", "reset", "--state", str(state))
    assert reset.returncode == 0 and load_state(state)["auth_id"] == DEMO_AUTH_ID
    assert not (tmp_path / "sb.journal.jsonl").exists()
    shown = powerpacks("sandbox", "show", "--state", str(state))
    assert shown.returncode == 0 and "alerts-old" in shown.stdout
    assert "xml:Legacy replies" in shown.stdout
    assert load_state(state)["auth_token"] not in shown.stdout + shown.stderr


def test_serve_prints_credentials_and_saves_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    proc, printed = serve(state, "--rate-limit", "off", env=clean_env())
    try:
        auth = (printed["PLIVO_AUTH_ID"], printed["PLIVO_AUTH_TOKEN"])
        url = f"{printed['PLIVO_API_URL']}/v1/Account/{auth[0]}/Powerpack/"
        assert requests.post(url, json={"name": "via-cli"}, auth=auth, timeout=5).status_code == 200
    finally:
        stderr = stop(proc)
    assert "via-cli" in [p["name"] for p in load_state(state)["powerpacks"]]
    assert "Traceback" not in stderr


def test_serve_uses_credentials_from_the_environment(tmp_path: Path) -> None:
    env = clean_env(PLIVO_AUTH_ID="MAENV0000000000000AA", PLIVO_AUTH_TOKEN="secret-env-token")
    proc, printed = serve(tmp_path / "sb.json", "--fault", "503:every=2", env=env)
    try:
        assert "PLIVO_AUTH_TOKEN" not in printed
        url = f"{printed['PLIVO_API_URL']}/v1/Account/MAENV0000000000000AA/Powerpack/"
        auth = ("MAENV0000000000000AA", "secret-env-token")
        codes = [requests.get(url, auth=auth, timeout=5).status_code for _ in range(2)]
        assert codes == [200, 503]
    finally:
        stderr = stop(proc)
    assert "secret-env-token" not in stderr
    assert "secret-env-token" not in (tmp_path / "sb.json").read_text()


def test_bad_fault_spec_is_a_clean_exit_1(tmp_path: Path) -> None:
    r = powerpacks("sandbox", "serve", "--state", str(tmp_path / "s.json"), "--fault", "418:0.5")
    assert r.returncode == 1 and "--fault" in r.stderr and "Traceback" not in r.stderr
