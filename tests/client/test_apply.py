"""apply against the sandbox over HTTP: exact requests, order, partial failure, no duplicates."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from reconciler.core.models import AppLink, DesiredPowerpack, Manifest, Plan
from reconciler.core.planner import plan
from reconciler.ops.apply import apply_plan
from reconciler.ops.fetch import fetch_live
from reconciler.secrets import account_sha256, mask_account
from tests.support.client import sandbox_client, writes

US_SMS = {"US.SMS": ("longcode", "tollfree", "shortcode")}
APPS = [{"app_id": "1001", "app_name": "Replies"}]


def manifest(prune: bool = False, **pps: dict[str, Any]) -> Manifest:
    return Manifest(
        path="powerpacks.yaml",
        sha256="0" * 64,
        prune=prune,
        powerpacks={name: DesiredPowerpack(name=name, **body) for name, body in pps.items()},
    )


def account(n: int) -> list[dict[str, Any]]:
    return [{"name": f"pp-{i:02d}"} for i in range(n)]


MIXED = {
    "pp-00": {},
    "renamed": {"renamed_from": "pp-01", "sticky_sender": False},
    "pp-02": {"local_connect": False, "number_priority": US_SMS},
    "pp-03": {"application": AppLink(kind="xml", name="Replies")},
    "new-a": {"local_connect": False},
    "new-b": {"application": AppLink(kind="xml", id="1001"), "number_priority": US_SMS},
}


def planned(client, sb, m: Manifest) -> Plan:
    p = plan(m, fetch_live(client, m))
    return p.model_copy(
        update={"account": mask_account(sb.auth_id), "account_sha256": account_sha256(sb.auth_id)}
    )


def expected_writes(sb, p: Plan) -> list[tuple[str, str, Any]]:
    prefix = "/v1/Account/{auth_id}/"
    return [(r.method, r.path.removeprefix(prefix), r.body) for c in p.changes for r in c.requests]


def names(sb) -> Counter[str]:
    return Counter(p["name"] for p in sb.snapshot()["powerpacks"])


def test_apply_sends_exactly_the_plan_in_order_and_converges(sandbox):
    sb = sandbox(account(6), APPS)
    m = manifest(prune=True, **MIXED)
    with sandbox_client(sb) as c:
        p = planned(c, sb, m)
        assert [ch.action for ch in p.changes] == ["update"] * 3 + ["create"] * 2 + ["delete"] * 2
        sb.clear_journal()
        events: list[tuple[str, str]] = []
        result = apply_plan(c, p, on_event=lambda ch, st, _d: events.append((ch.name, st)))
        got = writes(sb)
        assert plan(m, fetch_live(c, m)).empty
    want = expected_writes(sb, p)
    assert [w[0] for w in got] == [w[0] for w in want]
    assert got[0] == want[0]  # the rename, alone, first
    for kind in (slice(1, 3), slice(3, 5), slice(5, 7)):  # updates, creates, deletes: any order
        assert sorted(map(repr, got[kind])) == sorted(map(repr, want[kind]))
    assert all(w[2] == {"unrent_numbers": False} for w in got[5:])
    assert result.ok and not result.problems and result.applied == list(p.changes)
    assert sorted(events) == sorted(
        [(ch.name, s) for ch in p.changes for s in ("start", "applied")]
    )
    assert names(sb) == Counter(list(MIXED))


def test_an_empty_plan_sends_nothing(sandbox):
    sb = sandbox(account(3))
    with sandbox_client(sb) as c:
        result = apply_plan(c, Plan())
    assert result.ok and not result.applied and sb.journal() == []


def test_a_failure_stops_later_kinds_and_reports_all_three_lists(sandbox):
    sb = sandbox(account(6), APPS)
    with sandbox_client(sb) as c:
        p = planned(c, sb, manifest(prune=True, **MIXED))
        bad = p.changes[1]  # an update: make its body invalid, so the API answers 400
        req = bad.requests[0].model_copy(update={"body": {"sticky_sender": "yes"}})
        changes = list(p.changes)
        changes[1] = bad.model_copy(update={"requests": (req,)})
        sb.clear_journal()
        result = apply_plan(c, p.model_copy(update={"changes": tuple(changes)}), parallelism=1)
    assert [ch.name for ch in result.applied] == ["renamed"]
    assert [(ch.name, "(400)" in why) for ch, why in result.failed] == [("pp-02", True)]
    assert [ch.name for ch in result.not_attempted] == ["pp-03", "new-a", "new-b", "pp-04", "pp-05"]
    assert not result.ok
    assert len(writes(sb)) == 2  # the rename and the failed update: nothing after


def test_a_create_whose_answer_is_lost_is_found_not_repeated(sandbox):
    sb = sandbox(account(2))
    m = manifest(**{"new-a": {"local_connect": False, "number_priority": US_SMS}})
    with sandbox_client(sb) as c:
        p = planned(c, sb, m)
        sb.set_faults(["drop-after:every=1,method=POST"])
        sb.clear_journal()
        result = apply_plan(c, p)
    assert result.ok and not result.problems
    assert [w[0] for w in writes(sb)] == ["POST"]
    assert names(sb)["new-a"] == 1


def test_a_create_that_may_have_landed_is_never_sent_twice_in_a_run(sandbox):
    """An ambiguous create the lookup doesn't find stops the run: it may still land (a list
    lagging behind writes made a duplicate when it was sent again); the next run sees."""
    sb = sandbox(account(2))
    with sandbox_client(sb, max_retries=2) as c:
        p = planned(c, sb, manifest(**{"new-a": {}}))
        sb.set_faults(["drop:every=1,method=POST"])
        sb.clear_journal()
        result = apply_plan(c, p)
    got = [(e["method"], e["path"].rsplit("/", 2)[-2]) for e in sb.journal()]
    assert got == [("POST", "Powerpack"), ("GET", "Powerpack")]
    reason = next(why for _c, why in result.failed)
    assert "connection dropped" in reason and "may have been created" in reason
    assert "not sent again" in reason
    assert names(sb)["new-a"] == 0


FAULTS = [
    "429:0.3",
    "429-retry-after:0.3,retry_after=0.01",
    "500:0.3",
    "503:0.3",
    "drop:0.3",
    "drop-after:0.3",
    "timeout:0.2,delay=0.4",
]


SEEDS = [1, 2, *(pytest.param(s, marks=pytest.mark.slow) for s in range(3, 40))]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("seed", SEEDS)
def test_one_apply_converges_under_faults_without_duplicates(sandbox, fault, seed):
    sb = sandbox(account(30), APPS, seed=seed, faults=[fault])
    m = manifest(
        prune=True,
        **{f"pp-{i:02d}": {"local_connect": False} for i in range(0, 12)},
        **{f"pp-{i:02d}": {"number_priority": US_SMS} for i in range(12, 20)},
        **{f"new-{i}": {"sticky_sender": False} for i in range(6)},
        **{"moved": {"renamed_from": "pp-20"}},
    )
    with sandbox_client(sb, timeout=0.2, max_retries=10) as c:
        for _run in range(10):  # an ambiguous create stops a run; the next one sees it
            result = apply_plan(c, planned(c, sb, m))
            if result.ok:
                break
            assert all("may have been created" in why for _c, why in result.failed), result.failed
        assert result.ok, (result.failed, result.problems)
        sb.set_faults([])
        assert plan(m, fetch_live(c, m)).empty
    assert names(sb) == Counter(list(m.powerpacks))
    assert any("fault" in e for e in sb.journal())  # faults really fired


def test_the_client_rate_cap_keeps_the_sandbox_from_answering_429(sandbox):
    sb = sandbox(account(25), rate_limit=[12, 0.5])
    m = manifest(**{f"pp-{i:02d}": {"number_priority": US_SMS} for i in range(25)})
    with sandbox_client(sb, rate_limit=(12, 0.5)) as c:
        fetch_live(c, m)
        assert c.limiter is not None and c.limiter.waited > 0
    statuses = Counter(e["status"] for e in sb.journal())
    assert statuses == {200: 27}


def test_without_the_cap_the_sandbox_limit_is_met_with_retries(sandbox):
    sb = sandbox(account(25), rate_limit=[12, 0.5])
    m = manifest(**{f"pp-{i:02d}": {"number_priority": US_SMS} for i in range(25)})
    with sandbox_client(sb, backoff=(0.05, 0.3), max_retries=20) as c:
        live = fetch_live(c, m)
    assert all(lp.number_priority for lp in live.powerpacks)
    assert Counter(e["status"] for e in sb.journal())[429] > 0


@pytest.mark.parametrize("mode", ["merge", "replace"])
def test_a_matrix_update_converges_whether_the_api_merges_or_replaces(sandbox, mode):
    sb = sandbox(account(3), priority_update=mode)
    m = manifest(**{"pp-01": {"number_priority": US_SMS}})
    with sandbox_client(sb) as c:
        result = apply_plan(c, planned(c, sb, m))
        assert result.ok and not result.problems
        assert plan(m, fetch_live(c, m)).empty
    (method, _path, body), *_ = writes(sb)
    assert method == "POST" and len(body["number_priority"]) == 4


def test_two_applies_at_once_both_converge_with_no_duplicates(sandbox):
    sb = sandbox(account(8), APPS, latency_ms=5)
    m = manifest(prune=True, **MIXED)
    with sandbox_client(sb) as c1, sandbox_client(sb) as c2:
        p1, p2 = planned(c1, sb, m), planned(c2, sb, m)
        with ThreadPoolExecutor(2) as pool:
            r1, r2 = pool.map(lambda cp: apply_plan(*cp), [(c1, p1), (c2, p2)])
        assert plan(m, fetch_live(c1, m)).empty
    assert names(sb) == Counter(list(MIXED))
    assert r1.ok and r2.ok  # a create the other run made first, as intended, is a success


def test_a_create_whose_name_is_taken_by_something_else_fails_clearly(sandbox):
    sb = sandbox(account(2))
    m = manifest(**{"new-a": {"local_connect": False}})
    with sandbox_client(sb) as c:
        p = planned(c, sb, m)
        c.request("POST", "Powerpack/", body={"name": "new-a", "local_connect": True})
        result = apply_plan(c, p)
    [(change, why)] = result.failed
    assert change.name == "new-a" and "(400)" in why
    assert names(sb)["new-a"] == 1
