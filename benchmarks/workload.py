"""The benchmark's account and manifests: N Powerpacks, and the same manifests with 10% changed.

The account: N Powerpacks, each with 5 long codes and 1 toll-free number in its pool (every
twentieth also a short code), plus spare rented numbers in no pool (what the pool adds take).

Two workloads on that one account:
- "attributes" (members unmanaged): `defaults` for sticky_sender and local_connect and one managed
  matrix cell (US SMS), an application linked by id on every Powerpack, local_connect overridden
  on a third of them and a CA SMS cell of their own on a fifth; no pool key. The "changed"
  manifest differs on every tenth Powerpack (10%), in one field each, cycling over local_connect,
  a matrix cell and the application: one write each. The pools are there and never read.
- "pools" (members managed): the same, plus `numbers` and `tollfree` on every Powerpack and
  `shortcodes` where it has one, as the account holds them. The "changed" manifest changes 10% of
  the members (0.6 N of 6 N): 0.1 N long codes and 0.1 N toll-free numbers move to the next (or
  previous) Powerpack, 0.1 N spare long codes and 0.1 N spare toll-free numbers are added, 0.1 N
  long codes are removed and 0.1 N change service (sms -> mms).

`minimal_calls` states the fewest calls each job needs, from these data alone (not from the tool).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from reconciler.sandbox import build_state, default_priority, write_state

US_ORDER = ["shortcode", "tollfree", "longcode"]  # the API's default US order
CA_ORDER = ["shortcode", "longcode", "tollfree"]  # the API's default CA order
NEW_US_ORDER = ["tollfree", "shortcode", "longcode"]
APP_BASE = 20372631212782780  # application ids look like Plivo's (17 digits)


WORKLOADS = ("attributes", "pools")
MEMBER_WORKLOAD = "pools"
LONG_CODES = 5  # long codes in every pool
SHORTCODE_EVERY = 20  # every twentieth Powerpack also has (and, managed, declares) a short code
PAGE = 20  # objects per list page


def name(i: int) -> str:
    return f"pp-{i:05d}"


def long_code(i: int, j: int) -> str:
    return f"1415{i:05d}{j:02d}"


def toll_free(i: int) -> str:
    return f"1888{i:07d}"


def short_code(i: int) -> str:
    return f"{20000 + i}"


def spare_long_code(k: int) -> str:
    return f"1646{k:07d}"


def spare_toll_free(k: int) -> str:
    return f"1877{k:07d}"


def app_id(i: int) -> str:
    return str(APP_BASE + i)


def desired(count: int, changed: bool) -> dict[str, dict[str, Any]]:
    """name -> managed fields (matrix cells as "US.SMS": order), as the manifest states them."""
    out = {}
    for i in range(count):
        fields: dict[str, Any] = {
            "sticky_sender": True,
            "local_connect": i % 3 != 0,
            "application_type": "xml",
            "application_id": app_id(i),
            "number_priority": {"US.SMS": list(US_ORDER)},
        }
        if i % 5 == 0:
            fields["number_priority"]["CA.SMS"] = list(CA_ORDER)
        if changed and is_changed(i):
            _change(fields, i, count)
        out[name(i)] = fields
    return out


def is_changed(i: int) -> bool:
    """The 10% the changed manifest touches."""
    return i % 10 == 7


def _change(fields: dict[str, Any], i: int, count: int) -> None:
    kind = (i // 10) % 3
    if kind == 0:
        fields["local_connect"] = not fields["local_connect"]
    elif kind == 1:
        fields["number_priority"]["US.SMS"] = list(NEW_US_ORDER)
    else:
        fields["application_id"] = app_id(count)  # the spare application


def manifest_text(want: dict[str, dict[str, Any]], pools: list[Pool] | None = None) -> str:
    """The YAML manifest for `want` (defaults hold what most Powerpacks share), with `pools`
    (one per Powerpack, in order) declared as its members."""
    out = ["version: 1", "defaults:", "  sticky_sender: true", "  local_connect: true"]
    out += ["  number_priority:", f"    US: {{SMS: [{', '.join(US_ORDER)}]}}", "powerpacks:"]
    for index, (pp_name, fields) in enumerate(want.items()):
        out.append(f"  {pp_name}:")
        if not fields["local_connect"]:
            out.append("    local_connect: false")
        out.append(f'    application: {{type: xml, id: "{fields["application_id"]}"}}')
        cells = {k: v for k, v in fields["number_priority"].items() if v != _default(k)}
        if cells:
            out.append("    number_priority:")
            for country in ("US", "CA"):
                row = {k.split(".")[1]: v for k, v in cells.items() if k.startswith(country)}
                if row:
                    inner = ", ".join(f"{s}: [{', '.join(o)}]" for s, o in row.items())
                    out.append(f"      {country}: {{{inner}}}")
        if pools is not None:
            out += _pool_lines(pools[index])
    return "\n".join(out) + "\n"


def _pool_lines(pool: Pool) -> list[str]:
    numbers = [f'"{n}"' if s == "sms" else f'{{number: "{n}", service: {s}}}'
               for n, s in pool["numbers"].items()]  # fmt: skip
    out = [f"    numbers: [{', '.join(numbers)}]"]
    out.append(f"    tollfree: [{', '.join(_quoted(pool['tollfree']))}]")
    if pool["shortcodes"]:
        out.append(f"    shortcodes: [{', '.join(_quoted(pool['shortcodes']))}]")
    return out


def _quoted(values: list[str]) -> list[str]:
    return [f'"{v}"' for v in values]


# --- pools --------------------------------------------------------------------------------------

Pool = dict[str, Any]
"""One pool's members: {"numbers": {long code: service}, "tollfree": [...], "shortcodes": [...]}."""


