"""State: seeding, the demo account's drift, atomic persistence, the journal, credentials."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
import requests

from reconciler.sandbox import (
    DEMO_AUTH_ID,
    Sandbox,
    build_state,
    default_priority,
    demo_state,
    load_state,
    store,
    write_state,
)


def by_name(state: dict) -> dict[str, dict]:
    return {p["name"]: p for p in state["powerpacks"]}


def matrix(pp: dict) -> dict[tuple[str, str], list[str]]:
    return {
        (e["country_iso"], e["service_type"]): [e["priority"][f"priority{i}"] for i in (1, 2, 3)]
        for e in pp["number_priority"]
    }


def test_build_state_is_seeded() -> None:
    specs = [{"name": f"pp-{i}"} for i in range(5000)]
    one = build_state(powerpacks=specs, seed=3)  # how fast: benchmarks/sandbox_rps.py
    assert one["powerpacks"][:300] == build_state(powerpacks=specs[:300], seed=3)["powerpacks"]
    other = build_state(powerpacks=specs[:1], seed=4)
    assert one["powerpacks"][0]["uuid"] != other["powerpacks"][0]["uuid"]
    assert one["auth_id"].startswith("MA") and len(one["auth_id"]) == 20
    uuids = {p["uuid"] for p in one["powerpacks"]} | {
        p["number_pool"]["uuid"] for p in one["powerpacks"]
    }
    assert len(uuids) == 10000


def test_build_state_keeps_given_fields() -> None:
    prio = default_priority()[:1]
    state = build_state(
        powerpacks=[{"name": "a", "sticky_sender": False, "application_type": "XML",
                     "application_id": "1", "number_priority": prio}],
        applications=[{"app_id": "1", "app_name": "A"}], auth_id="MA" + "X" * 18,
        auth_token="t", settings={"priority_update": "replace"},
    )  # fmt: skip
    pp = state["powerpacks"][0]
    assert (pp["sticky_sender"], pp["application_type"], pp["number_priority"]) == (
        False, "xml", prio)  # fmt: skip
    assert state["settings"]["priority_update"] == "replace"
    assert state["settings"]["rate_limit"] == [300, 5.0]
    assert (state["auth_id"], state["auth_token"]) == ("MA" + "X" * 18, "t")


def test_demo_state_drifts_from_the_manifest() -> None:
    state = demo_state()
    assert state["auth_id"] == DEMO_AUTH_ID and len(DEMO_AUTH_ID) == 20
    assert state["auth_token"] != demo_state()["auth_token"]  # random per state file
    pps = by_name(state)
    assert list(pps) == ["marketing-us", "alerts-old", "support", "legacy-promo"]
    apps = {a["app_name"]: a["app_id"] for a in state["applications"]}
    marketing = pps["marketing-us"]
    assert marketing["local_connect"] is True
    assert marketing["application_id"] == apps["Legacy replies"]
    assert matrix(marketing)[("US", "MMS")] == ["shortcode", "tollfree", "longcode"]
    assert matrix(marketing)[("CA", "SMS")] == ["shortcode", "longcode", "tollfree"]
    assert pps["alerts-old"]["application_id"] == apps["Support IVR"]
    assert pps["support"]["sticky_sender"] is True
    assert pps["support"]["application_type"] == "phlo"
    assert "onboarding" not in pps


def test_write_state_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_state(path, demo_state())
    before = path.read_text()
    broken = demo_state()
    broken["powerpacks"][0]["name"] = object()  # cannot be serialised
    with pytest.raises(TypeError):
        write_state(path, broken)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_load_state_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValueError, match=r"bad\.json"):
        load_state(bad)
    bad.write_text("{}")
    with pytest.raises(ValueError, match="not a sandbox state"):
        Sandbox(bad)


def test_missing_state_is_seeded_with_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "sandbox.json"
    sb = Sandbox(path)
    assert path.exists() and sb.auth_id == DEMO_AUTH_ID
    assert sb.journal_path == tmp_path / "deep" / "sandbox.journal.jsonl"


def test_writes_reach_the_file_while_running(sandbox: Sandbox, http, base) -> None:
    http.post(f"{base}/Powerpack/", json={"name": "soon"})
    guard = time.monotonic() + 30  # the store writes within PERSIST_DELAY; this only stops a hang
    while "soon" not in by_name(load_state(sandbox.state_path)):
        assert time.monotonic() < guard, "the write never reached the file"
        time.sleep(0.02)


def test_many_writes_are_coalesced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of writes cost a handful of state-file replacements, not one each."""
    writes: list[str] = []
    real_write = store.write_text_atomic

    def counting_write(path: Path, text: str) -> None:  # still the real atomic write
        writes.append(text)
        real_write(path, text)

    monkeypatch.setattr(store, "write_text_atomic", counting_write)
    monkeypatch.setattr(store, "PERSIST_DELAY", 3600.0)  # no interval ends during the test
    with Sandbox(tmp_path / "s.json", rate_limit=None) as sb, requests.Session() as http:
        http.auth = (sb.auth_id, sb.auth_token)
        base = f"{sb.url}/v1/Account/{sb.auth_id}"
        uuid = http.get(f"{base}/Powerpack/").json()["objects"][0]["uuid"]
        for i in range(200):
            http.post(f"{base}/Powerpack/{uuid}/", json={"sticky_sender": i % 2 == 0})
        assert writes == []  # 200 writes wait for one coalesced save
    assert len(writes) == 1  # stop() saves them all at once
    assert json.loads(writes[-1])["powerpacks"][0]["sticky_sender"] is False  # the last write won


