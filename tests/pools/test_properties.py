"""The pool promises as properties over real HTTP: for any manifest with members and any live
account (pools holding arbitrary members, spare rented numbers, numbers in other pools, pools of
Powerpacks the file doesn't name or prunes), apply then plan is empty, the writes equal the
requests planned (in their steps), no number leaves the account's rented numbers, and no member
of an unmanaged kind changes unless a move names it. A manifest that declares what can't be
(a number the account doesn't rent, a short code its pool lacks, a member of the wrong kind) is a
plan error naming each such member, and nothing is written.

Each example seeds a fresh sandbox, loads the manifest through the real YAML loader, and runs the
real fetch, plan and apply over loopback (the guards are the CLI's: here everything is allowed).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.api.client import PlivoClient
from reconciler.core.models import canonical_json
from reconciler.core.planner import plan
from reconciler.core.vocab import KINDS
from reconciler.errors import PlanError
from reconciler.manifest import parse_manifest
from reconciler.ops.apply import apply_plan
from reconciler.ops.fetch import fetch_live
from reconciler.ops.saved import check_saved_plan
from reconciler.planfile import plan_from_json
from reconciler.render import render_json, render_markdown, render_text
from reconciler.sandbox import Sandbox, build_state, write_state
from reconciler.secrets import account_sha256

LIVE_NAMES = ("a", "b", "c", "d")
NEW_NAMES = ("n1", "n2")
LONG = [(f"1415555{i:04d}", "US", "fixed") for i in range(4)] + [
    (f"1604555{i:04d}", "CA", "mobile") for i in range(2)
]
TOLL = [(f"1888555{i:04d}", "US", "tollfree") for i in range(3)]
SHORT = [("444111", "US"), ("444222", "US"), ("555111", "CA"), ("555222", "CA")]
NEVER_RENTED = ["14155559990", "18005559991"]
STEPS = ["powerpack", "add", "move", "service", "remove", "delete"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
LONG_RUN = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def accounts(draw: Any) -> dict[str, Any]:
    """Live Powerpacks with pools, and the account's rented numbers (some in no pool)."""
    names = draw(st.lists(st.sampled_from(LIVE_NAMES), unique=True, min_size=1, max_size=4))
    pools: dict[str, dict[str, list[Any]]] = {n: {"numbers": [], "shortcodes": []} for n in names}
    rented = []
    for number, country, kind in LONG + TOLL:
        where = draw(st.sampled_from([None, "spare", *names]))
        if where is None:
            continue  # the account doesn't rent it
        rented.append({"number": number, "country_iso2": country, "type": kind})
        if where != "spare":
            service = draw(st.sampled_from(["sms", "mms"])) if kind != "tollfree" else "sms"
            pools[where]["numbers"].append({"number": number, "service": service})
    for shortcode, country in SHORT:
        free = [
            n for n in names if all(c["country_iso2"] != country for c in pools[n]["shortcodes"])
        ]
        where = draw(st.sampled_from([None, *free]))
        if where is not None:
            pools[where]["shortcodes"].append({"shortcode": shortcode, "country_iso2": country})
    powerpacks = [{"name": n, **pools[n]} for n in names]
    return {"powerpacks": powerpacks, "numbers": rented}


def _holder(account: dict[str, Any], number: str) -> str | None:
    for p in account["powerpacks"]:
        if any(m["number"] == number for m in p["numbers"]):
            return p["name"]
        if any(c["shortcode"] == number for c in p["shortcodes"]):
            return p["name"]
    return None


