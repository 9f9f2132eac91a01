"""fetch: exactly the minimal calls (counted in the sandbox journal), and strict parsing."""

from __future__ import annotations

import re
from typing import Any

import pytest
import responses

from reconciler.core.codec import parse_application, parse_powerpack
from reconciler.core.models import AppLink, DesiredPowerpack, Manifest
from reconciler.errors import ApiError
from reconciler.ops.fetch import fetch_everything, fetch_live
from tests.support.client import BASE, calls, make_client, page, powerpack, sandbox_client

US_SMS = {"US.SMS": ("longcode", "tollfree", "shortcode")}
APPS = [
    {"app_id": "1001", "app_name": "Replies"},
    {"app_id": "1002", "app_name": "Replies v2"},
    {"app_id": "1003", "app_name": "IVR"},
]


def manifest(**pps: dict[str, Any]) -> Manifest:
    return Manifest(
        path="powerpacks.yaml",
        sha256="0" * 64,
        powerpacks={name: DesiredPowerpack(name=name, **body) for name, body in pps.items()},
    )


def account(n: int) -> list[dict[str, Any]]:
    return [{"name": f"pp-{i:02d}"} for i in range(n)]


def uuid_of(sb, name: str) -> str:
    return next(p["uuid"] for p in sb.snapshot()["powerpacks"] if p["name"] == name)


def test_only_pages_and_the_managed_matrices_are_read(sandbox):
    sb = sandbox(account(45))
    m = manifest(
        **{"pp-03": {"number_priority": US_SMS}, "pp-new": {"renamed_from": "pp-07"}},
        **{"pp-new2": {"renamed_from": "pp-09", "number_priority": US_SMS}},
        **{"pp-10": {"local_connect": False}, "absent": {"number_priority": US_SMS}},
    )
    with sandbox_client(sb) as c:
        live = fetch_live(c, m)
    got = calls(sb)
    assert sorted(got) == sorted(
        [("GET", "Powerpack/")] * 3
        + [
            ("GET", f"Powerpack/{uuid_of(sb, 'pp-03')}/"),
            ("GET", f"Powerpack/{uuid_of(sb, 'pp-09')}/"),
        ]
    )
    assert [e["query"] for e in sb.journal()[:1]] == [{"limit": "20", "offset": "0"}]
    by_name = {lp.name: lp for lp in live.powerpacks}
    assert len(by_name) == 45 and live.applications is None
    assert by_name["pp-03"].number_priority and by_name["pp-09"].number_priority
    assert by_name["pp-10"].number_priority is None


def test_a_list_that_carries_the_matrix_needs_no_single_reads(sandbox):
    sb = sandbox(account(25), list_includes_priority=True)
    with sandbox_client(sb) as c:
        live = fetch_live(c, manifest(**{"pp-01": {"number_priority": US_SMS}}))
    assert calls(sb) == [("GET", "Powerpack/")] * 2
    assert all(lp.number_priority for lp in live.powerpacks)


def test_targets_limit_the_single_reads(sandbox):
    sb = sandbox(account(3))
    m = manifest(**{n: {"number_priority": US_SMS} for n in ("pp-00", "pp-01", "pp-02")})
    with sandbox_client(sb) as c:
        fetch_live(c, m, targets=("pp-01",))
    assert calls(sb) == [("GET", "Powerpack/"), ("GET", f"Powerpack/{uuid_of(sb, 'pp-01')}/")]


def test_an_application_named_by_name_costs_one_filtered_list(sandbox):
    sb = sandbox(account(2), APPS)
    m = manifest(**{"pp-00": {"application": AppLink(kind="xml", name="Replies")}})
    with sandbox_client(sb) as c:
        live = fetch_live(c, m)
    assert calls(sb) == [("GET", "Powerpack/"), ("GET", "Application/")]
    assert sb.journal()[1]["query"] == {"app_name": "Replies", "limit": "20", "offset": "0"}
    assert [a.app_id for a in live.applications or ()] == ["1001"]


def test_applications_by_id_need_no_application_list(sandbox):
    sb = sandbox(account(2), APPS)
    m = manifest(**{"pp-00": {"application": AppLink(kind="xml", id="1003")}})
    with sandbox_client(sb) as c:
        assert fetch_live(c, m).applications is None
    assert calls(sb) == [("GET", "Powerpack/")]


def test_several_names_in_a_small_account_read_the_full_list_once(sandbox):
    sb = sandbox(account(3), APPS)
    m = manifest(
        **{
            f"pp-0{i}": {"application": AppLink(kind="xml", name=n)}
            for i, n in enumerate(["Replies", "IVR", "Replies v2"])
        }
    )
    with sandbox_client(sb) as c:
        live = fetch_live(c, m)
    assert calls(sb) == [("GET", "Powerpack/"), ("GET", "Application/")]
    assert sorted(a.app_id for a in live.applications or ()) == ["1001", "1002", "1003"]


def test_several_names_in_a_large_account_use_the_filter(sandbox):
    apps = APPS + [{"app_id": str(2000 + i), "app_name": f"other {i}"} for i in range(60)]
    sb = sandbox(account(1), apps)
    m = manifest(
        **{"pp-00": {"application": AppLink(kind="xml", name="Replies")}},
        **{"pp-01": {"application": AppLink(kind="xml", name="IVR")}},
    )
    with sandbox_client(sb) as c:
        live = fetch_live(c, m)
    assert calls(sb) == [("GET", "Powerpack/")] + [("GET", "Application/")] * 3
    assert sorted(a.app_id for a in live.applications or ()) == ["1001", "1003"]


