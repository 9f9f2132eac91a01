"""End-to-end flows: saved plans, other accounts, credentials, outages, the demo."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

import requests

from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.accounts import APPS, PHLOS, pp
from tests.support.world import Env

REPO = Path(__file__).resolve().parents[2]
MANIFEST = "version: 1\npowerpacks:\n  a: {sticky_sender: false}\n  b: {local_connect: false}\n"


def post(env: Env, path: str, body: dict[str, Any]) -> None:
    """Change the account behind the tool's back, as another user would."""
    url = f"{env.sb.url}/v1/Account/{env.sb.auth_id}/{path}"
    r = requests.post(url, json=body, auth=(env.sb.auth_id, env.sb.auth_token), timeout=10)
    r.raise_for_status()


def test_saved_plan_is_applied_exactly(world: Any) -> None:
    env = world([pp("a"), pp("b")])
    env.write_manifest(MANIFEST)
    assert env.invoke("plan", "--out", "plan.json").code == 0
    saved = json.loads((env.cwd / "plan.json").read_text())
    planned = [(r["method"], r["body"]) for c in saved["changes"] for r in c["requests"]]
    env.sb.clear_journal()

    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve")

    assert result.code == 0, result.err
    # Updates of one kind run concurrently: the same requests, in any order within the kind.
    assert sorted(map(repr, ((w["method"], w["body"]) for w in env.writes()))) == sorted(
        map(repr, planned)
    )
    assert env.live()["a"]["sticky_sender"] is False
    assert env.live()["b"]["local_connect"] is False
    assert env.sb.auth_token not in (env.cwd / "plan.json").read_text()


def test_stale_saved_plan_is_refused_and_names_what_moved(world: Any) -> None:
    env = world([pp("a"), pp("b")])
    env.write_manifest(MANIFEST)
    assert env.invoke("plan", "--out", "plan.json").code == 0
    uuid = env.live()["a"]["uuid"]
    post(env, f"Powerpack/{uuid}/", {"local_connect": False})
    env.sb.clear_journal()

    result = env.invoke("apply", "--plan", "plan.json", "--auto-approve")

    assert result.code == 1
    assert "a" in result.err and "local_connect" in result.err
    assert "Traceback" not in result.err
    assert env.writes() == []
    assert env.live()["b"]["local_connect"] is True  # nothing at all was applied


def test_plan_for_another_account_is_refused(world: Any, tmp_path: Path) -> None:
    env = world([pp("a")])
    env.write_manifest(MANIFEST.replace("  b: {local_connect: false}\n", ""))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    other_state = tmp_path / "other.json"
    write_state(
        other_state,
        build_state(
            powerpacks=[pp("a")],
            applications=APPS,
            phlos=PHLOS,
            auth_id="MAOTHER00000000000AB",
            seed=9,
        ),
    )
    with Sandbox(other_state) as other:
        result = env.invoke(
            "apply",
            "--plan",
            "plan.json",
            "--auto-approve",
            env={
                "PLIVO_AUTH_ID": other.auth_id,
                "PLIVO_AUTH_TOKEN": other.auth_token,
                "PLIVO_API_URL": other.url,
            },
        )
        assert result.code == 1
        assert "account" in result.err.lower()
        assert [e for e in other.journal() if e["method"] != "GET"] == []


def test_bad_credentials_is_one_clear_line(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest(MANIFEST)
    result = env.invoke("plan", env={"PLIVO_AUTH_TOKEN": "wrong-token-value-123"})
    assert result.code == 1
    assert "authentication" in result.err.lower()
    assert "Traceback" not in result.err
    assert "wrong-token-value-123" not in result.out + result.err


def test_missing_credentials_names_the_variables(world: Any) -> None:
    env = world([])
    env.write_manifest(MANIFEST)
    result = env.invoke("plan", env={"PLIVO_AUTH_ID": "", "PLIVO_AUTH_TOKEN": ""})
    assert result.code == 1
    assert "PLIVO_AUTH_ID" in result.err and "--sandbox" in result.err


def test_api_down_is_reported_quickly(world: Any) -> None:
    env = world([])
    env.write_manifest(MANIFEST)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = env.invoke("plan", env={"PLIVO_API_URL": url}, timeout=60)  # a hang fails here
    assert result.code == 1
    assert "gave up after" in result.err, result.err  # its own retries end it
    assert "Traceback" not in result.err
    assert str(port) in result.err or "connect" in result.err.lower()


def test_bad_manifest_makes_no_call(world: Any) -> None:
    env = world([pp("a")])
    env.write_manifest("version: 1\npowerpacks:\n  a: {stiky_sender: false}\n")
    env.sb.clear_journal()
    result = env.invoke("apply", "--auto-approve")
    assert result.code == 1
    assert "powerpacks.yaml:3" in result.err
    assert env.sb.journal() == []


def test_demo_with_bundled_sandbox(tmp_path: Path) -> None:
    """The README's main job: a real plan, applied, then nothing left to do."""
    shutil.copy(REPO / "powerpacks.yaml", tmp_path / "powerpacks.yaml")
    env = Env(sb=None, cwd=tmp_path)  # type: ignore[arg-type]
    run = env.run_plain  # a real process: plan and apply end to end through `python -m reconciler`

    first = run("plan", "--sandbox", "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "Plan: 1 to create, 3 to update, 0 to delete." in first.out
    applied = run("apply", "--sandbox", "--auto-approve")
    assert applied.code == 0, applied.err
    second = run("plan", "--sandbox", "--detailed-exitcode")
    assert second.code == 0, second.out + second.err
    assert "No changes." in second.out