def live_pools(count: int) -> list[Pool]:
    """What the seeded account's pools hold: 5 long codes (sms) and 1 toll-free number each,
    and a short code in every twentieth."""
    return [
        {
            "numbers": {long_code(i, j): "sms" for j in range(LONG_CODES)},
            "tollfree": [toll_free(i)],
            "shortcodes": [short_code(i)] if i % SHORTCODE_EVERY == 0 else [],
        }
        for i in range(count)
    ]


def desired_pools(count: int, changed: bool) -> list[Pool]:
    """The members the pool manifest declares; changed: 10% of them (see the module doc)."""
    pools = live_pools(count)
    if not changed:
        return pools
    for i in range(count):
        c, pool = i % 10, pools[i]
        if c == 1 and i + 1 < count:  # a long code moves to the next Powerpack
            number = long_code(i, 0)
            del pool["numbers"][number]
            pools[i + 1]["numbers"][number] = "sms"
        elif c == 9:  # the toll-free number moves to the previous one
            pool["tollfree"].remove(toll_free(i))
            pools[i - 1]["tollfree"].append(toll_free(i))
        elif c == 3:  # a spare long code is added
            pool["numbers"][spare_long_code(i // 10)] = "sms"
        elif c == 6:  # a spare toll-free number is added
            pool["tollfree"].append(spare_toll_free(i // 10))
        elif c == 5:  # a long code is removed
            del pool["numbers"][long_code(i, LONG_CODES - 1)]
        elif c == 7:  # a long code changes service
            pool["numbers"][long_code(i, 1)] = "mms"
    return pools


def spare_numbers(count: int) -> list[dict[str, str]]:
    """The rented numbers in no pool that the changed manifest adds."""
    out = []
    for i in range(count):
        if i % 10 == 3:
            out.append({"number": spare_long_code(i // 10), "country_iso2": "US", "type": "fixed"})
        elif i % 10 == 6:
            out.append({"number": spare_toll_free(i // 10), "country_iso2": "US",
                        "type": "tollfree"})  # fmt: skip
    return out


def _default(cell: str) -> list[str] | None:
    """What `defaults` says for a cell (only US.SMS is there)."""
    return US_ORDER if cell == "US.SMS" else None


def seed_state(path: Path, count: int) -> None:
    """An account matching the unchanged manifests, plus one spare application and the spare
    numbers."""
    want = desired(count, changed=False)
    specs = []
    for (pp_name, fields), pool in zip(want.items(), live_pools(count), strict=True):
        spec = {k: v for k, v in fields.items() if k != "number_priority"}
        spec["name"] = pp_name
        spec["number_priority"] = _api_priority(fields["number_priority"])
        spec["numbers"] = [*pool["numbers"], *pool["tollfree"]]
        spec["shortcodes"] = [{"shortcode": c, "country_iso2": "US"} for c in pool["shortcodes"]]
        specs.append(spec)
    apps = [{"app_id": app_id(i), "app_name": f"replies {i}"} for i in range(count + 1)]
    state = build_state(powerpacks=specs, applications=apps, numbers=spare_numbers(count), seed=11)
    write_state(path, state)


def _api_priority(cells: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The default matrix with `cells` in it, in the API's shape."""
    entries = default_priority()
    for entry in entries:
        order = cells.get(f"{entry['country_iso']}.{entry['service_type']}")
        if order:
            entry["priority"] = {f"priority{k + 1}": kind for k, kind in enumerate(order)}
    return entries


def write_inputs(folder: Path, count: int) -> dict[str, Path]:
    """state.json, and for each workload and label ("same", "changed") the manifest and the
    desired-state JSON (for the SDK baseline): keys like "manifest_pools_changed"."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"state": folder / "seed.json"}
    seed_state(paths["state"], count)
    for work in WORKLOADS:
        for label, changed in (("same", False), ("changed", True)):
            members = work == MEMBER_WORKLOAD
            want = desired(count, changed and not members)
            pools = desired_pools(count, changed) if members else None
            key = f"{work}_{label}"
            paths[f"manifest_{key}"] = folder / f"powerpacks-{key}.yaml"
            paths[f"manifest_{key}"].write_text(manifest_text(want, pools), encoding="utf-8")
            paths[f"desired_{key}"] = folder / f"desired-{key}.json"
            sdk = {n: {**f, "pool": p} for (n, f), p in zip(want.items(), pools, strict=True)} \
                if pools else want  # fmt: skip
            paths[f"desired_{key}"].write_text(json.dumps(sdk), encoding="utf-8")
    return paths


def minimal_calls(
    count: int, workload: str, changed: bool, list_priority: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """The fewest calls a plan and its apply need, by kind (harness.KINDS), and the writes by
    apply step (update, add, move, service, remove), from the workload's data alone:

    - list: every page of the Powerpack list, ceil(N / 20) (1 when empty);
    - get: one GET per Powerpack whose matrix is managed (all of them here), unless the list
      carries the matrix;
    - pool: per Powerpack managing `numbers` or `tollfree`, its pool's Number/ list
      (ceil(members / 20) pages, at least 1); shortcodes: per Powerpack managing `shortcodes`,
      its Shortcode/ list;
    - lookup: one GET Number/{n}/ per declared number no pool read holds (and, if any is
      rented, the Number/ lists of the pools not read: none here, every pool is read);
    - write: one POST per Powerpack whose fields change;
    - add / remove: one request per member added or removed; a move is a removal from its pool
      and an add to the other, a service change a removal and an add (the API has no update);
    - no re-read of the list: no plan here creates, renames or deletes (one that does reads the
      list once more, ceil(N / 20) more pages).
    """
    calls = dict.fromkeys(("list", "get", "pool", "shortcodes", "lookup", "write", "add",
                           "remove"), 0)  # fmt: skip
    calls["list"] = max(1, math.ceil(count / PAGE))
    calls["get"] = 0 if list_priority else count
    steps = dict.fromkeys(("update", "add", "move", "service", "remove"), 0)
    if workload != MEMBER_WORKLOAD:
        steps["update"] = calls["write"] = changed_count(count) if changed else 0
        return calls, steps
    live, want = live_pools(count), desired_pools(count, changed)
    pages = [max(1, math.ceil((len(p["numbers"]) + len(p["tollfree"])) / PAGE)) for p in live]
    calls["pool"] = sum(pages)  # every Powerpack manages numbers and toll-free
    managed_codes = [i for i, p in enumerate(want) if p["shortcodes"] or live[i]["shortcodes"]]
    calls["shortcodes"] = sum(max(1, math.ceil(len(live[i]["shortcodes"]) / PAGE))
                              for i in managed_codes)  # fmt: skip
    holder = {n: (i, s) for i, p in enumerate(live) for n, s in p["numbers"].items()}
    holder |= {n: (i, "") for i, p in enumerate(live) for n in p["tollfree"]}
    declared = set()
    for i, pool in enumerate(want):
        wanted = {**pool["numbers"], **dict.fromkeys(pool["tollfree"], "")}
        declared |= set(wanted)
        for number, service in wanted.items():
            where = holder.get(number)
            if where is None:
                steps["add"] += 1
                calls["lookup"] += 1
            elif where[0] != i:
                steps["move"] += 1
            elif where[1] != service:
                steps["service"] += 1
        steps["remove"] += len(set(live[i]["shortcodes"]) - set(pool["shortcodes"]))
    steps["remove"] += sum(1 for n, (i, _) in holder.items() if n not in declared)
    calls["add"] = steps["add"] + steps["move"] + steps["service"]
    calls["remove"] = steps["remove"] + steps["move"] + steps["service"]
    return calls, steps


def changed_count(count: int) -> int:
    return sum(1 for i in range(count) if is_changed(i))