@st.composite
def manifests(draw: Any, account: dict[str, Any]) -> tuple[str, list[str]]:
    """(manifest text, the members it declares that can't be): each live or new Powerpack
    manages a random set of kinds, and each number goes to at most one of them."""
    live = [p["name"] for p in account["powerpacks"]]
    names = [n for n in live if draw(st.integers(0, 3))]  # most live Powerpacks are declared
    names += draw(
        st.lists(
            st.sampled_from([n for n in LIVE_NAMES + NEW_NAMES if n not in live]),
            unique=True,
            max_size=2,
        )
    )
    managed = {n: draw(st.sets(st.sampled_from(KINDS))) for n in names}
    declared: dict[str, dict[str, list[str]]] = {n: {k: [] for k in KINDS} for n in names}
    rented = {r["number"]: r["type"] for r in account["numbers"]}
    allow_bad = draw(st.integers(0, 5)) == 0
    bad: list[str] = []
    for number, _, _ in LONG + TOLL:
        kind = "tollfree" if number.startswith("1888") else "numbers"
        if allow_bad and draw(st.integers(0, 3)) == 0:
            kind = "numbers" if kind == "tollfree" else "tollfree"  # the wrong kind, on purpose
        takers = [n for n in names if kind in managed[n]]
        holder = _holder(account, number)
        stays = holder in takers and draw(st.booleans())  # kept (or its service changed)
        owner = holder if stays else draw(st.sampled_from([None, *takers]))
        if owner is None or (number not in rented and not allow_bad):
            continue
        if number not in rented or (rented[number] == "tollfree") != (kind == "tollfree"):
            bad.append(number)
        entry = f'"{number}"'
        if kind == "numbers" and draw(st.booleans()):
            entry = f'{{number: "{number}", service: {draw(st.sampled_from(["sms", "mms"]))}}}'
        declared[owner][kind].append(entry)
    for shortcode, _ in SHORT:
        holder = _holder(account, shortcode)
        takers = [n for n in names if "shortcodes" in managed[n]]
        keep = holder in takers and draw(st.booleans())
        if keep:
            declared[str(holder)]["shortcodes"].append(f'"{shortcode}"')
        elif allow_bad and takers and draw(st.integers(0, 3)) == 0:
            owner = draw(st.sampled_from(takers))
            if owner != holder:
                declared[owner]["shortcodes"].append(f'"{shortcode}"')
                bad.append(shortcode)
    if allow_bad and draw(st.booleans()) and any("numbers" in managed[n] for n in names):
        owner = next(n for n in names if "numbers" in managed[n])
        declared[owner]["numbers"].append(f'"{NEVER_RENTED[0]}"')
        bad.append(NEVER_RENTED[0])
    prune = draw(st.booleans())
    lines = [
        "version: 1",
        f"prune: {str(prune).lower()}",
        "powerpacks:" if names else "powerpacks: {}",
    ]
    for name in names:
        body = [f"    {k}: [{', '.join(declared[name][k])}]" for k in KINDS if k in managed[name]]
        if not body and draw(st.booleans()):
            body = ["    sticky_sender: false"]
        key = name
        if name in live and draw(st.integers(0, 4)) == 0:  # renamed in the same run
            key, body = f"r{name}", [f"    renamed_from: {name}", *body]
        lines += [f"  {key}:", *body] if body else [f"  {key}: {{}}"]
    return "\n".join(lines) + "\n", bad


@st.composite
def examples(draw: Any) -> tuple[dict[str, Any], str, list[str], bool]:
    account = draw(accounts())
    text, bad = draw(manifests(account))
    return account, text, bad, draw(st.booleans())


# --- checks ---------------------------------------------------------------------------------------


def members_of(snapshot: dict[str, Any]) -> dict[str, dict[str, dict[str, str]]]:
    """Powerpack name -> kind -> {member: service ("" for toll-free and short codes)}."""
    types = {n["number"]: n["type"] for n in snapshot["numbers"]}
    out = {}
    for p in snapshot["powerpacks"]:
        pool = p["number_pool"]
        out[p["name"]] = {
            "numbers": {
                m["number"]: m["service"]
                for m in pool["numbers"]
                if types[m["number"]] != "tollfree"
            },
            "tollfree": {
                m["number"]: "" for m in pool["numbers"] if types[m["number"]] == "tollfree"
            },
            "shortcodes": {c["shortcode"]: "" for c in pool["shortcodes"]},
        }
    return out


def journal_writes(sb: Sandbox) -> list[tuple[str, str, str]]:
    prefix = f"/v1/Account/{sb.auth_id}"
    return [
        (e["method"], e["path"].removeprefix(prefix), canonical_json(e["body"] or {}))
        for e in sb.journal()
        if e["method"] in ("POST", "DELETE")
    ]


def planned(the_plan: Any, pools: dict[str, str]) -> list[tuple[tuple[str, str, str], str]]:
    """Each planned write and its step; a new Powerpack's pool by the uuid its create answered."""
    out = []
    for c in the_plan.changes:
        for r in c.requests:
            path = r.path.removeprefix("/v1/Account/{auth_id}")
            path = path.replace("{pool_uuid}", pools.get(c.name, "{pool_uuid}"))
            out.append(((r.method, path, canonical_json(r.body)), r.step))
    return out


