"""What a live account and a manifest are made of: Powerpacks, apps, flows, numbers, the ids."""

from __future__ import annotations

from typing import Any

TOKEN = "tOkEn-Sup3r-s3cret-0123456789abcdef"  # distinctive: any leak of it is easy to find
AUTH_ID = "MA7Q2ZB4XK9P1LMN3RST"
US_SMS_REVERSED = "{SMS: [longcode, tollfree, shortcode]}"

DEFAULT_MATRIX = {
    "US": ("shortcode", "tollfree", "longcode"),
    "CA": ("shortcode", "longcode", "tollfree"),
}

APPS = [
    {"app_id": "20468599130939380", "app_name": "Marketing replies"},
    {"app_id": "33660394121755210", "app_name": "Support IVR"},
    {"app_id": "17231002233445566", "app_name": "Legacy replies"},
    {"app_id": "17231002233445577", "app_name": "Twin"},
    {"app_id": "17231002233445588", "app_name": "Twin"},
]
PHLOS = [{"phlo_id": "e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11", "name": "Support flow"}]


def api_matrix(cells: dict[str, tuple[str, str, str]] | None = None) -> list[dict[str, Any]]:
    """A four-entry API number_priority; `cells` ("US.SMS" -> order) override the default."""
    cells = cells or {}
    out = []
    for country in ("US", "CA"):
        for service in ("SMS", "MMS"):
            order = cells.get(f"{country}.{service}", DEFAULT_MATRIX[country])
            out.append(
                {
                    "country_iso": country,
                    "service_type": service,
                    "priority": {f"priority{i + 1}": t for i, t in enumerate(order)},
                }
            )
    return out


def matrix_of(obj: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """number_priority of a state/API object as "US.SMS" -> order."""
    return {
        f"{e['country_iso']}.{e['service_type']}": tuple(
            e["priority"][f"priority{i}"] for i in (1, 2, 3)
        )
        for e in obj.get("number_priority") or []
    }


def pp(name: str, **fields: Any) -> dict[str, Any]:
    """A live Powerpack for build_state, with the API's defaults for what isn't given."""
    base: dict[str, Any] = {
        "name": name,
        "sticky_sender": True,
        "local_connect": True,
        "application_type": "",
        "application_id": "",
        "number_priority": api_matrix(),
    }
    base.update(fields)
    return base


def powerpack_obj(i: int, auth_id: str = AUTH_ID, **over: Any) -> dict[str, Any]:
    """A Powerpack as the API answers it (m-00, m-01...), for servers other than the sandbox."""
    obj = {
        "application_id": "", "application_type": "", "created_on": "2019-09-03T08:50:09.510692Z",
        "local_connect": True, "name": f"m-{i:02d}", "sticky_sender": True,
        "number_pool": f"/v1/Account/{auth_id}/NumberPool/pool-{i:04d}/",
        "uuid": f"00000000-0000-4000-8000-{i:012d}", "number_priority": api_matrix(),
    }  # fmt: skip
    obj.update(over)
    return obj


# --- a sandbox account with managed and unmanaged Powerpacks, and a manifest for it ------------


def account(managed: int = 12, unmanaged: int = 4) -> list[dict[str, Any]]:
    """Live Powerpacks: `managed` ones the manifest names (m-00...), `unmanaged` (keep-0...)."""
    pps = [pp(f"m-{i:02d}") for i in range(managed)]
    pps += [pp(f"keep-{i}", local_connect=False, sticky_sender=i % 2 == 0)
            for i in range(unmanaged)]  # fmt: skip
    return pps


def manifest_text(managed: int = 12, creates: int = 5, rename: bool = True, prune: bool = False):
    """Updates to every managed Powerpack (flags, matrix, app), `creates` new ones, a rename."""
    lines = ["version: 1", f"prune: {'true' if prune else 'false'}", "powerpacks:"]
    for i in range(managed):
        if rename and i == managed - 1:
            break
        body = ["local_connect: false", "sticky_sender: false"][i % 2]
        if i % 3 == 0:
            body += f", number_priority: {{US: {US_SMS_REVERSED}}}"
        if i % 4 == 1:
            body += ', application: {type: xml, id: "20468599130939380"}'
        lines.append(f"  m-{i:02d}: {{{body}}}")
    if rename:
        lines.append(f"  renamed-{managed - 1}: {{renamed_from: m-{managed - 1:02d}}}")
    for i in range(creates):
        prio = f"number_priority: {{CA: {US_SMS_REVERSED}}}"
        lines.append(f"  new-{i}: {{local_connect: false, {prio}}}")
    return "\n".join(lines) + "\n"


def manifest_names(text: str) -> list[str]:
    """The Powerpack names a manifest_text() declares."""
    return [ln.split(":")[0].strip() for ln in text.splitlines() if ln.startswith("  ")]


def manifest(*entries: str, head: str = "") -> str:
    """A version 1 manifest: `head` lines (prune, guards, account...), then one line a Powerpack."""
    lines = ["version: 1", *(line for line in head.splitlines() if line), "powerpacks:"]
    lines += [f"  {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


# --- numbers: rented ones for build_state(numbers=...), members for pp(numbers=...) -----------


def rented(*numbers: str, country: str = "US") -> list[dict[str, Any]]:
    """Numbers the account rents, in no pool: long codes, or toll-free by their area code."""
    kinds = {"800", "888", "877", "866", "855", "844", "833"}
    return [
        {"number": n, "country_iso2": country,
         "type": "tollfree" if n[1:4] in kinds else "fixed"}
        for n in numbers
    ]  # fmt: skip


def fixed(number: str, country: str = "US") -> dict[str, str]:
    """A rented local number for build_state(numbers=...)."""
    return {"number": number, "country_iso2": country, "type": "fixed"}


def mobile(number: str, country: str = "US") -> dict[str, str]:
    return {"number": number, "country_iso2": country, "type": "mobile"}


def tollfree(number: str, country: str = "US") -> dict[str, str]:
    return {"number": number, "country_iso2": country, "type": "tollfree"}


def code(shortcode: str, country: str = "US") -> dict[str, str]:
    """A short code linked to a pool, for pp(..., shortcodes=[...])."""
    return {"shortcode": shortcode, "country_iso2": country}


def sms(number: str) -> dict[str, str]:
    return {"number": number, "service": "sms"}


def mms(number: str) -> dict[str, str]:
    return {"number": number, "service": "mms"}