def test_explicit_switches_and_credentials_are_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_state(path, demo_state())
    saved = load_state(path)
    env_id = "MA" + "E" * 18
    sb = Sandbox(path, priority_update="replace", rate_limit=None, auth_id=env_id,
                 auth_token="env-token")  # fmt: skip
    with sb, requests.Session() as s:
        s.auth = (env_id, "env-token")
        created = s.post(f"{sb.url}/v1/Account/{env_id}/Powerpack/", json={"name": "n"}).json()
        assert created["number_pool"].startswith(f"/v1/Account/{env_id}/NumberPool/")
    after = load_state(path)
    assert after["settings"] == saved["settings"]
    assert (after["auth_id"], after["auth_token"]) == (saved["auth_id"], saved["auth_token"])


def test_journal_never_holds_credentials(sandbox: Sandbox, http, base) -> None:
    http.get(f"{base}/Powerpack/", params={"limit": 2})
    requests.get(f"{base}/Powerpack/", auth=(sandbox.auth_id, "guess-token"), timeout=5)
    http.post(f"{base}/Powerpack//", json={"name": "jn"})
    entries = sandbox.journal()
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200), ("GET", 401),
                                                              ("POST", 200)]  # fmt: skip
    assert entries[0]["query"] == {"limit": "2"} and entries[2]["path"].endswith("/Powerpack//")
    assert set(entries[0]) == {"method", "path", "query", "body", "status", "time"}
    sandbox.stop()
    text = sandbox.journal_path.read_text()
    assert [json.loads(line)["status"] for line in text.splitlines()] == [200, 401, 200]
    assert sandbox.auth_token not in text and "guess-token" not in text
    assert "authorization" not in text.lower()


def test_clear_journal(sandbox: Sandbox, http, base) -> None:
    http.get(f"{base}/Powerpack/")
    sandbox.clear_journal()
    http.get(f"{base}/Application/")
    assert [e["path"].split("/")[4] for e in sandbox.journal()] == ["Application"]
    sandbox.stop()
    assert len(sandbox.journal_path.read_text().splitlines()) == 1


def test_snapshot_is_a_copy(sandbox: Sandbox) -> None:
    snap = sandbox.snapshot()
    snap["powerpacks"].clear()
    assert len(sandbox.snapshot()["powerpacks"]) == 4


def test_serves_5000_powerpacks_to_the_last_page(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    write_state(path, build_state(powerpacks=[{"name": f"p{i}"} for i in range(5000)]))
    # How fast it starts: benchmarks/sandbox_rps.py.
    with Sandbox(path, rate_limit=None) as sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        page = s.get(f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/?offset=4990").json()
    assert page["meta"]["total_count"] == 5000 and len(page["objects"]) == 10


def test_busy_port_is_an_oserror(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            Sandbox(tmp_path / "s.json", port=taken.getsockname()[1]).start()


def test_stop_is_idempotent_and_restart_works(tmp_path: Path) -> None:
    sb = Sandbox(tmp_path / "s.json").start()
    sb.stop()
    sb.stop()
    with sb:
        assert requests.get(f"{sb.url}/", timeout=5).status_code == 404


def test_sandbox_imports_nothing_from_the_rest_of_reconciler() -> None:
    """The emulator is an independent second reading of the API: no import of the package."""
    import ast

    package = Path(__file__).resolve().parents[2] / "reconciler" / "sandbox"
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{module.name} imports from a parent package"
                assert not (node.module or "").startswith("reconciler"), module.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("reconciler") for a in node.names), module.name
