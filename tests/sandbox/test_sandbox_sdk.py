"""Contract: the official plivo SDK (4.63.0), unmodified, drives every sandbox endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import plivo
import plivo.rest.client as plivo_client
import pytest
from plivo import exceptions as sdk_errors

from reconciler.sandbox import Sandbox
from reconciler.sandbox.demo import MARKETING_APP, SUPPORT_PHLO


@pytest.fixture
def sdk(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[plivo.RestClient]:
    """An SDK client whose base URIs point at the sandbox (monkeypatch restores them after)."""
    base = f"{sandbox.url}/v1/Account"
    for name in ("PLIVO_API_BASE_URI", "API_VOICE_BASE_URI", "API_VOICE_BASE_URI_FALLBACK_1"):
        monkeypatch.setattr(plivo_client, name, base)
    monkeypatch.setattr(plivo_client, "API_VOICE_BASE_URI_FALLBACK_2", base)
    with plivo.RestClient(sandbox.auth_id, sandbox.auth_token) as client:
        yield client


def names(page: Any) -> list[str]:
    return [o["name"] for o in page["objects"]]


def by_name(sdk: plivo.RestClient, name: str) -> Any:
    """The SDK's Powerpack object for a demo Powerpack."""
    page = sdk.powerpacks.list(limit=20)
    uuid = next(o["uuid"] for o in page["objects"] if o["name"] == name)
    return sdk.powerpacks.get(uuid)


def test_create_sends_sdk_defaults_and_gets_full_object(sdk, sandbox: Sandbox) -> None:
    created = sdk.powerpacks.create(name="sdk-new")
    sent = sandbox.journal()[-1]["body"]
    empty = {"application_type": "", "application_id": "", "number_priority": []}
    assert sent == {"name": "sdk-new", "sticky_sender": True, "local_connect": True, **empty}
    assert created["application_type"] == "" and created["application_id"] == ""
    assert len(created["number_priority"]) == 4
    got = sdk.powerpacks.get(created["uuid"])
    assert got.name == "sdk-new" and got.number_pool == created["number_pool"]


def test_create_linked_to_xml_app_and_phlo(sdk) -> None:
    xml = sdk.powerpacks.create(name="x1", application_type="xml", application_id=MARKETING_APP)
    assert (xml["application_type"], xml["application_id"]) == ("XML", MARKETING_APP)
    phlo = sdk.powerpacks.create(name="p1", application_type="phlo", application_id=SUPPORT_PHLO)
    assert (phlo["application_type"], phlo["application_id"]) == ("PHLO", SUPPORT_PHLO)


def test_list_paginates_with_offset(sdk) -> None:
    first = sdk.powerpacks.list(limit=3, offset=0)
    assert first["meta"]["total_count"] == 4 and len(first["objects"]) == 3
    assert first["meta"]["next"].endswith("/Powerpack/?limit=3&offset=3")
    rest = sdk.powerpacks.list(limit=3, offset=3)
    assert names(rest) == ["legacy-promo"] and rest["meta"]["next"] is None


def test_update_partial_rename_unlink_and_priority(sdk) -> None:
    pp = by_name(sdk, "alerts-old")
    us_sms = {"priority1": "tollfree", "priority2": "longcode", "priority3": "shortcode"}
    entry = {"country_iso": "US", "service_type": "SMS", "priority": us_sms}
    out = pp.update({"name": "alerts", "application_id": "none", "number_priority": [entry]})
    assert out["name"] == "alerts" and out["application_id"] == ""
    assert out["application_type"] == "" and out["sticky_sender"] is True
    entries = out["number_priority"]  # the SDK turns nested objects into ResponseObjects
    matrix = {(e["country_iso"], e["service_type"]): vars(e["priority"]) for e in entries}
    assert len(matrix) == 4 and matrix[("US", "SMS")] == us_sms  # merged, not replaced


def test_delete_with_unrent_removes_numbers_from_account(sdk, sandbox: Sandbox) -> None:
    pp = by_name(sdk, "support")
    assert pp.delete(unrent_numbers=True)["response"] == "success"
    rented = {n["number"] for n in sandbox.snapshot()["numbers"]}
    assert not rented & {"16045550104", "14165550107"}
    with pytest.raises(sdk_errors.ResourceNotFoundError):
        sdk.powerpacks.get(pp.uuid)


def test_delete_without_unrent_keeps_numbers(sdk, sandbox: Sandbox) -> None:
    assert by_name(sdk, "legacy-promo").delete()["response"] == "success"
    assert "13125550110" in {n["number"] for n in sandbox.snapshot()["numbers"]}


