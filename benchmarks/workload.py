"""The benchmark's account and manifests: N Powerpacks, and the same manifest with 10% changed.

The manifest is what a real account's would look like: `defaults` for sticky_sender and
local_connect and one managed matrix cell (US SMS), an application linked by id on every Powerpack,
local_connect overridden on a third of them and a CA SMS cell of their own on a fifth. The seeded
account matches it exactly. The "changed" manifest differs on every tenth Powerpack (10%), in one
field each, cycling over local_connect, a matrix cell and the application: one write each.
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


def name(i: int) -> str:
    return f"pp-{i:05d}"


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


def manifest_text(want: dict[str, dict[str, Any]]) -> str:
    """The YAML manifest for `want` (defaults hold what most Powerpacks share)."""
    out = ["version: 1", "defaults:", "  sticky_sender: true", "  local_connect: true"]
    out += ["  number_priority:", f"    US: {{SMS: [{', '.join(US_ORDER)}]}}", "powerpacks:"]
    for pp_name, fields in want.items():
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
    return "\n".join(out) + "\n"


def _default(cell: str) -> list[str] | None:
    """What `defaults` says for a cell (only US.SMS is there)."""
    return US_ORDER if cell == "US.SMS" else None


def seed_state(path: Path, count: int) -> None:
    """An account matching the unchanged manifest, plus one spare application."""
    want = desired(count, changed=False)
    specs = []
    for pp_name, fields in want.items():
        spec = {k: v for k, v in fields.items() if k != "number_priority"}
        spec["name"] = pp_name
        spec["number_priority"] = _api_priority(fields["number_priority"])
        specs.append(spec)
    apps = [{"app_id": app_id(i), "app_name": f"replies {i}"} for i in range(count + 1)]
    write_state(path, build_state(powerpacks=specs, applications=apps, seed=11))


def _api_priority(cells: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The default matrix with `cells` in it, in the API's shape."""
    entries = default_priority()
    for entry in entries:
        order = cells.get(f"{entry['country_iso']}.{entry['service_type']}")
        if order:
            entry["priority"] = {f"priority{k + 1}": kind for k, kind in enumerate(order)}
    return entries


def write_inputs(folder: Path, count: int) -> dict[str, Path]:
    """state.json, the two manifests and the two desired-state JSONs (for the SDK baseline)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"state": folder / "seed.json"}
    seed_state(paths["state"], count)
    for label, changed in (("same", False), ("changed", True)):
        want = desired(count, changed)
        paths[f"manifest_{label}"] = folder / f"powerpacks-{label}.yaml"
        paths[f"manifest_{label}"].write_text(manifest_text(want), encoding="utf-8")
        paths[f"desired_{label}"] = folder / f"desired-{label}.json"
        paths[f"desired_{label}"].write_text(json.dumps(want), encoding="utf-8")
    return paths


def minimal_calls(count: int, changes: int, list_priority: bool) -> dict[str, int]:
    """The fewest calls the job needs: every page, a GET per managed matrix unless the list
    carries it (every Powerpack manages one here), one write per change."""
    return {
        "list": max(1, math.ceil(count / 20)),
        "get": 0 if list_priority else count,
        "write": changes,
    }


def changed_count(count: int) -> int:
    return sum(1 for i in range(count) if is_changed(i))
