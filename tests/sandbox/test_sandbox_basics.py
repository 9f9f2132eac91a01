"""Powerpack CRUD over real HTTP, and the Sandbox object's own interface."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from reconciler.sandbox import DEMO_AUTH_ID, Sandbox, load_state


def test_demo_account_lists_four_powerpacks(http: requests.Session, base: str) -> None:
    page = http.get(f"{base}/Powerpack/").json()
    assert page["meta"]["total_count"] == 4
    names = [o["name"] for o in page["objects"]]
    assert names == ["marketing-us", "alerts-old", "support", "legacy-promo"]
    assert all("number_priority" not in o for o in page["objects"])


def test_create_get_update_delete(http: requests.Session, base: str) -> None:
    created = http.post(f"{base}/Powerpack/", json={"name": "fresh"})
    assert created.status_code == 200
    pp = created.json()
    assert pp["sticky_sender"] is True and pp["local_connect"] is True
    assert len(pp["number_priority"]) == 4
    got = http.get(f"{base}/Powerpack/{pp['uuid']}/").json()
    assert got["name"] == "fresh" and got["number_pool"] == pp["number_pool"]
    updated = http.post(f"{base}/Powerpack/{pp['uuid']}/", json={"local_connect": False}).json()
    assert updated["local_connect"] is False and updated["sticky_sender"] is True
    gone = http.delete(f"{base}/Powerpack/{pp['uuid']}/", json={"unrent_numbers": False})
    assert gone.status_code == 200 and gone.json()["response"] == "success"
    assert http.get(f"{base}/Powerpack/{pp['uuid']}/").status_code == 404


def test_state_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with Sandbox(path, rate_limit=None) as sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        url = f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/"
        assert s.post(url, json={"name": "kept"}).status_code == 200
    assert "kept" in [p["name"] for p in load_state(path)["powerpacks"]]
    with Sandbox(path) as again:
        assert again.auth_id == DEMO_AUTH_ID
        assert "kept" in [p["name"] for p in again.snapshot()["powerpacks"]]


def test_journal_records_requests_without_credentials(sandbox: Sandbox, http, base) -> None:
    http.post(f"{base}/Powerpack/", json={"name": "j"})
    entries = sandbox.journal()
    assert [(e["method"], e["status"]) for e in entries] == [("POST", 200)]
    assert entries[0]["body"] == {"name": "j"}
    sandbox.stop()
    text = sandbox.journal_path.read_text()
    assert sandbox.auth_token not in text
    assert json.loads(text.splitlines()[0])["path"].endswith("/Powerpack/")
