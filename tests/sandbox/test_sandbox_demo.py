"""The demo account against the pool members the top-level powerpacks.yaml declares.

`make demo` plans and applies that manifest against a fresh demo account: every declared member
must exist, rented, with the right type and country, and the account must drift from the
manifest in the ways below (a move, adds, an unlink, a service change, a new pool), so the demo
shows pool work; the pool requests a reconciler would send then reach exactly the declared pools.
"""

from __future__ import annotations

from typing import Any

import requests

from reconciler.sandbox import Sandbox, demo_state

# name -> kind -> {member: service} (numbers) or [members] (tollfree, shortcodes)
DECLARED: dict[str, dict[str, Any]] = {
    "marketing-us": {
        "numbers": {"14155550101": "sms", "14155550102": "mms", "13125550110": "sms"},
        "tollfree": ["18885550105"],
        "shortcodes": ["444111"],
    },
    "alerts": {
        "numbers": {"16465550103": "sms"},
        "tollfree": ["18005550106", "18775550109"],
        "shortcodes": [],
    },
    "support": {"numbers": {"16045550104": "sms", "14165550107": "mms"}},
    "onboarding": {"numbers": {"13125550108": "sms"}},
}
EXPECTED_TYPE_COUNTRY = {
    "14155550101": ("fixed", "US"), "14155550102": ("fixed", "US"),
    "13125550110": ("fixed", "US"), "16465550103": ("mobile", "US"),
    "16045550104": ("fixed", "CA"), "14165550107": ("fixed", "CA"),
    "13125550108": ("fixed", "US"), "18885550105": ("tollfree", "US"),
    "18005550106": ("tollfree", "US"), "18775550109": ("tollfree", "US"),
}  # fmt: skip


def pools_by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """name -> {"numbers": {number: service}, "tollfree": [...], "shortcodes": [...]}."""
    kinds = {n["number"]: n["type"] for n in state["numbers"]}
    out = {}
    for pp in state["powerpacks"]:
        pool = pp["number_pool"]
        out[pp["name"]] = {
            "numbers": {m["number"]: m["service"] for m in pool["numbers"]
                        if kinds[m["number"]] != "tollfree"},
            "tollfree": sorted(m["number"] for m in pool["numbers"]
                               if kinds[m["number"]] == "tollfree"),
            "shortcodes": sorted(c["shortcode"] for c in pool["shortcodes"]),
        }  # fmt: skip
    return out


def test_every_declared_member_is_rented_with_its_type_and_country() -> None:
    state = demo_state()
    records = {n["number"]: (n["type"], n["country_iso2"]) for n in state["numbers"]}
    declared = {n for body in DECLARED.values() for n in [*body.get("numbers", {}),
                                                         *body.get("tollfree", [])]}  # fmt: skip
    assert declared == set(EXPECTED_TYPE_COUNTRY)
    assert {n: records[n] for n in declared} == EXPECTED_TYPE_COUNTRY
    for body in DECLARED.values():
        assert all(records[n][0] != "tollfree" for n in body.get("numbers", {}))
        assert all(records[n][0] == "tollfree" for n in body.get("tollfree", []))
    codes = {c["shortcode"]: c["country_iso2"] for pp in state["powerpacks"]
             for c in pp["number_pool"]["shortcodes"]}  # fmt: skip
    assert codes == {"444111": "US", "444222": "US"}


def test_the_demo_drifts_from_the_declared_pools_as_the_demo_shows() -> None:
    live = pools_by_name(demo_state())
    assert "onboarding" not in live and "alerts" not in live  # a create; a rename of alerts-old
    marketing = live["marketing-us"]
    assert marketing["numbers"] == {"14155550101": "sms", "14155550102": "mms"}
    assert live["legacy-promo"]["numbers"] == {"13125550110": "sms"}  # a move into marketing-us
    assert (marketing["tollfree"], marketing["shortcodes"]) == (["18885550105"], ["444111"])
    alerts = live["alerts-old"]
    assert alerts["numbers"] == {"16465550103": "sms"}
    assert alerts["tollfree"] == ["18005550106"]  # 18775550109 is added
    assert alerts["shortcodes"] == ["444222"]  # unlinked
    assert live["support"]["numbers"] == {"16045550104": "sms", "14165550107": "sms"}  # service
    in_pools = {n for body in live.values() for n in [*body["numbers"], *body["tollfree"]]}
    assert {"13125550108", "18775550109"}.isdisjoint(in_pools)  # spare, rented


def test_the_pool_requests_of_the_demo_reach_the_declared_pools(sandbox: Sandbox, http) -> None:
    """Moves and service changes remove before they add; nothing is ever unrented."""
    base = f"{sandbox.url}/v1/Account/{sandbox.auth_id}"

    def pool(name: str) -> str:
        objects = http.get(f"{base}/Powerpack/").json()["objects"]
        uuid = next(o["uuid"] for o in objects if o["name"] == name)
        return http.get(f"{base}/Powerpack/{uuid}/").json()["number_pool"].split("/")[5]

    def ok(r: requests.Response) -> None:
        assert r.status_code == 200, r.text

    alerts_uuid = next(o["uuid"] for o in http.get(f"{base}/Powerpack/").json()["objects"]
                       if o["name"] == "alerts-old")  # fmt: skip
    ok(http.post(f"{base}/Powerpack/{alerts_uuid}/", json={"name": "alerts"}))
    created = http.post(f"{base}/Powerpack/", json={"name": "onboarding"}).json()
    onboarding = created["number_pool"].split("/")[5]
    ok(http.post(f"{base}/NumberPool/{onboarding}/Number/13125550108/", json={"service": "sms"}))
    ok(http.post(f"{base}/NumberPool/{pool('alerts')}/Tollfree/18775550109/"))
    move = f"NumberPool/{pool('legacy-promo')}/Number/13125550110/"
    ok(http.delete(f"{base}/{move}", json={"unrent": False}))
    ok(http.post(f"{base}/NumberPool/{pool('marketing-us')}/Number/13125550110/", json={}))
    support = pool("support")
    ok(http.delete(f"{base}/NumberPool/{support}/Number/14165550107/", json={"unrent": False}))
    ok(http.post(f"{base}/NumberPool/{support}/Number/14165550107/", json={"service": "mms"}))
    ok(http.delete(f"{base}/NumberPool/{pool('alerts')}/Shortcode/444222/"))
    state = sandbox.snapshot()
    live = pools_by_name(state)
    for name, body in DECLARED.items():
        assert {kind: live[name][kind] for kind in body} == body, name
    assert live["legacy-promo"] == {"numbers": {}, "tollfree": [], "shortcodes": []}
    assert len(state["numbers"]) == len(demo_state()["numbers"])  # nothing rented or unrented
