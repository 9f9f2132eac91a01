"""check_saved_plan against the sandbox, and apply's verification of what the API answered."""

from __future__ import annotations

import pytest
import responses

from reconciler.errors import StalePlanError
from reconciler.ops.apply import apply_plan
from reconciler.ops.saved import check_saved_plan
from tests.support.client import AUTH_ID, BASE, calls, make_client, powerpack, sandbox_client

from .test_apply import APPS, US_SMS, account, manifest, planned

SAVED = manifest(
    prune=True,
    **{
        "pp-00": {"local_connect": False},
        "renamed": {"renamed_from": "pp-01"},
        "pp-02": {"number_priority": US_SMS},
        "new-a": {"local_connect": False},
    },
)


def cell(country: str, service: str, *order: str) -> dict:
    priority = {f"priority{i}": sender for i, sender in enumerate(order, 1)}
    return {"country_iso": country, "service_type": service, "priority": priority}


def uuid_of(sb, name: str) -> str:
    return next(p["uuid"] for p in sb.snapshot()["powerpacks"] if p["name"] == name)


def test_a_fresh_plan_passes_with_one_read_per_touched_powerpack(sandbox):
    sb = sandbox(account(4), APPS)
    with sandbox_client(sb) as c:
        p = planned(c, sb, SAVED)
        sb.clear_journal()
        check_saved_plan(c, p, sb.auth_id)
    touched = sorted(("GET", f"Powerpack/{ch.uuid}/") for ch in p.changes if ch.uuid)
    assert len(touched) == 4  # 2 updates, the rename and the delete of pp-03
    assert sorted(calls(sb)) == sorted([*touched, ("GET", "Powerpack/")])  # + the list, for names


def test_another_accounts_plan_is_refused_before_any_call(sandbox):
    sb = sandbox(account(2))
    with sandbox_client(sb) as c:
        p = planned(c, sb, SAVED)
        sb.clear_journal()
        with pytest.raises(StalePlanError, match=r"made for account MA\*+\w{4}, not MA\*+EFGH"):
            check_saved_plan(c, p, AUTH_ID)
        with pytest.raises(StalePlanError, match=r"made for account \(unknown\)"):
            unknown = p.model_copy(update={"account": "", "account_sha256": ""})
            check_saved_plan(c, unknown, sb.auth_id)
    assert sb.journal() == []


def test_a_stale_plan_names_each_change_and_what_moved(sandbox):
    sb = sandbox(account(4), APPS)
    with sandbox_client(sb) as c:
        p = planned(c, sb, SAVED)
        c.request("POST", f"Powerpack/{uuid_of(sb, 'pp-00')}/", body={"sticky_sender": False})
        ca_mms = cell("CA", "MMS", "tollfree", "longcode", "shortcode")
        c.request("POST", f"Powerpack/{uuid_of(sb, 'pp-02')}/", body={"number_priority": [ca_mms]})
        c.request("DELETE", f"Powerpack/{uuid_of(sb, 'pp-03')}/", body={"unrent_numbers": False})
        c.request("POST", "Powerpack/", body={"name": "new-a"})
        sb.clear_journal()
        with pytest.raises(StalePlanError) as e:
            check_saved_plan(c, p, sb.auth_id)
    text = str(e.value)
    assert "stale (3 change(s))" in text
    assert "update pp-00: changed since the plan: sticky_sender: true -> false" in text
    assert (
        'update pp-02: changed since the plan: number_priority.CA.MMS: ["shortcode", "longcode", '
        '"tollfree"] -> ["tollfree", "longcode", "shortcode"]'
    ) in text
    assert "delete pp-03" not in text  # gone already: the delete is applied, not stale
    assert "create new-a: a Powerpack with that name now exists" in text
    assert "renamed" not in text
    assert all(e["method"] == "GET" for e in sb.journal())


def test_a_rename_onto_a_name_taken_since_is_stale(sandbox):
    sb = sandbox(account(2))
    m = manifest(**{"renamed": {"renamed_from": "pp-01"}})
    with sandbox_client(sb) as c:
        p = planned(c, sb, m)
        c.request("POST", f"Powerpack/{uuid_of(sb, 'pp-00')}/", body={"name": "renamed"})
        with pytest.raises(StalePlanError, match="update renamed: a Powerpack with that name now"):
            check_saved_plan(c, p, sb.auth_id)


# --- verification of the answers (the transport, strictly) -------------------------------------


def one_update(sb_free_uuid: str, body: dict):
    from reconciler.core.models import ApiRequest, Change, FieldChange, Plan

    path = f"/v1/Account/{{auth_id}}/Powerpack/{sb_free_uuid}/"
    req = ApiRequest(method="POST", path=path, body=body)
    field = FieldChange(field="local_connect", before=True, after=False)
    change = Change(
        action="update", name="pp-0001", uuid=sb_free_uuid, requests=(req,), fields=(field,)
    )
    return Plan(changes=(change,))


def test_an_answer_that_does_not_show_the_change_is_a_problem():
    pp = powerpack(1)
    with responses.RequestsMock() as api, make_client() as c:
        api.post(f"{BASE}/Powerpack/{pp['uuid']}/", json=pp)  # still local_connect: true
        result = apply_plan(c, one_update(pp["uuid"], {"local_connect": False}))
    assert result.applied and result.problems and not result.ok
    assert result.problems == [
        "update pp-0001: after the write, local_connect is true, expected false"
    ]


def test_an_answer_without_the_object_is_read_back_once():
    pp = powerpack(1, local_connect=False, application_type="XML", application_id="7")
    body = {"local_connect": False, "application_type": "xml", "application_id": "7"}
    with responses.RequestsMock() as api, make_client() as c:
        api.post(f"{BASE}/Powerpack/{pp['uuid']}/", json={"message": "changed"})
        api.get(f"{BASE}/Powerpack/{pp['uuid']}/", json=pp)
        result = apply_plan(c, one_update(pp["uuid"], body))
    assert result.ok and not result.problems


def test_a_matrix_the_answer_does_not_show_is_a_problem():
    pp = powerpack(1, matrix=True)
    us_sms = cell("US", "SMS", "longcode", "tollfree", "shortcode")
    with responses.RequestsMock() as api, make_client() as c:
        api.post(f"{BASE}/Powerpack/{pp['uuid']}/", json=pp)
        result = apply_plan(c, one_update(pp["uuid"], {"number_priority": [us_sms]}))
    assert result.problems == [
        "update pp-0001: after the write, number_priority.US.SMS is "
        '["shortcode", "tollfree", "longcode"], expected ["longcode", "tollfree", "shortcode"]'
    ]