def test_pool_numbers_list_find_add_rent_remove(sdk, sandbox: Sandbox) -> None:
    pp = by_name(sdk, "marketing-us")
    assert pp.count_numbers() == 3
    assert pp.list_numbers(type="tollfree")["objects"][0]["number"] == "18885550105"
    assert pp.find_number("14155550102")["service"] == "mms"
    added = pp.add_number("13125550108", service="mms")
    assert (added["number"], added["service"], added["type"]) == ("13125550108", "mms", "fixed")
    bought = pp.buy_add_number(number="14155559999")
    assert bought["number"] == "14155559999"
    assert "14155559999" in {n["number"] for n in sandbox.snapshot()["numbers"]}
    assert pp.remove_number("14155559999", unrent=True)["response"] == "success"
    assert "14155559999" not in {n["number"] for n in sandbox.snapshot()["numbers"]}
    assert pp.count_numbers() == 4


def test_pool_tollfree_and_shortcodes(sdk, sandbox: Sandbox) -> None:
    pp = by_name(sdk, "marketing-us")
    assert [o["number"] for o in pp.list_tollfree()["objects"]] == ["18885550105"]
    assert pp.add_tollfree("18775550109")["type"] == "tollfree"
    assert pp.find_tollfree("18775550109")["number"] == "18775550109"
    assert pp.remove_tollfree("18775550109")["response"] == "success"
    assert "18775550109" in {n["number"] for n in sandbox.snapshot()["numbers"]}
    assert pp.list_shortcodes()["objects"][0]["shortcode"] == "444111"
    assert pp.find_shortcode("444111")["country_iso2"] == "US"
    assert pp.remove_shortcode("444111")["response"] == "success"
    assert pp.list_shortcodes()["meta"]["total_count"] == 0


def test_numberpool_subresources_from_get(sdk) -> None:
    """Powerpacks.get attaches a NumberPool whose numbers/tollfree/shortcodes all work."""
    pp = by_name(sdk, "alerts-old")
    pool = pp.numberpool
    assert pool.numbers.list()["meta"]["total_count"] == 2
    assert pool.numbers.find("16465550103")["type"] == "mobile"
    assert pool.tollfree.list()["objects"][0]["number"] == "18005550106"
    assert pool.shortcodes.find("444222")["shortcode"] == "444222"


def test_applications_list_filter_and_get(sdk) -> None:
    page = sdk.applications.list(app_name="Marketing replies")
    assert [a.app_id for a in page] == [MARKETING_APP]
    app = sdk.applications.get(MARKETING_APP)
    assert app.app_name == "Marketing replies"
    assert app.sip_uri == f"sip:{MARKETING_APP}@app.plivo.com"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.powerpacks.get("00000000-0000-4000-8000-00000000000f"),
         "ResourceNotFoundError"),
        (lambda c: c.powerpacks.create(name="support"), "ValidationError"),
        (lambda c: c.powerpacks.create(name="x", application_id=MARKETING_APP), "ValidationError"),
        (lambda c: c.powerpacks.create(name="x", application_type="xml", application_id="123"),
         "ValidationError"),
        (lambda c: c.powerpacks.create(name="x", number_priority=[{"country_iso": "GB"}]),
         "ValidationError"),
        (lambda c: c.request("GET", ("Powerpack",), {"limit": 21}), "ValidationError"),
        (lambda c: c.request("GET", ("Powerpack",), {"limit": 0}), "ValidationError"),
        (lambda c: c.request("GET", ("Powerpack",), {"offset": -1}), "ValidationError"),
        (lambda c: c.request("PUT", ("Powerpack",), {}), "InvalidRequestError"),
        (lambda c: c.applications.get("99999999999999999"), "ResourceNotFoundError"),
    ],
)  # fmt: skip
def test_errors_map_to_sdk_exceptions(sdk, call, error: str) -> None:
    with pytest.raises(getattr(sdk_errors, error)):
        call(sdk)


def test_sdk_refuses_limit_over_20_before_sending(sdk, sandbox: Sandbox) -> None:
    with pytest.raises(sdk_errors.ValidationError):
        sdk.powerpacks.list(limit=21)
    assert sandbox.journal() == []


def test_bad_credentials_raise_authentication_error(sandbox: Sandbox, sdk) -> None:
    denied = sdk_errors.AuthenticationError
    with plivo.RestClient(sandbox.auth_id, "wrong-token") as bad, pytest.raises(denied):
        bad.powerpacks.list()
    # the right token with another account's auth_id (in the path and as the user)
    other_id = "MAOTHER0000000000000"
    with plivo.RestClient(other_id, sandbox.auth_token) as other, pytest.raises(denied):
        other.powerpacks.list()


# --- number pools through Powerpacks.get(uuid).numberpool, and the account's numbers ----------


