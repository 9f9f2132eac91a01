"""The core promise, as a property over real HTTP: for any manifest and live account, apply then
plan is empty, the writes made equal the requests planned, and nothing unmanaged changed.

Each example seeds a fresh sandbox (merge or replace mode, list with or without the matrix), loads
the manifest through the real YAML loader, and runs the real fetch, plan and apply over loopback.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from reconciler.api.client import PlivoClient
from reconciler.core.models import canonical_json
from reconciler.core.planner import plan
from reconciler.core.vocab import CELLS, SENDER_TYPES
from reconciler.errors import PlanError
from reconciler.manifest import parse_manifest
from reconciler.ops.apply import apply_plan
from reconciler.ops.fetch import fetch_live
from reconciler.sandbox import Sandbox, build_state, write_state
from tests.support.accounts import APPS, PHLOS, matrix_of

NAMES = ("a", "b", "c", "d")
ORDERS = [list(o) for o in itertools.permutations(SENDER_TYPES)]
PHLO = PHLOS[0]["phlo_id"]
LIVE_APPS = [("", ""), ("xml", APPS[0]["app_id"]), ("xml", APPS[1]["app_id"]), ("phlo", PHLO)]
YAML_APPS = [
    "none",
    f"{{type: xml, id: '{APPS[0]['app_id']}'}}",
    f"{{type: XML, id: '{APPS[1]['app_id']}'}}",
    "{type: xml, name: Marketing replies}",
    f"{{type: phlo, id: '{PHLO}'}}",
]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

orders = st.sampled_from(ORDERS)


def api_matrix(cells: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "country_iso": cell.split(".")[0],
            "service_type": cell.split(".")[1],
            "priority": {f"priority{i + 1}": t for i, t in enumerate(order)},
        }
        for cell, order in cells.items()
    ]


@st.composite
def live_powerpacks(draw: Any) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    out = []
    for name in names:
        app_type, app_id = draw(st.sampled_from(LIVE_APPS))
        out.append(
            {
                "name": name,
                "sticky_sender": draw(st.booleans()),
                "local_connect": draw(st.booleans()),
                "application_type": app_type,
                "application_id": app_id,
                "number_priority": api_matrix({c: draw(orders) for c in CELLS}),
            }
        )
    return out


@st.composite
def fields_yaml(draw: Any, indent: str) -> list[str]:
    """YAML lines for a random subset of the managed fields (Powerpack or defaults)."""
    lines = []
    for key in ("sticky_sender", "local_connect"):
        if draw(st.booleans()):
            lines.append(f"{indent}{key}: {str(draw(st.booleans())).lower()}")
    if draw(st.booleans()):
        lines.append(f"{indent}application: {draw(st.sampled_from(YAML_APPS))}")
    cells = draw(st.lists(st.sampled_from(CELLS), unique=True, max_size=4))
    if cells:
        lines.append(f"{indent}number_priority:")
        for country in ("US", "CA"):
            mine = [c for c in cells if c.startswith(country)]
            if mine:
                inner = ", ".join(f"{c.split('.')[1]}: [{', '.join(draw(orders))}]" for c in mine)
                lines.append(f"{indent}  {country}: {{{inner}}}")
    return lines


@st.composite
def manifests(draw: Any) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    lines = ["version: 1", f"prune: {str(draw(st.booleans())).lower()}"]
    defaults = draw(fields_yaml("  "))
    if defaults:
        lines += ["defaults:", *defaults]
    lines.append("powerpacks:" if names else "powerpacks: {}")
    free_old = [n for n in NAMES if n not in names]
    for name in names:
        body = draw(fields_yaml("    "))
        if free_old and draw(st.integers(0, 3)) == 0:
            body.append(f"    renamed_from: {free_old.pop(0)}")
        lines += [f"  {name}:", *body] if body else [f"  {name}: {{}}"]
    return "\n".join(lines) + "\n"


def journal_writes(sb: Sandbox) -> list[str]:
    prefix = f"/v1/Account/{sb.auth_id}"
    return sorted(
        canonical_json([e["method"], e["path"].removeprefix(prefix), e["body"] or {}])
        for e in sb.journal()
        if e["method"] in ("POST", "DELETE")
    )


def planned_writes(the_plan: Any) -> list[str]:
    return sorted(
        canonical_json([r.method, r.path.removeprefix("/v1/Account/{auth_id}"), r.body])
        for c in the_plan.changes
        for r in c.requests
    )


def managed_keys(manifest: Any, name: str) -> set[str]:
    dp = manifest.powerpacks[name]
    keys = {f for f in ("sticky_sender", "local_connect") if getattr(dp, f) is not None}
    keys |= {"application"} if dp.application is not None else set()
    return keys | {f"number_priority.{c}" for c in dp.number_priority}


def view(obj: dict[str, Any]) -> dict[str, Any]:
    """A sandbox Powerpack as comparable fields."""
    out = {
        "sticky_sender": obj["sticky_sender"],
        "local_connect": obj["local_connect"],
        "application": (obj["application_type"].lower(), obj["application_id"]),
    }
    out.update({f"number_priority.{c}": o for c, o in matrix_of(obj).items()})
    return out


def check_unmanaged_untouched(manifest: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
    by_uuid_after = {p["uuid"]: p for p in after["powerpacks"]}
    for old in before["powerpacks"]:
        new = by_uuid_after.get(old["uuid"])
        if new is None:  # deleted: only by prune, only when absent from the manifest
            assert manifest.prune and old["name"] not in manifest.powerpacks
            continue
        name = new["name"]
        managed = managed_keys(manifest, name) if name in manifest.powerpacks else set()
        for key, value in view(old).items():
            if key not in managed:
                assert view(new).get(key) == value, (name, key)
        assert sorted(old.get("numbers", [])) == sorted(new.get("numbers", []))


def run_example(live: list[dict[str, Any]], text: str, mode: str, list_priority: bool) -> None:
    try:
        manifest = parse_manifest(text, "powerpacks.yaml")
    except Exception:
        pytest.fail(f"strategy wrote an invalid manifest:\n{text}")
    with tempfile.TemporaryDirectory() as tmp:
        state_path = Path(tmp) / "sandbox.json"
        write_state(state_path, build_state(powerpacks=live, applications=APPS, phlos=PHLOS))
        with (
            Sandbox(
                state_path,
                rate_limit=None,
                priority_update=mode,
                list_includes_priority=list_priority,
            ) as sb,
            PlivoClient(sb.url, sb.auth_id, sb.auth_token, rate_limit=None) as client,
        ):
            before = sb.snapshot()
            try:
                the_plan = plan(manifest, fetch_live(client, manifest))
            except PlanError:
                reject()  # e.g. a rename onto a name that stays live: unit- and golden-tested
            sb.clear_journal()
            result = apply_plan(client, the_plan)
            assert result.ok, (result.failed, result.problems)
            assert journal_writes(sb) == planned_writes(the_plan)
            again = plan(manifest, fetch_live(client, manifest))
            assert again.empty, [c.model_dump() for c in again.changes]
            check_unmanaged_untouched(manifest, before, sb.snapshot())


@FAST
@given(
    live=live_powerpacks(),
    text=manifests(),
    mode=st.sampled_from(["merge", "replace"]),
    list_priority=st.booleans(),
)
def test_apply_then_plan_is_empty_and_writes_equal_the_plan(
    live: list[dict[str, Any]], text: str, mode: str, list_priority: bool
) -> None:
    run_example(live, text, mode, list_priority)


@pytest.mark.slow
@LONG
@given(
    live=live_powerpacks(),
    text=manifests(),
    mode=st.sampled_from(["merge", "replace"]),
    list_priority=st.booleans(),
)
def test_apply_then_plan_long_run(
    live: list[dict[str, Any]], text: str, mode: str, list_priority: bool
) -> None:
    run_example(live, text, mode, list_priority)
