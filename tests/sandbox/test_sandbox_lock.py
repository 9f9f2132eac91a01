"""One account, one server: the state lock, running_server(), and the CLI around them."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from reconciler.sandbox import (
    Sandbox,
    SandboxBusyError,
    build_state,
    demo_state,
    load_state,
    reset_state,
    running_server,
    write_state,
)
from reconciler.sandbox.lock import lock_path

from .test_sandbox_cli import clean_env, powerpacks, serve, stop


def names(state: dict) -> list[str]:
    return [p["name"] for p in state["powerpacks"]]


def create(url: str, auth: tuple[str, str], name: str) -> int:
    return requests.post(f"{url}/v1/Account/{auth[0]}/Powerpack/", json={"name": name},
                         auth=auth, timeout=5).status_code  # fmt: skip


def test_a_second_sandbox_on_a_served_state_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with Sandbox(path, rate_limit=None) as first:
        owner = json.loads(lock_path(path).read_text())
        assert owner == {"url": first.url, "pid": os.getpid(), "state": str(path.resolve())}
        with pytest.raises(SandboxBusyError) as caught:
            Sandbox(path).start()
        assert caught.value.url == first.url and caught.value.pid == os.getpid()
        assert first.url in str(caught.value)
        via_link = tmp_path / "link.json"
        via_link.symlink_to(path)
        with pytest.raises(SandboxBusyError):  # the same file by another name
            Sandbox(via_link).start()
    assert lock_path(path).read_text() == ""  # released and emptied by stop()
    with Sandbox(path):
        pass


def test_running_server_finds_the_server_and_its_credentials(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    assert running_server(path) is None  # no lock file at all
    with Sandbox(path, rate_limit=[1, 60]) as sb:
        found = running_server(path)
        assert found is not None
        assert (found.url, found.auth_id, found.auth_token) == (sb.url, sb.auth_id, sb.auth_token)
        assert (found.pid, found.state_path) == (os.getpid(), str(path.resolve()))
        assert sb.auth_token not in repr(found)
        assert sb.journal() == []  # the probe is not an API call: not journaled, not limited
        assert create(found.url, (found.auth_id, found.auth_token), "via-found") == 200
    assert running_server(path) is None


def test_running_server_refuses_a_holder_that_does_not_answer(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_state(path, demo_state())
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        owner = {"url": "http://127.0.0.1:9", "pid": 1, "state": str(path.resolve())}
        os.write(fd, json.dumps(owner).encode())
        with pytest.raises(SandboxBusyError, match="does not answer"):
            running_server(path, timeout=0.3)
    finally:
        os.close(fd)
    assert running_server(path) is None


def test_start_reads_a_file_changed_while_nobody_served_it(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    sb = Sandbox(path)
    changed = demo_state()
    changed["powerpacks"] = changed["powerpacks"][:1]
    write_state(path, changed)  # e.g. `sandbox reset` or another program, before start()
    with sb:
        assert names(sb.snapshot()) == ["marketing-us"]


def test_a_sandbox_that_never_served_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    idle = Sandbox(path)
    write_state(path, build_state(powerpacks=[{"name": "other"}]))
    idle.stop()
    assert names(load_state(path)) == ["other"]


def test_reset_state_refuses_while_served(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with Sandbox(path, rate_limit=None) as sb, pytest.raises(SandboxBusyError, match=sb.url):
        reset_state(path, demo_state())
    reset_state(path, demo_state())


# --- the real CLI: `sandbox serve` in a subprocess -------------------------------------------


def assert_one_error_line(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(p in lines[0] for p in parts), result.stderr


def test_serve_holds_the_state_until_it_stops(tmp_path: Path) -> None:
    path = tmp_path / "sb.json"
    proc, printed = serve(path, "--rate-limit", "off", env=clean_env())
    url = printed["PLIVO_API_URL"]
    try:
        found = running_server(path)
        assert found is not None and found.url == url and found.pid == proc.pid
        assert found.auth_token == printed["PLIVO_AUTH_TOKEN"]
        assert create(found.url, (found.auth_id, found.auth_token), "through-found") == 200
        with pytest.raises(SandboxBusyError) as caught:
            Sandbox(path).start()
        assert caught.value.url == url and caught.value.pid == proc.pid
        again = powerpacks("sandbox", "serve", "--port", "0", "--state", str(path))
        assert_one_error_line(again, "already served", url)
        reset = powerpacks("sandbox", "reset", "--state", str(path))
        assert_one_error_line(reset, "cannot reset while it is served", url)
    finally:
        stop(proc)
    assert "through-found" in names(load_state(path))  # the server's own write, kept
    assert running_server(path) is None
    assert powerpacks("sandbox", "reset", "--state", str(path)).returncode == 0


def test_a_killed_server_leaves_a_lock_file_that_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "sb.json"
    proc, printed = serve(path, env=clean_env())
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    owner = json.loads(lock_path(path).read_text())
    assert owner["url"] == printed["PLIVO_API_URL"] and owner["pid"] == proc.pid  # left behind
    assert running_server(path) is None
    with Sandbox(path, rate_limit=None) as sb:
        assert json.loads(lock_path(path).read_text())["url"] == sb.url
    assert powerpacks("sandbox", "reset", "--state", str(path)).returncode == 0


def test_running_server_refuses_a_server_with_other_credentials(tmp_path: Path) -> None:
    env = clean_env(PLIVO_AUTH_ID="MAENV0000000000000AA", PLIVO_AUTH_TOKEN="secret-env-token")
    path = tmp_path / "sb.json"
    proc, printed = serve(path, env=env)
    try:
        with pytest.raises(SandboxBusyError, match="other credentials") as caught:
            running_server(path)
        assert caught.value.url == printed["PLIVO_API_URL"]
        assert "secret-env-token" not in str(caught.value)
    finally:
        stop(proc)


def test_a_second_process_writes_through_the_running_server(tmp_path: Path) -> None:
    """What `apply --sandbox` will do: find the server, send to it; the server keeps the write."""
    path = tmp_path / "sb.json"
    proc, _ = serve(path, "--rate-limit", "off", env=clean_env())
    script = (
        "import sys, requests\n"
        "from reconciler.sandbox import running_server\n"
        "s = running_server(sys.argv[1])\n"
        "r = requests.post(f'{s.url}/v1/Account/{s.auth_id}/Powerpack/', json={'name': 'other'},"
        " auth=(s.auth_id, s.auth_token), timeout=5)\n"
        "print(r.status_code)\n"
    )
    try:
        other = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                               text=True, timeout=60)  # fmt: skip
        assert other.stdout.strip() == "200", other.stderr
    finally:
        stop(proc)
    assert "other" in names(load_state(path))