def pool_of(sdk: plivo.RestClient, name: str) -> Any:
    """The SDK's NumberPool of a demo Powerpack (numbers, tollfree, shortcodes)."""
    return by_name(sdk, name).numberpool


def test_account_numbers_list_and_get(sdk) -> None:
    page = sdk.numbers.list()
    assert page["meta"]["total_count"] == 10 and len(page) == 10
    assert {n.number for n in sdk.numbers.list(type="tollfree")} == {
        "18885550105", "18005550106", "18775550109"}  # fmt: skip
    assert [n.number for n in sdk.numbers.list(number_startswith="1604")] == ["16045550104"]
    assert len(sdk.numbers.list(services=["sms", "mms"], limit=3, offset=9)) == 1
    one = sdk.numbers.get("16465550103")
    assert (one.number, one.type, one.number_type, one.country) == (
        "16465550103", "mobile", "mobile", "United States")  # fmt: skip
    with pytest.raises(sdk_errors.ResourceNotFoundError, match="not found"):
        sdk.numbers.get("14150000000")


def test_numberpool_numbers_add_find_list_remove(sdk, sandbox: Sandbox) -> None:
    pool = pool_of(sdk, "marketing-us")
    added = pool.numbers.add("13125550108", service="mms")
    assert (added["number"], added["service"], added["type"]) == ("13125550108", "mms", "fixed")
    assert pool.numbers.find("13125550108", service="mms")["country_iso2"] == "US"
    with pytest.raises(sdk_errors.ResourceNotFoundError):
        pool.numbers.find("13125550108", service="sms")
    everything = [o["number"] for o in pool.numbers.list()["objects"]]
    assert everything == ["14155550101", "14155550102", "18885550105", "13125550108"]  # Q19
    assert [o["number"] for o in pool.numbers.list(type="tollfree")["objects"]] == ["18885550105"]
    assert pool.numbers.count(service="mms") == 2
    assert pool.numbers.remove("13125550108")["response"] == "success"
    assert "13125550108" in {n.number for n in sdk.numbers.list(number_startswith="1312")}


def test_numberpool_refuses_a_number_another_pool_holds(sdk) -> None:
    holder = by_name(sdk, "legacy-promo").number_pool.split("/")[5]
    pool = pool_of(sdk, "marketing-us")
    with pytest.raises(sdk_errors.ValidationError, match=f"{holder}.*'legacy-promo'"):
        pool.numbers.add("13125550110")
    with pytest.raises(sdk_errors.ValidationError, match="already in this number pool"):
        pool.numbers.add("14155550101")
    with pytest.raises(sdk_errors.ValidationError, match="Tollfree"):
        pool.numbers.add("18775550109")
    with pytest.raises(sdk_errors.ValidationError, match="not rented"):
        pool.numbers.add("14150000000")


def test_numberpool_buy_add_then_remove_with_unrent(sdk, sandbox: Sandbox) -> None:
    pool = pool_of(sdk, "support")
    assert pool.numbers.buy_add_number(number="14165559999", service="mms")["service"] == "mms"
    assert sdk.numbers.get("14165559999").number == "14165559999"
    assert pool.numbers.remove("14165559999", unrent=True)["response"] == "success"
    with pytest.raises(sdk_errors.ResourceNotFoundError):
        sdk.numbers.get("14165559999")


def test_numberpool_tollfree_add_find_list_remove(sdk) -> None:
    pool = pool_of(sdk, "alerts-old")
    assert pool.tollfree.add("18775550109")["type"] == "tollfree"
    assert [o["number"] for o in pool.tollfree.list()["objects"]] == ["18005550106", "18775550109"]
    assert pool.tollfree.find("18775550109")["number"] == "18775550109"
    with pytest.raises(sdk_errors.ValidationError, match="not a toll-free number"):
        pool.tollfree.add("13125550108")
    assert pool.tollfree.remove("18775550109")["response"] == "success"
    assert sdk.numbers.get("18775550109").type == "tollfree"  # removed, still rented
    with pytest.raises(sdk_errors.ResourceNotFoundError):
        pool.tollfree.find("16465550103")  # a member, but not toll-free


def test_numberpool_shortcodes_list_find_remove(sdk) -> None:
    pool = pool_of(sdk, "alerts-old")
    assert [o["shortcode"] for o in pool.shortcodes.list()["objects"]] == ["444222"]
    assert pool.shortcodes.find("444222")["country_iso2"] == "US"
    assert pool.shortcodes.remove("444222")["response"] == "success"
    assert pool.shortcodes.list()["meta"]["total_count"] == 0
    with pytest.raises(sdk_errors.ResourceNotFoundError):
        pool.shortcodes.find("444222")
