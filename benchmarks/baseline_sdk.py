"""The baseline: the same job done with the official `plivo` SDK (4.63.0), the way a user would.

    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_API_URL=http://127.0.0.1:PORT] \\
        python benchmarks/baseline_sdk.py DESIRED.json [--apply]

DESIRED.json maps each Powerpack's name to the fields it should have (what such a script would
hard-code): sticky_sender, local_connect, application_type, application_id, number_priority
as {"US.SMS": [first, second, third]}, and optionally its pool's members as "pool":
{"numbers": {long code: service}, "tollfree": [...], "shortcodes": [...]}. The script lists
every Powerpack page by page, gets each one (the list leaves number_priority out) and, where a
pool is declared, lists the pool's numbers (and short codes where any are declared); it looks up
each declared number no pool holds (rented?), compares, and with --apply updates each Powerpack
that differs and sends the pool changes (a move or a service change: the removal, then the add):
one call at a time, as the SDK offers. It prints what differs and, at the end, a summary line.
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


def read_all(lister) -> list:  # type: ignore[no-untyped-def]
    """Every object of an SDK list call taking limit and offset (pool lists answer dicts)."""
    found, offset = [], 0
    while True:
        page = lister(limit=20, offset=offset)
        found.extend(page["objects"])
        offset += 20
        if offset >= page["meta"]["total_count"] or not page["objects"]:
            return found


class Pools:
    """The declared pools: what each holds live, then the requests that make it as declared."""

    def __init__(self, client: plivo.RestClient) -> None:
        self.client = client
        self.pools: dict[str, object] = {}  # Powerpack name -> the SDK's NumberPool
        self.live: dict[str, dict] = {}  # name -> {"numbers": {n: service}, "tollfree": [...]...}
        self.want: dict[str, dict] = {}

    def read(self, name: str, numberpool, want: dict) -> None:  # type: ignore[no-untyped-def]
        numbers = read_all(numberpool.numbers.list)
        live = {
            "numbers": {o["number"]: o["service"] for o in numbers if o["type"] != "tollfree"},
            "tollfree": [o["number"] for o in numbers if o["type"] == "tollfree"],
            "shortcodes": [],
        }
        if want.get("shortcodes"):
            live["shortcodes"] = [o["shortcode"] for o in read_all(numberpool.shortcodes.list)]
        self.pools[name], self.live[name], self.want[name] = numberpool, live, want

    def changes(self) -> list[tuple[str, str, str, str]]:
        """(what, Powerpack, kind, number) in the order to send them; looks up (one GET each)
        the declared numbers no pool holds, and leaves out those the account doesn't rent."""
        holder = {n: (name, kind) for name, live in self.live.items()
                  for kind in ("numbers", "tollfree") for n in live[kind]}  # fmt: skip
        declared = {n for want in self.want.values() for k in ("numbers", "tollfree")
                    for n in want.get(k, ())}  # fmt: skip
        out = []
        for name, want in self.want.items():
            live = self.live[name]
            for kind in ("numbers", "tollfree"):
                for number in want.get(kind, ()):
                    where = holder.get(number)
                    if where is None:
                        if self._rented(number):
                            out.append(("add", name, kind, number))
                    elif where[0] != name:
                        out += [("remove", where[0], where[1], number), ("add", name, kind, number)]
                    elif kind == "numbers" and live[kind][number] != want[kind][number]:
                        out += [("remove", name, kind, number), ("add", name, kind, number)]
                out += [("remove", name, kind, n) for n in live[kind] if n not in declared]
            if "shortcodes" in want:
                out += [("remove", name, "shortcodes", c) for c in live["shortcodes"]
                        if c not in want["shortcodes"]]  # fmt: skip
        return out

    def _rented(self, number: str) -> bool:
        try:
            self.client.numbers.get(number)
            return True
        except plivo.exceptions.ResourceNotFoundError:
            return False

    def send(self, what: str, name: str, kind: str, number: str) -> None:
        pool = self.pools[name]
        if what == "add":
            if kind == "numbers":
                pool.numbers.add(number, service=self.want[name]["numbers"][number])
            else:
                pool.tollfree.add(number)
        elif kind == "shortcodes":
            pool.shortcodes.remove(number)
        else:
            getattr(pool, "numbers" if kind == "numbers" else "tollfree").remove(number)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("desired", help="JSON: name -> desired fields")
    parser.add_argument("--apply", action="store_true", help="update what differs")
    args = parser.parse_args()
    with open(args.desired, encoding="utf-8") as f:
        desired = json.load(f)
    point_at(os.environ.get("PLIVO_API_URL"))
    client = plivo.RestClient(os.environ["PLIVO_AUTH_ID"], os.environ["PLIVO_AUTH_TOKEN"])
    changed, pools = 0, Pools(client)
    for listed in list_all(client):
        if listed.name not in desired:
            continue
        powerpack = client.powerpacks.get(listed.uuid)
        if "pool" in desired[listed.name]:  # the SDK sets the pool of the last get on the class
            pools.read(listed.name, type(powerpack).numberpool, desired[listed.name]["pool"])
        body = differences(powerpack, desired[listed.name])
        if body:
            changed += 1
            print(f"~ {listed.name}: {', '.join(sorted(body))}")
            if args.apply:
                powerpack.update(body)
    members = pools.changes()
    for what, name, kind, number in members:
        print(f"{'+' if what == 'add' else '-'} {name} {kind}: {number}")
        if args.apply:
            pools.send(what, name, kind, number)
    verb = "updated" if args.apply else "to update"
    print(f"{changed} Powerpack(s) {verb}, {len(members)} pool request(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
