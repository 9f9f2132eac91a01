"""Plans made for real against a sandbox: JSON plans read back, saved plans, and the checks a
tampered one must pass."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.cli.planning import make_plan
from reconciler.core import writes
from reconciler.core.models import Change, DesiredPowerpack, FieldChange, Manifest, Member, Move
from reconciler.render import render_json
from tests.support.accounts import pp
from tests.support.world import Env, World

# Two managed Powerpacks updated (flags, a priority cell), one renamed, one created, and (pruned)
# two deleted: every action a saved plan can hold.
LIVE = [pp("m-00"), pp("m-01"), pp("m-02"), pp("m-03"), pp("keep-0", local_connect=False)]
MANIFEST = """version: 1
prune: true
powerpacks:
  m-00: {sticky_sender: false, number_priority: {US: {SMS: [longcode, tollfree, shortcode]}}}
  m-01: {local_connect: false}
  renamed-2: {renamed_from: m-02}
  new-0: {local_connect: false}
"""

# Pool members: m-10 holds two long codes and a toll-free number, m-11 one long code; the
# account rents 14155550199 in no pool. The pool plan (made in-process: the manifest has no
# member syntax yet) adds the free number to m-10, moves 14155550111 from m-11 to m-10, changes
# 14155550101's service, and removes the toll-free number.
POOL_LIVE = [
    pp("m-10", numbers=["14155550100", {"number": "14155550101", "service": "sms"}, "18005550100"]),
    pp("m-11", numbers=["14155550111"]),
    pp("keep-10", numbers=["14155550122"]),  # not in the manifest: its pool is not the plan's
]
POOL_RENTED = [{"number": "14155550199", "country_iso2": "US", "type": "fixed"}]
POOL_DESIRED = {
    "m-10": DesiredPowerpack(
        name="m-10",
        numbers=(
            Member(number="14155550100"),
            Member(number="14155550101", service="mms"),
            Member(number="14155550111"),
            Member(number="14155550199"),
        ),
        tollfree=(),
    ),
    "m-11": DesiredPowerpack(name="m-11", numbers=()),
}


def plan_json(env: Env, *args: str) -> dict[str, Any]:
    """`plan --format json` (plus args) as data; the plan must succeed."""
    result = env.invoke("plan", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def origins(plan: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(Powerpack, field) -> origin of every field change in a JSON plan."""
    return {(c["name"], f["field"]): f["origin"] for c in plan["changes"] for f in c["fields"]}


def saved_plan(w: World, text: str = MANIFEST, name: str = "plan.json") -> dict[str, Any]:
    """`plan --out` against the world's sandbox; the saved document."""
    w.write(text)
    r = w.invoke("plan", "--out", name)
    assert r.code == 0, r.err
    return json.loads((w.cwd / name).read_text(encoding="utf-8"))


def pool_plan(w: World, name: str = "pool-plan.json") -> dict[str, Any]:
    """A saved plan with pool requests of every step, made by the CLI's own planning code."""
    manifest = Manifest(path="pools.yaml", sha256="0" * 64, powerpacks=POOL_DESIRED)
    with PlivoClient(w.sb.url, w.sb.auth_id, w.sb.auth_token) as client:
        _, plan = make_plan(client, w.sb.auth_id, manifest)
    text = render_json(plan)
    (w.cwd / name).write_text(text + "\n", encoding="utf-8")
    return json.loads(text)


def rebuilt(c: dict[str, Any]) -> dict[str, Any]:
    """A change dict whose requests are rebuilt from its (edited) content: a consistent forgery."""
    model = Change(
        **{
            **c,
            "source": None,
            "fields": tuple(FieldChange(**f) for f in c["fields"]),
            "moves": tuple(Move(**m) for m in c["moves"]),
            "requests": (),
        }
    )
    c["requests"] = [r.model_dump() for r in writes.change_requests(model)]
    return c


def write_doc(w: World, doc: Any, name: str = "tampered.json") -> Path:
    path = w.cwd / name
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def refused_without_writes(w: World, plan: str | Path, *more: str) -> str:
    """`apply --plan` refuses the file: exit 1, one clean error, no write reached the sandbox."""
    w.sb.clear_journal()
    r = w.invoke(
        "apply",
        "--plan",
        str(plan),
        "--auto-approve",
        "--allow-delete",
        "--allow-mass-change",
        *more,
    )
    assert r.code == 1, (r.code, r.out[-1500:], r.err[-1500:])
    assert "Traceback" not in r.err, r.err
    assert "Error:" in r.err, r.err
    assert w.writes() == [], w.writes()
    return r.err


def change(doc: dict[str, Any], action: str, name: str | None = None) -> dict[str, Any]:
    """The first change of `action` (named `name`) in a saved plan document."""
    for c in doc["changes"]:
        if c["action"] == action and (name is None or c["name"] == name):
            return c
    raise KeyError((action, name))


def edited(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