def check_members(manifest: Any, the_plan: Any, before: dict, after: dict) -> None:
    """Managed kinds hold exactly what is declared; unmanaged ones are as they were, less what a
    move of the plan takes out (a pruned Powerpack is gone with its pool)."""
    moved_out = {(m.source, m.number) for c in the_plan.changes for m in c.moves}
    deleted = {c.name for c in the_plan.changes if c.action == "delete"}
    renamed = {n: dp.renamed_from for n, dp in manifest.powerpacks.items() if dp.renamed_from}
    assert set(after) == (set(before) - deleted - set(renamed.values())) | set(manifest.powerpacks)
    for name, kinds in after.items():
        dp = manifest.powerpacks.get(name)
        for kind in KINDS:
            wanted = dp.members(kind) if dp is not None else None
            if wanted is not None:
                services = {m.number: m.service for m in dp.numbers or ()}
                assert kinds[kind] == {n: services.get(n, "") for n in wanted}, (name, kind)
                continue
            was = before.get(renamed.get(name, name), {}).get(kind, {})
            kept = {n: s for n, s in was.items() if (name, n) not in moved_out}
            assert kinds[kind] == kept, (name, kind, "an unmanaged kind changed")


def through_the_file(client: PlivoClient, the_plan: Any, auth_id: str) -> Any:
    """The plan saved and read back (its requests rebuilt from its content), then checked against
    the account as a saved plan is: (the plan, what is left to send, the pools of creates)."""
    the_plan = the_plan.model_copy(update={"account_sha256": account_sha256(auth_id)})
    saved = plan_from_json(render_json(the_plan))
    assert [c.requests for c in saved.changes] == [c.requests for c in the_plan.changes]
    run = check_saved_plan(client, saved, auth_id)
    for c in saved.changes:  # nothing is done yet: all of it is left (in its steps' order)
        assert sorted(map(repr, run.left[id(c)])) == sorted(map(repr, c.requests)), c.name
    return saved, run.left, run.pools


def run_example(account: dict[str, Any], text: str, bad: list[str], via_file: bool) -> None:
    manifest = parse_manifest(text, "powerpacks.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        state_path = Path(tmp) / "sandbox.json"
        write_state(state_path, build_state(**account))
        with (
            Sandbox(state_path, rate_limit=None) as sb,
            PlivoClient(sb.url, sb.auth_id, sb.auth_token, rate_limit=None) as client,
        ):
            before = sb.snapshot()
            if bad:
                with pytest.raises(PlanError) as caught:
                    plan(manifest, fetch_live(client, manifest))
                said = " ".join(p.message for p in caught.value.problems)
                assert all(member in said for member in bad), (bad, said)
                assert journal_writes(sb) == []
                event("a plan error")
                return
            the_plan = plan(manifest, fetch_live(client, manifest))
            for step in sorted({r.step for c in the_plan.changes for r in c.requests}):
                event(
                    f"plans a {step}"
                )  # how often each step is exercised (--hypothesis-show-statistics)
            render_text(the_plan), render_markdown(the_plan)
            left = pools_of_creates = None
            if via_file:
                the_plan, left, pools_of_creates = through_the_file(client, the_plan, sb.auth_id)
            sb.clear_journal()
            result = apply_plan(client, the_plan, left=left, pools=pools_of_creates)
            assert result.ok, (result.failed, result.problems)
            pools = {n: a.pool_uuid for n, a in result.answers.items() if a is not None}
            wanted = planned(the_plan, pools)
            writes = journal_writes(sb)
            assert Counter(writes) == Counter(w for w, _ in wanted), "writes are not the plan"
            step_of = dict(wanted)
            steps = [STEPS.index(step_of[w]) for w in writes]
            assert steps == sorted(steps), "a step started before the one before it ended"
            for method, _, body in writes:
                assert method == "POST" or body in ('{"unrent":false}', '{"unrent_numbers":false}')
                assert '"rent":true' not in body
            after = sb.snapshot()
            rented = {n["number"] for n in before["numbers"]}
            assert {n["number"] for n in after["numbers"]} == rented, "a number left the account"
            check_members(manifest, the_plan, members_of(before), members_of(after))
            again = plan(manifest, fetch_live(client, manifest))
            assert again.empty, [c.model_dump() for c in again.changes]


@FAST
@given(example=examples())
def test_apply_then_plan_is_empty_and_the_pool_promises_hold(example: Any) -> None:
    run_example(*example)


@pytest.mark.slow
@LONG_RUN
@given(example=examples())
def test_the_pool_promises_long_run(example: Any) -> None:
    run_example(*example)
