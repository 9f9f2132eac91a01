"""The baseline: the same job done with the official `plivo` SDK (4.63.0), the way a user would.

    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_API_URL=http://127.0.0.1:PORT] \\
        python benchmarks/baseline_sdk.py DESIRED.json [--apply]

DESIRED.json maps each Powerpack's name to the fields it should have (what such a script would
hard-code): sticky_sender, local_connect, application_type, application_id, and number_priority
as {"US.SMS": [first, second, third]}. The script lists every Powerpack page by page, gets each one
(the list leaves number_priority out), compares, and with --apply updates each that differs: one
call at a time, as the SDK offers. It prints what differs and, at the end, a summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import plivo
import plivo.rest.client


def point_at(api_url: str | None) -> None:
    """The SDK has no base-URL option: its module constant is where requests go."""
    if api_url:
        plivo.rest.client.PLIVO_API_BASE_URI = api_url.rstrip("/") + "/v1/Account"


def list_all(client: plivo.RestClient) -> list:
    """Every Powerpack, 20 per page, until the count is reached."""
    found, offset = [], 0
    while True:
        page = client.powerpacks.list(limit=20, offset=offset)
        found.extend(page.objects)
        offset += 20
        if offset >= page.meta.total_count or not page.objects:
            return found


def matrix(powerpack) -> dict[str, list[str]]:
    """number_priority as {"US.SMS": [first, second, third]}."""
    out = {}
    for entry in getattr(powerpack, "number_priority", None) or []:
        prio = entry.priority
        order = [prio.priority1, prio.priority2, prio.priority3]
        out[f"{entry.country_iso}.{entry.service_type}"] = order
    return out


def differences(powerpack, want: dict) -> dict:
    """The update body: the fields that differ (the whole matrix if a cell does)."""
    body = {}
    for field in ("sticky_sender", "local_connect"):
        if field in want and getattr(powerpack, field) != want[field]:
            body[field] = want[field]
    if "application_id" in want and powerpack.application_id != want["application_id"]:
        body["application_type"] = want["application_type"]
        body["application_id"] = want["application_id"]
    live = matrix(powerpack)
    cells = want.get("number_priority", {})
    if any(live.get(cell) != order for cell, order in cells.items()):
        merged = {**live, **cells}
        body["number_priority"] = [
            {"country_iso": cell.split(".")[0], "service_type": cell.split(".")[1],
             "priority": {f"priority{i + 1}": kind for i, kind in enumerate(order)}}
            for cell, order in merged.items()
        ]  # fmt: skip
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("desired", help="JSON: name -> desired fields")
    parser.add_argument("--apply", action="store_true", help="update what differs")
    args = parser.parse_args()
    with open(args.desired, encoding="utf-8") as f:
        desired = json.load(f)
    point_at(os.environ.get("PLIVO_API_URL"))
    client = plivo.RestClient(os.environ["PLIVO_AUTH_ID"], os.environ["PLIVO_AUTH_TOKEN"])
    changed = 0
    for listed in list_all(client):
        if listed.name not in desired:
            continue
        powerpack = client.powerpacks.get(listed.uuid)
        body = differences(powerpack, desired[listed.name])
        if body:
            changed += 1
            print(f"~ {listed.name}: {', '.join(sorted(body))}")
            if args.apply:
                powerpack.update(body)
    verb = "updated" if args.apply else "to update"
    print(f"{changed} Powerpack(s) {verb}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
