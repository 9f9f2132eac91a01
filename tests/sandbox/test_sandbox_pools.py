"""Number pools and the account's rented numbers, over raw HTTP (docs/api.md 6, 6.1, Q18, Q19).

The official SDK's view of the same endpoints is in test_sandbox_sdk.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.sandbox import Sandbox

from .test_sandbox_fixtures import FIXTURES, same_shape

ALL_RENTED = ["14155550101", "14155550102", "18885550105", "16465550103",
              "18005550106", "16045550104", "14165550107", "13125550110",
              "13125550108", "18775550109"]  # fmt: skip


def uuid_of(http: requests.Session, base: str, name: str) -> str:
    objects = http.get(f"{base}/Powerpack/").json()["objects"]
    return next(o["uuid"] for o in objects if o["name"] == name)


def pool_of(http: requests.Session, base: str, name: str) -> str:
    pp = http.get(f"{base}/Powerpack/{uuid_of(http, base, name)}/").json()
    return pp["number_pool"].split("/")[5]


def members(http: requests.Session, base: str, pool: str, kind: str = "Number") -> list[str]:
    page = http.get(f"{base}/NumberPool/{pool}/{kind}/").json()
    return [o["number"] for o in page["objects"]]


def rented(sandbox: Sandbox) -> set[str]:
    return {n["number"] for n in sandbox.snapshot()["numbers"]}


# --- the account's numbers: GET /Number/ and /Number/{number}/ ---------------------------------


def listed(http: requests.Session, base: str, **query: Any) -> list[str]:
    r = http.get(f"{base}/Number/", params=query)
    assert r.status_code == 200, r.text
    return [o["number"] for o in r.json()["objects"]]


def test_account_numbers_list_in_pages_of_at_most_20(http, base: str) -> None:
    assert listed(http, base) == ALL_RENTED
    page = http.get(f"{base}/Number/", params={"limit": 4, "offset": 4}).json()
    assert [o["number"] for o in page["objects"]] == ALL_RENTED[4:8]
    meta = page["meta"]
    assert (meta["limit"], meta["offset"], meta["total_count"]) == (4, 4, 10)
    assert meta["next"].endswith("/Number/?limit=4&offset=8")
    assert meta["previous"].endswith("/Number/?limit=4&offset=0")
    last = http.get(f"{base}/Number/", params={"offset": 8}).json()["meta"]
    assert last["next"] is None
    assert http.get(f"{base}/Number/", params={"limit": 21}).status_code == 400


def test_account_numbers_filters(http, base: str) -> None:
    assert listed(http, base, type="tollfree") == ["18885550105", "18005550106", "18775550109"]
    assert listed(http, base, type="mobile") == ["16465550103"]
    assert len(listed(http, base, type="local")) == 6
    assert listed(http, base, number_startswith="1312") == ["13125550110", "13125550108"]
    assert listed(http, base, number_startswith="+1415") == ["14155550101", "14155550102"]
    assert listed(http, base, services="sms,mms") == ALL_RENTED
    assert listed(http, base, unknown="ignored", search="hack") == ALL_RENTED
    for bad in ({"type": "fax"}, {"services": "sms,fax"}, {"number_startswith": "x1"}):
        r = http.get(f"{base}/Number/", params=bad)
        assert r.status_code == 400 and set(r.json()) == {"api_id", "error"}, bad


def test_account_number_object(http, base: str, sandbox: Sandbox) -> None:
    one = http.get(f"{base}/Number/16045550104/").json()
    assert (one["number"], one["country"], one["type"], one["number_type"]) == (
        "16045550104", "Canada", "local", "local")  # fmt: skip
    assert one["resource_uri"] == f"/v1/Account/{sandbox.auth_id}/Number/16045550104/"
    assert one["sub_account"] is None and one["sms_enabled"] is True and "api_id" in one
    assert http.get(f"{base}/Number/16465550103/").json()["type"] == "mobile"
    toll_free = http.get(f"{base}/Number/18005550106/").json()
    assert toll_free["type"] == toll_free["number_type"] == "tollfree"


@pytest.mark.parametrize("tail", ["14155550101/", "14155550101", "14155550101//"])
def test_account_number_path_forms(http, base: str, tail: str) -> None:
    assert http.get(f"{base}//Number/{tail}").json()["number"] == "14155550101"
    assert http.get(f"{base}/Number").json()["meta"]["total_count"] == 10


def test_account_number_not_rented_is_404_not_found(http, base: str) -> None:
    r = http.get(f"{base}/Number/14150000000/")
    assert r.status_code == 404 and r.json()["error"] == "not found"
    assert set(r.json()) == {"api_id", "error"}
    assert http.post(f"{base}/Number/14155550101/", json={}).status_code == 405


def test_account_number_shapes_match_the_sdk_fixtures(http, base: str) -> None:
    theirs = json.loads((FIXTURES / "number.get.json").read_text())
    theirs["application"] = None  # null: the sandbox links no application to a number
    extra = frozenset({"type", "cnam_lookup"})  # cnam_lookup: in the list fixture, not this one
    same_shape(http.get(f"{base}/Number/14155550101/").json(), theirs, extra_ok=extra)
    listed_theirs = json.loads((FIXTURES / "number.list.json").read_text())
    page = http.get(f"{base}/Number/", params={"limit": 3}).json()
    same_shape(page["meta"], listed_theirs["meta"])
    # The recorded list objects vary among themselves (hand-edited); compare the keys they share.
    shared = set.intersection(*(set(o) for o in listed_theirs["objects"]))
    assert all(shared <= set(o) for o in page["objects"])


def test_a_rented_number_keeps_its_country_in_the_pool_list(http, base: str) -> None:
    pool = pool_of(http, base, "support")
    objects = http.get(f"{base}/NumberPool/{pool}/Number/").json()["objects"]
    assert {o["number"]: o["country_iso2"] for o in objects} == {
        "16045550104": "CA", "14165550107": "CA"}  # fmt: skip


# --- adding and removing pool members -----------------------------------------------------------


def test_adding_a_number_another_pool_holds_names_that_pool(http, base, sandbox) -> None:
    holder = pool_of(http, base, "legacy-promo")
    target = pool_of(http, base, "marketing-us")
    before = sandbox.snapshot()
    r = http.post(f"{base}/NumberPool/{target}/Number/13125550110/", json={"service": "sms"})
    assert r.status_code == 400 and set(r.json()) == {"api_id", "error"}
    assert holder in r.json()["error"] and "'legacy-promo'" in r.json()["error"]
    assert sandbox.snapshot() == before  # refused, not moved
    assert members(http, base, holder) == ["13125550110"]


def test_adding_a_number_already_in_the_same_pool_says_so(http, base, sandbox) -> None:
    pool = pool_of(http, base, "support")
    before = sandbox.snapshot()
    r = http.post(f"{base}/NumberPool/{pool}/Number/14165550107/", json={"service": "mms"})
    assert r.status_code == 400 and "already in this number pool (service sms)" in r.json()["error"]
    assert sandbox.snapshot() == before


def test_a_toll_free_number_goes_through_the_tollfree_resource(http, base, sandbox) -> None:
    pool = pool_of(http, base, "alerts-old")
    r = http.post(f"{base}/NumberPool/{pool}/Number/18775550109/", json={})
    assert r.status_code == 400 and "Tollfree" in r.json()["error"]
    bought = http.post(f"{base}/NumberPool/{pool}/Number/18445550000/", json={"rent": True})
    assert bought.status_code == 400 and "18445550000" not in rented(sandbox)  # nothing rented
    long_code = http.post(f"{base}/NumberPool/{pool}/Tollfree/13125550108/", json={})
    assert long_code.status_code == 400 and "not a toll-free number" in long_code.json()["error"]
    added = http.post(f"{base}/NumberPool/{pool}/Tollfree/18775550109/", json={})
    assert added.status_code == 200 and added.json()["type"] == "tollfree"


def test_adding_an_unrented_number_without_rent_is_400(http, base, sandbox) -> None:
    pool = pool_of(http, base, "support")
    r = http.post(f"{base}/NumberPool/{pool}/Number/14150000001/", json={"rent": False})
    assert r.status_code == 400 and "not rented" in r.json()["error"]
    assert "14150000001" not in rented(sandbox)


def test_a_move_is_remove_then_add_and_never_unrents(http, base, sandbox) -> None:
    source, target = pool_of(http, base, "legacy-promo"), pool_of(http, base, "marketing-us")
    gone = http.delete(f"{base}/NumberPool/{source}/Number/13125550110/", json={"unrent": False})
    assert gone.json() == {"api_id": gone.json()["api_id"], "response": "success"}
    assert "13125550110" in rented(sandbox)
    added = http.post(f"{base}/NumberPool/{target}/Number/13125550110/", json={"service": "sms"})
    assert added.status_code == 200 and added.json()["number_pool_uuid"] == target
    assert members(http, base, source) == []


def test_removing_with_an_empty_body_keeps_the_number_rented(http, base, sandbox) -> None:
    pool = pool_of(http, base, "alerts-old")
    assert http.delete(f"{base}/NumberPool/{pool}/Tollfree/18005550106/").status_code == 200
    assert "18005550106" in rented(sandbox)
    assert http.delete(f"{base}/NumberPool/{pool}/Tollfree/18005550106/").status_code == 404


def test_number_list_holds_long_codes_and_toll_free_and_tollfree_only_toll_free(http, base) -> None:
    """Q19: Number/ lists every member; Tollfree/ only the toll-free ones."""
    pool = pool_of(http, base, "marketing-us")
    assert members(http, base, pool) == ["14155550101", "14155550102", "18885550105"]
    assert members(http, base, pool, "Tollfree") == ["18885550105"]
    tollfree = http.get(f"{base}/NumberPool/{pool}/Tollfree/").json()["meta"]
    assert tollfree["total_count"] == 1
    assert http.get(f"{base}/NumberPool/{pool}/Tollfree/14155550101/").status_code == 404


def test_unlinking_a_short_code_never_unrents_and_there_is_no_add(http, base) -> None:
    pool = pool_of(http, base, "alerts-old")
    assert http.delete(f"{base}/NumberPool/{pool}/Shortcode/444222/").status_code == 200
    assert http.get(f"{base}/NumberPool/{pool}/Shortcode/").json()["objects"] == []
    r = http.post(f"{base}/NumberPool/{pool}/Shortcode/444222/", json={})
    assert r.status_code == 405 and r.headers["Allow"] == "DELETE, GET"


def test_pool_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with Sandbox(path, rate_limit=None) as sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        base = f"{sb.url}/v1/Account/{sb.auth_id}"
        pool = pool_of(s, base, "support")
        assert s.post(f"{base}/NumberPool/{pool}/Number/14155559999/", json={"rent": "true",
                      "service": "mms"}).status_code == 200  # fmt: skip
    with Sandbox(path) as again:
        saved = again.snapshot()
    support = next(p for p in saved["powerpacks"] if p["name"] == "support")["number_pool"]
    assert {"number": "14155559999", "service": "mms"}.items() <= support["numbers"][-1].items()
    record = next(n for n in saved["numbers"] if n["number"] == "14155559999")
    assert (record["type"], record["country_iso2"]) == ("fixed", "US")
