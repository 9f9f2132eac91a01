"""A pool scenario for the fault and kill runs: moves, service changes, adds, removals, an unlink
and a create with members in one apply, and the check that a run left every number where the
manifest puts it and none outside the account.

Live: p-0..p-5, each pool three long codes; p-0 also a short code, p-1 a toll-free number; four
spare rented long codes and a spare toll-free one; keep-0 and keep-1 (not in the manifest) hold
a number each. The manifest moves each p-i's third long code to p-(i+1) (a cycle of six moves),
re-adds each p-i's second for mms, adds the spares, removes p-5's first and p-1's toll-free,
unlinks p-0's short code, and creates new-0 with a spare.
"""

from __future__ import annotations

from typing import Any

from tests.support.accounts import pp
from tests.support.world import World

MANAGED = 6
SPARES = [f"1646555{i:04d}" for i in range(4)]
SPARE_TOLLFREE = "18885559000"


def long_code(i: int, j: int) -> str:
    return f"1415555{i}{j:03d}"


def tollfree_of(i: int) -> str:
    return f"1888555{i:04d}"


def pool_account() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(live Powerpacks, spare rented numbers) for start_world."""
    pps = []
    for i in range(MANAGED):
        members: list[Any] = [long_code(i, j) for j in range(3)]
        extra: dict[str, Any] = {}
        if i == 0:
            extra["shortcodes"] = [{"shortcode": "444111", "country_iso2": "US"}]
        if i == 1:
            members.append(tollfree_of(1))
        pps.append(pp(f"p-{i}", numbers=members, **extra))
    pps += [pp(f"keep-{k}", local_connect=False, numbers=[f"1718555{k:04d}"]) for k in range(2)]
    spares = [{"number": n, "country_iso2": "US", "type": "fixed"} for n in SPARES]
    spares.append({"number": SPARE_TOLLFREE, "country_iso2": "US", "type": "tollfree"})
    return pps, spares


def desired_pools(moves: bool = True, services: bool = True) -> dict[str, dict[str, Any]]:
    """What the manifest declares: name -> {"numbers": {number: service}, "tollfree": [...]}
    (without `moves`, each p-i keeps its third long code; without `services`, its second's sms:
    a manifest to apply first, so that what is left is the moves or the service changes)."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(MANAGED):
        third = long_code((i - 1) % MANAGED, 2) if moves else long_code(i, 2)
        numbers = {long_code(i, 1): "mms" if services else "sms", third: "sms"}
        if i != MANAGED - 1:
            numbers[long_code(i, 0)] = "sms"
        if i < 3:
            numbers[SPARES[i]] = "sms"
        out[f"p-{i}"] = {"numbers": numbers, "tollfree": []}
    out["p-1"]["tollfree"] = [SPARE_TOLLFREE]
    out["new-0"] = {"numbers": {SPARES[3]: "sms"}, "tollfree": []}
    return out


def pool_manifest(moves: bool = True, services: bool = True) -> str:
    lines = ["version: 1", "powerpacks:"]
    for name, want in desired_pools(moves, services).items():
        items = [f'"{n}"' if s == "sms" else f'{{number: "{n}", service: mms}}'
                 for n, s in sorted(want["numbers"].items())]  # fmt: skip
        lines += [f"  {name}:", f"    numbers: [{', '.join(items)}]"]
        if name in ("p-0", "p-1"):
            lines.append(f"    tollfree: [{', '.join(repr(t) for t in want['tollfree'])}]")
        if name == "p-0":
            lines.append("    shortcodes: []")
    return "\n".join(lines).replace("'", '"') + "\n"


def moving() -> set[str]:
    """The numbers a move takes from one pool to another (and the service changes' too: both are a
    removal then an add, so both are in no pool between their two requests)."""
    moves = {long_code(i, 2) for i in range(MANAGED)}
    return moves | {long_code(i, 1) for i in range(MANAGED)}


WRITES = 1 + 5 + 2 * MANAGED + 2 * MANAGED + 3  # create, adds, moves, service changes, removals


def pools_of(w: World) -> dict[str, dict[str, Any]]:
    """The sandbox's pools by Powerpack name, as desired_pools() writes them (and short codes)."""
    snap = w.sb.snapshot()
    types = {n["number"]: n["type"] for n in snap["numbers"]}
    out = {}
    for p in snap["powerpacks"]:
        members = p["number_pool"]["numbers"]
        out[p["name"]] = {
            "numbers": {m["number"]: m["service"] for m in members
                        if types[m["number"]] != "tollfree"},
            "tollfree": sorted(m["number"] for m in members if types[m["number"]] == "tollfree"),
            "shortcodes": sorted(c["shortcode"] for c in p["number_pool"]["shortcodes"]),
        }  # fmt: skip
    return out


def rented(w: World) -> set[str]:
    return {n["number"] for n in w.sb.snapshot()["numbers"]}


def in_no_pool(w: World) -> set[str]:
    held = {n for p in pools_of(w).values() for n in (*p["numbers"], *p["tollfree"])}
    return rented(w) - held


def lost(w: World, rented_before: set[str]) -> set[str]:
    """Numbers the account rented before the runs and rents no more (must be none)."""
    return rented_before - rented(w)


def pool_outcome(w: World, rented_before: set[str]) -> dict[str, int]:
    """What the runs left, counted: numbers lost, members not where declared, pending changes."""
    pools = pools_of(w)
    misplaced = 0
    for name, want in desired_pools().items():
        have = pools.get(name, {"numbers": {}, "tollfree": []})
        misplaced += sum(have["numbers"].get(n) != s for n, s in want["numbers"].items())
        misplaced += len(set(want["tollfree"]) ^ set(have["tollfree"]))
    keep = {n: p for n, p in w.before.items() if n.startswith("keep-")}
    return {
        "numbers_lost": len(lost(w, rented_before)),
        "members_misplaced": misplaced,
        "unmanaged_pools_changed": sum(
            [m["number"] for m in w.live()[n]["number_pool"]["numbers"]]
            != [m["number"] for m in p["number_pool"]["numbers"]]
            for n, p in keep.items()
        ),
        "new_pools": sum(1 for n in pools if n == "new-0"),
    }


def check_pools_converged(w: World, rented_before: set[str]) -> None:
    """The account is as the manifest says, every number still rented, keep-* untouched."""
    assert w.invoke("plan", "--detailed-exitcode").code == 0, "a second plan still has changes"
    assert pool_outcome(w, rented_before) == {
        "numbers_lost": 0, "members_misplaced": 0, "unmanaged_pools_changed": 0, "new_pools": 1,
    }  # fmt: skip
    assert in_no_pool(w) == {long_code(MANAGED - 1, 0), tollfree_of(1)}  # the two removals
    assert pools_of(w)["p-0"]["shortcodes"] == []
