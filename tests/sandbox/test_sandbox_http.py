"""Raw HTTP: the client quirks of every SDK (docs/api.md 1, 4, 6) and the section-10 semantics."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from reconciler.sandbox import Sandbox
from reconciler.sandbox.demo import LEGACY_APP, MARKETING_APP, SUPPORT_PHLO


def entry(country: str, service: str, *order: str) -> dict[str, Any]:
    prio = {f"priority{i + 1}": kind for i, kind in enumerate(order)}
    return {"country_iso": country, "service_type": service, "priority": prio}


def uuid_of(http: requests.Session, base: str, name: str) -> str:
    objects = http.get(f"{base}/Powerpack/").json()["objects"]
    return next(o["uuid"] for o in objects if o["name"] == name)


def pool_of(http: requests.Session, base: str, name: str) -> str:
    pp = http.get(f"{base}/Powerpack/{uuid_of(http, base, name)}/").json()
    return pp["number_pool"].split("/")[5]


@pytest.mark.parametrize(
    "suffix",
    ["/Powerpack/", "/Powerpack", "/Powerpack//", "//Powerpack/", "/Powerpack/?limit=20"],
)
def test_slash_variants_reach_the_list(http, base: str, suffix: str) -> None:
    r = http.get(base + suffix)
    assert r.status_code == 200 and r.json()["meta"]["total_count"] == 4


def test_go_and_ruby_paths_for_get_update_delete(http, base: str, sandbox: Sandbox) -> None:
    uuid = uuid_of(http, base, "legacy-promo")
    assert http.get(f"{base}/Powerpack/{uuid}//").json()["name"] == "legacy-promo"  # GO get
    assert http.post(f"{base}/Powerpack/{uuid}", json={"name": "lp"}).json()["name"] == "lp"  # NET
    ruby = http.delete(f"{base}/Powerpack/{uuid}//", json={"unrent_numbers": False})  # RUBY
    assert ruby.status_code == 200 and ruby.json()["response"] == "success"
    assert sandbox.journal()[-1]["body"] == {"unrent_numbers": False}


def test_unknown_keys_and_query_params_are_ignored(http, base: str) -> None:
    r = http.post(f"{base}/Powerpack/", json={"name": "u", "smart_sender": True, "uuid": "x"})
    assert r.status_code == 200 and r.json()["uuid"] != "x"
    assert http.get(f"{base}/Powerpack/", params={"search": "hack", "limit": 1}).status_code == 200


@pytest.mark.parametrize("rent", ["true", True, "True"])
def test_rent_as_string_or_boolean(http, base: str, sandbox: Sandbox, rent: object) -> None:
    pool = pool_of(http, base, "legacy-promo")
    r = http.post(f"{base}/NumberPool/{pool}/Number/14155557777/", json={"rent": rent})
    assert r.status_code == 200 and r.json()["service"] == "sms"
    assert "14155557777" in {n["number"] for n in sandbox.snapshot()["numbers"]}


@pytest.mark.parametrize(("unrent", "kept"), [("false", True), ("true", False), (False, True)])
def test_unrent_as_string_or_boolean(http, base: str, sandbox: Sandbox, unrent, kept) -> None:
    pool = pool_of(http, base, "legacy-promo")
    r = http.delete(f"{base}/NumberPool/{pool}/Number/13125550110//", json={"unrent": unrent})
    assert r.status_code == 200
    assert ("13125550110" in {n["number"] for n in sandbox.snapshot()["numbers"]}) is kept


def test_add_number_refuses_unrented_or_pooled_numbers(http, base: str) -> None:
    pool = pool_of(http, base, "legacy-promo")
    not_rented = http.post(f"{base}/NumberPool/{pool}/Number/14150000000/", json={})
    assert not_rented.status_code == 400
    pooled = http.post(f"{base}/NumberPool/{pool}/Number/14155550101/", json={"rent": "false"})
    assert pooled.status_code == 400 and "already" in pooled.json()["error"]
    bad_service = http.post(f"{base}/NumberPool/{pool}/Number/13125550108/", json={"service": "x"})
    assert bad_service.status_code == 400


def test_list_numbers_filters(http, base: str) -> None:
    pool = pool_of(http, base, "marketing-us")
    url = f"{base}/NumberPool/{pool}/Number/"

    def listed(**q: str) -> list[str]:
        r = http.get(url, params=q)
        assert r.status_code == 200, r.text
        return [o["number"] for o in r.json()["objects"]]

    assert listed(service="mms") == ["14155550102"]
    assert listed(type="toll-free") == listed(type="tollfree") == ["18885550105"]
    assert listed(type="local") == ["14155550101", "14155550102"]
    assert listed(starts_with="415", country_iso2="US") == ["14155550101", "14155550102"]
    assert listed(country_iso2="CA") == []
    assert http.get(url, params={"starts_with": "415"}).status_code == 400
    eleven = ",".join(str(200 + i) for i in range(11))
    assert http.get(url, params={"starts_with": eleven, "country_iso2": "US"}).status_code == 400
    meta = http.get(url, params={"limit": 1}).json()["meta"]
    assert meta["previous"] == "" and meta["next"].endswith(
        f"/NumberPool/{pool}/Number/?limit=1&offset=1"
    )


@pytest.mark.parametrize("tail", ["444111/", "444111/&service=", "444111&service=sms/"])
def test_node_find_shortcode_path_with_query_in_it(http, base: str, tail: str) -> None:
    pool = pool_of(http, base, "marketing-us")
    r = http.get(f"{base}/NumberPool/{pool}/Shortcode/{tail}")
    assert r.status_code == 200 and r.json()["shortcode"] == "444111"


def test_find_number_with_service_filter(http, base: str) -> None:
    pool = pool_of(http, base, "marketing-us")
    assert http.get(f"{base}/NumberPool/{pool}/Number/14155550102//?service=mms").status_code == 200
    assert http.get(f"{base}/NumberPool/{pool}/Number/14155550102/?service=sms").status_code == 404


def test_numberpool_object(http, base: str) -> None:
    pool = pool_of(http, base, "support")
    body = http.get(f"{base}/NumberPool/{pool}/").json()
    assert body["uuid"] == pool and body["numbers"].endswith(f"/NumberPool/{pool}/Number/")
    assert http.get(f"{base}/NumberPool/not-a-pool/").status_code == 404


def test_phlo_get_on_phlorunner_path(http, sandbox: Sandbox) -> None:
    body = http.get(f"{sandbox.url}/v1/phlo/{SUPPORT_PHLO}/").json()
    assert body["name"] == "Support flow" and body["phlo_id"] == SUPPORT_PHLO
    assert http.get(f"{sandbox.url}/v1/phlo/{MARKETING_APP}/").status_code == 404


def test_empty_update_changes_nothing(http, base: str) -> None:
    uuid = uuid_of(http, base, "support")
    before = http.get(f"{base}/Powerpack/{uuid}/").json()
    after = http.post(f"{base}/Powerpack/{uuid}/", json={})
    assert after.status_code == 200
    assert {k: v for k, v in after.json().items() if k != "api_id"} == {
        k: v for k, v in before.items() if k != "api_id"
    }


@pytest.mark.parametrize(
    "body",
    [
        {"name": "alerts-old"},  # another Powerpack's name (Q4)
        {"name": ""},
        {"sticky_sender": "true"},  # Q12: strings refused for these two
        {"local_connect": 1},
        {"application_id": MARKETING_APP},  # Q10: id without type
        {"application_type": "xml"},  # Q10: type without id
        {"application_type": "sms", "application_id": MARKETING_APP},
        {"application_type": "phlo", "application_id": MARKETING_APP},  # Q11: not a PHLO
        {"number_priority": [entry("US", "SMS", "shortcode", "shortcode", "longcode")]},
        {"number_priority": [entry("MX", "SMS", "shortcode", "tollfree", "longcode")]},
        {"number_priority": [entry("US", "sms", "shortcode", "tollfree", "longcode")]},
        {"number_priority": [entry("US", "SMS", "Shortcode", "tollfree", "longcode")]},
        {"number_priority": [entry("US", "SMS", "shortcode", "tollfree")]},
        {"number_priority": [entry("US", "SMS", "shortcode", "tollfree", None)]},
        {"number_priority": [entry("CA", "MMS", "shortcode", "tollfree", "longcode")] * 2},
        {"number_priority": {"US": "x"}},
    ],
)
def test_invalid_updates_are_400_and_change_nothing(http, base, sandbox: Sandbox, body) -> None:
    uuid = uuid_of(http, base, "marketing-us")
    before = sandbox.snapshot()
    r = http.post(f"{base}/Powerpack/{uuid}/", json=body)
    assert r.status_code == 400
    assert set(r.json()) == {"api_id", "error"} and r.json()["error"]
    assert sandbox.snapshot() == before


def test_rename_onto_itself_and_case_sensitive_names(http, base: str) -> None:
    uuid = uuid_of(http, base, "support")
    assert http.post(f"{base}/Powerpack/{uuid}/", json={"name": "support"}).status_code == 200
    assert http.post(f"{base}/Powerpack/", json={"name": "Support"}).status_code == 200


def test_relink_and_unlink(http, base: str) -> None:
    uuid = uuid_of(http, base, "marketing-us")
    link = {"application_type": "XML", "application_id": MARKETING_APP}
    assert (
        http.post(f"{base}/Powerpack/{uuid}/", json=link).json()["application_id"] == MARKETING_APP
    )
    phlo = {"application_type": "phlo", "application_id": SUPPORT_PHLO}
    assert http.post(f"{base}/Powerpack/{uuid}/", json=phlo).json()["application_type"] == "PHLO"
    unlinked = http.post(f"{base}/Powerpack/{uuid}/", json={"application_id": "none"}).json()
    assert (unlinked["application_type"], unlinked["application_id"]) == ("", "")


def test_create_with_partial_priority_fills_the_default(http, base: str) -> None:
    ca_mms = entry("CA", "MMS", "longcode", "tollfree", "shortcode")
    r = http.post(f"{base}/Powerpack/", json={"name": "p", "number_priority": [ca_mms]})
    matrix = {
        (e["country_iso"], e["service_type"]): e["priority"] for e in r.json()["number_priority"]
    }
    assert len(matrix) == 4 and matrix[("CA", "MMS")]["priority1"] == "longcode"
    assert matrix[("US", "SMS")]["priority1"] == "shortcode"


def test_priority_replace_switch(tmp_path) -> None:
    sb = Sandbox(tmp_path / "s.json", rate_limit=None, priority_update="replace")
    with sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        base = f"{sb.url}/v1/Account/{sb.auth_id}"
        uuid = uuid_of(s, base, "support")
        body = {"number_priority": [entry("US", "SMS", "longcode", "tollfree", "shortcode")]}
        out = s.post(f"{base}/Powerpack/{uuid}/", json=body).json()
    keys = [(e["country_iso"], e["service_type"]) for e in out["number_priority"]]
    assert keys == [("US", "SMS")]


def test_list_includes_priority_switch(tmp_path) -> None:
    sb = Sandbox(tmp_path / "s.json", rate_limit=None, list_includes_priority=True)
    with sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        page = s.get(f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/").json()
        sb.set_settings(list_includes_priority=False)
        later = s.get(f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/").json()
    assert all("number_priority" not in o for o in later["objects"])
    assert all(len(o["number_priority"]) == 4 for o in page["objects"])


def test_applications_list_pagination_and_get(http, base: str) -> None:
    page = http.get(f"{base}/Application/", params={"limit": 2}).json()
    assert page["meta"]["total_count"] == 3 and page["meta"]["previous"] is None
    assert page["meta"]["next"].endswith("/Application/?limit=2&offset=2")
    assert http.get(f"{base}/Application/{LEGACY_APP}").json()["app_name"] == "Legacy replies"
    assert http.get(f"{base}/Application/", params={"app_name": "nope"}).json()["objects"] == []


@pytest.mark.parametrize("query", [{"limit": 21}, {"limit": 0}, {"offset": -1}, {"limit": "x"}])
def test_bad_pagination_is_400(http, base: str, query) -> None:
    assert http.get(f"{base}/Powerpack/", params=query).status_code == 400


def test_offset_past_the_end_is_an_empty_page(http, base: str) -> None:
    page = http.get(f"{base}/Powerpack/", params={"offset": 100}).json()
    assert page["objects"] == [] and page["meta"]["total_count"] == 4


def test_list_order_is_creation_order_and_stable(http, base: str) -> None:
    for name in ("z", "a", "m"):
        http.post(f"{base}/Powerpack/", json={"name": name})
    first = [o["name"] for o in http.get(f"{base}/Powerpack/").json()["objects"]]
    assert first[-3:] == ["z", "a", "m"]
    assert first == [o["name"] for o in http.get(f"{base}/Powerpack/").json()["objects"]]