def test_fetch_everything_reads_every_matrix_and_every_application(sandbox):
    sb = sandbox(account(21), APPS)
    with sandbox_client(sb) as c:
        live = fetch_everything(c)
    got = calls(sb)
    assert got.count(("GET", "Powerpack/")) == 2 and got.count(("GET", "Application/")) == 1
    assert len(got) == 2 + 21 + 1 + 2 * 21  # + each pool's Number/ and Shortcode/ lists
    assert all(lp.number_priority and len(lp.number_priority) == 4 for lp in live.powerpacks)
    assert len(live.applications or ()) == 3


def test_parse_normalizes_application_and_matrix():
    obj = powerpack(1, matrix=True, application_type="XML", application_id="33660394121755210")
    obj["number_priority"][0]["priority"] = {
        "priority1": "LONGCODE",
        "priority2": "tollfree",
        "priority3": "shortcode",
    }
    lp = parse_powerpack(obj)
    assert (lp.application_type, lp.application_id) == ("xml", "33660394121755210")
    assert lp.number_priority == {
        "US.SMS": ("longcode", "tollfree", "shortcode"),
        "US.MMS": ("shortcode", "tollfree", "longcode"),
        "CA.SMS": ("shortcode", "tollfree", "longcode"),
        "CA.MMS": ("shortcode", "tollfree", "longcode"),
    }
    unlinked = parse_powerpack(powerpack(2, application_type="XML", application_id=""))
    assert (unlinked.application_type, unlinked.application_id, unlinked.number_priority) == (
        "",
        "",
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uuid": None}, "'uuid' is not a str (got NoneType)"),
        ({"name": ""}, "'name' is not a non-empty string"),
        ({"sticky_sender": "true"}, "'sticky_sender' is not a bool (got str)"),
        ({"local_connect": 1}, "'local_connect' is not a bool"),
        ({"application_id": 123}, "'application_id' is not a string"),
        ({"number_priority": {"US": 1}}, "'number_priority' is not a list"),
        ({"number_priority": [{"country_iso": "US"}]}, "'number_priority'"),
        (
            {
                "number_priority": [
                    {
                        "country_iso": "US",
                        "service_type": "SMS",
                        "priority": {
                            "priority1": "shortcode",
                            "priority2": None,
                            "priority3": "longcode",
                        },
                    }
                ]
            },
            "'number_priority'",
        ),
    ],
)
def test_parse_is_strict_and_names_the_field(change, field):
    obj = powerpack(3, matrix=True)
    obj.update(change)
    with pytest.raises(ApiError, match=re.escape(field)):
        parse_powerpack(obj)


def test_missing_fields_and_repeated_cells_are_refused():
    obj = powerpack(4)
    del obj["local_connect"]
    with pytest.raises(ApiError, match="'local_connect' is not a bool \\(missing\\)"):
        parse_powerpack(obj)
    obj = powerpack(5, matrix=True)
    obj["number_priority"].append(obj["number_priority"][0])
    with pytest.raises(ApiError, match=r"US\.SMS once"):
        parse_powerpack(obj)
    with pytest.raises(ApiError, match="'app_name'"):
        parse_application({"app_id": "1"})


def test_a_malformed_object_in_a_list_names_the_call():
    bad = powerpack(1, sticky_sender="yes")
    with responses.RequestsMock() as api, make_client() as c:
        api.get(f"{BASE}/Powerpack/", json=page([powerpack(0), bad], 2))
        with pytest.raises(ApiError) as e:
            fetch_live(c, manifest())
    assert str(e.value) == (
        "GET /v1/Account/MA**************EFGH/Powerpack/: the API answered a Powerpack "
        "00000000-0000-4000-8000-000000000001 whose 'sticky_sender' is not a bool (got str)"
    )


def test_a_run_under_300_calls_is_never_slowed_by_the_default_cap(sandbox):
    sb = sandbox(account(280))  # the sandbox enforces 300 per 5 s, like the API
    m = manifest(**{f"pp-{i:02d}": {"number_priority": US_SMS} for i in range(280)})
    with sandbox_client(sb, rate_limit=(300, 5.0)) as c:
        fetch_live(c, m)
        assert c.limiter is not None and c.limiter.waited == 0
    assert len(sb.journal()) == 14 + 280
    assert {e["status"] for e in sb.journal()} == {200}


def test_a_single_read_without_a_matrix_counts_as_an_empty_matrix():
    old = powerpack(1)  # a 2019 Powerpack: its GET carries no number_priority
    with responses.RequestsMock() as api, make_client() as c:
        api.get(f"{BASE}/Powerpack/", json=page([old], 1))
        api.get(f"{BASE}/Powerpack/{old['uuid']}/", json=old)
        live = fetch_live(c, manifest(**{"pp-0001": {"number_priority": US_SMS}}))
    assert live.powerpacks[0].number_priority == {}


def test_a_single_read_answering_another_powerpack_is_refused():
    one, other = powerpack(1), powerpack(2, matrix=True)
    with responses.RequestsMock() as api, make_client() as c:
        api.get(f"{BASE}/Powerpack/", json=page([one], 1))
        api.get(f"{BASE}/Powerpack/{one['uuid']}/", json=other)
        with pytest.raises(ApiError, match=rf"^GET /v1/Account/MA\*+EFGH/Powerpack/{one['uuid']}/"):
            fetch_live(c, manifest(**{"pp-0001": {"number_priority": US_SMS}}))
