"""Pools read back in the manifest's terms: `PoolEnv` (an Env plus the account's pools, rented
numbers and the journal by Powerpack name) and the plan JSON read the same way.

A write reads `("DELETE", "a/Number/14155550100", {"unrent": False})`: the pool is named by the
Powerpack whose pool it is (also one a run deleted), a Powerpack write is `("POST", "pp:a", ...)`
or `("POST", "create", ...)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.cli import Run
from tests.support.world import Env

APPLY = ("apply", "--auto-approve")


@dataclass
class PoolEnv(Env):
    """Env, plus the account's pools, rented numbers and the journal by Powerpack name."""

    names: dict[str, str] = field(default_factory=dict)  # pool or Powerpack uuid -> name

    def snapshot(self) -> dict[str, Any]:
        snap = self.sb.snapshot()
        for p in snap["powerpacks"]:  # remembered: a run may delete the Powerpack
            self.names[p["number_pool"]["uuid"]] = p["name"]
            self.names[p["uuid"]] = p["name"]
        return snap

    def pool_uuid(self, name: str) -> str:
        return next(
            p["number_pool"]["uuid"] for p in self.snapshot()["powerpacks"] if p["name"] == name
        )

    def pools(self) -> dict[str, dict[str, Any]]:
        """Name -> {"numbers": {number: service}, "tollfree": [...], "shortcodes": [...]}."""
        snap = self.snapshot()
        types = {n["number"]: n["type"] for n in snap["numbers"]}
        out = {}
        for p in snap["powerpacks"]:
            members = p["number_pool"]["numbers"]
            free = [m for m in members if types[m["number"]] == "tollfree"]
            out[p["name"]] = {
                "numbers": {m["number"]: m["service"] for m in members if m not in free},
                "tollfree": sorted(m["number"] for m in free),
                "shortcodes": sorted(c["shortcode"] for c in p["number_pool"]["shortcodes"]),
            }
        return out

    def rented(self) -> set[str]:
        return {n["number"] for n in self.snapshot()["numbers"]}

    def in_no_pool(self) -> set[str]:
        """Rented numbers that no pool holds."""
        held = {m for p in self.pools().values() for k in ("numbers", "tollfree") for m in p[k]}
        return self.rented() - held

    def short(self, path: str) -> str:
        """A journal path in the manifest's terms: "a/Number/1415...", "pp:a", "create"."""
        self.snapshot()
        rest = path.split(f"/Account/{self.sb.auth_id}/", 1)[-1].strip("/")
        parts = rest.split("/")
        if parts[0] == "NumberPool" and len(parts) >= 2:
            return "/".join([self.names.get(parts[1], parts[1]), *parts[2:]])
        if parts[0] == "Powerpack":
            return f"pp:{self.names.get(parts[1], parts[1])}" if len(parts) > 1 else "Powerpack"
        return rest

    def writes_named(self, entries: list[dict[str, Any]] | None = None) -> list[tuple]:
        """Every write since the journal was cleared: (method, short path, body)."""
        entries = self.sb.journal() if entries is None else entries
        return [
            self.named(e["method"], e["path"], e["body"] or {})
            for e in entries
            if e["method"] in ("POST", "DELETE")
        ]

    def named(self, method: str, path: str, body: dict[str, Any]) -> tuple:
        """One write as (method, short path, body); a create's path is "create"."""
        where = self.short(path.replace("{auth_id}", self.sb.auth_id))
        return (method, "create" if where == "Powerpack" else where, body)

    def reads_named(self) -> list[str]:
        """Every GET since the journal was cleared, as a short path (query left out)."""
        return [self.short(e["path"]) for e in self.sb.journal() if e["method"] == "GET"]

    def plan_json(self, *args: str) -> tuple[Run, dict[str, Any]]:
        result = self.invoke("plan", "--format", "json", *args)
        return result, (json.loads(result.out) if result.out.strip() else {})

    def apply(self, *args: str) -> Run:
        return self.invoke(*APPLY, *args)

    def converged(self) -> bool:
        return self.invoke("plan", "--detailed-exitcode").code == 0


def change(plan: dict[str, Any], name: str) -> dict[str, Any]:
    """The change of the plan JSON named `name`."""
    found = [c for c in plan["changes"] if c["name"] == name]
    assert len(found) == 1, [c["name"] for c in plan["changes"]]
    return found[0]


def field_of(ch: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((f for f in ch["fields"] if f["field"] == name), None)


def planned_named(env: PoolEnv, ch: dict[str, Any]) -> list[tuple]:
    """A plan change's requests as (method, short path, body), like writes_named (the pool of a
    Powerpack being created is named by it)."""
    out = []
    for r in ch["requests"]:
        method, where, body = env.named(r["method"], r["path"], r["body"])
        out.append((method, where.replace("{pool_uuid}/", f"{ch['name']}/"), body))
    return out
