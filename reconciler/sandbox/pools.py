"""Number pools (numbers, toll-free, short codes), XML applications and PHLOs."""

from __future__ import annotations

from typing import Any

from .account import Account, not_found
from .state import guess_type, now_iso
from .validate import ApiFail, bad, loose_flag, page

_TYPE_ALIASES = {"local": "fixed", "national": "fixed", "toll-free": "tollfree"}


def pool(account: Account, pool_uuid: str) -> dict[str, Any]:
    """The pool with this uuid, or 404."""
    pp = account.by_pool.get(pool_uuid)
    if pp is None:
        raise not_found("NumberPool")
    return pp["number_pool"]


def pool_object(account: Account, pool_uuid: str) -> dict[str, Any]:
    """GET /NumberPool/{uuid}/: links to its numbers and short codes."""
    pool(account, pool_uuid)
    base = account.pool_path(pool_uuid)
    return {"numbers": base + "Number/", "shortcodes": base + "Shortcode/", "uuid": pool_uuid}


def number_object(account: Account, pool_uuid: str, member: dict[str, Any]) -> dict[str, Any]:
    """A pool number as the API shows it (fixture numberpool.number.list.json, plus service)."""
    record = account.numbers[member["number"]]  # a member is always rented (check.py)
    resource = f"/v1/Account/{account.auth_id}/Number/{member['number']}/"
    return {
        "account_phone_number_resource": resource,
        "added_on": member["added_on"],
        "country_iso2": record["country_iso2"],
        "number": member["number"],
        "number_pool_uuid": pool_uuid,
        "service": member.get("service", "sms"),
        "type": record["type"],
    }


def _matches(obj: dict[str, Any], query: dict[str, str]) -> bool:
    """The list-numbers filters: starts_with (needs country_iso2), country_iso2, type, service."""
    if query.get("country_iso2") and obj["country_iso2"] != query["country_iso2"].upper():
        return False
    wanted_type = (query.get("type") or "").lower()
    if wanted_type and obj["type"] != _TYPE_ALIASES.get(wanted_type, wanted_type):
        return False
    if query.get("service") and obj["service"] != query["service"].lower():
        return False
    prefixes = [p.strip() for p in (query.get("starts_with") or "").split(",") if p.strip()]
    national = obj["number"][1:] if obj["number"].startswith("1") else obj["number"]
    return not prefixes or any(national.startswith(p) for p in prefixes)


def _check_filters(query: dict[str, str]) -> None:
    """starts_with: at most 10 prefixes, and only together with country_iso2."""
    prefixes = [p for p in (query.get("starts_with") or "").split(",") if p.strip()]
    if len(prefixes) > 10:
        raise bad("starts_with accepts at most 10 prefixes")
    if prefixes and not query.get("country_iso2"):
        raise bad("country_iso2 is required when starts_with is given")


def _page(account: Account, pool_uuid: str, kind: str, items: list[Any], query: dict[str, str]):
    """A pool list page; pool lists use "" for a missing next/previous (fixtures)."""
    limit, offset = page(query)
    meta = account.meta(f"NumberPool/{pool_uuid}/{kind}", limit, offset, len(items), "")
    return {"meta": meta, "objects": items[offset : offset + limit]}


def list_numbers(account: Account, pool_uuid: str, query: dict[str, str], tollfree: bool = False):
    """GET .../Number/ (all numbers, filtered) or .../Tollfree/ (toll-free only)."""
    members = pool(account, pool_uuid)["numbers"]
    _check_filters(query)
    objects = [number_object(account, pool_uuid, m) for m in members]
    objects = [
        o for o in objects if _matches(o, query) and (not tollfree or o["type"] == "tollfree")
    ]
    return _page(account, pool_uuid, "Tollfree" if tollfree else "Number", objects, query)


def _member(account: Account, pool_uuid: str, number: str) -> dict[str, Any]:
    """The membership record of `number` in the pool, or 404."""
    for member in pool(account, pool_uuid)["numbers"]:
        if member["number"] == number:
            return member
    raise not_found("Number")


def find_number(
    account: Account, pool_uuid: str, number: str, query: dict[str, str], tollfree=False
):
    """GET .../Number/{n}/ (optional `service` must match) or .../Tollfree/{n}/."""
    obj = number_object(account, pool_uuid, _member(account, pool_uuid, number))
    if query.get("service") and obj["service"] != query["service"].lower():
        raise not_found("Number")
    if tollfree and obj["type"] != "tollfree":
        raise not_found("Tollfree")
    return obj


def _rent(account: Account, number: str) -> dict[str, Any]:
    """Buy a number for the account (the sandbox's numbers are free and always available)."""
    record = {"number": number, "country_iso2": "US", "type": guess_type(number),
              "added_on": now_iso()[:10]}  # fmt: skip
    account.state["numbers"].append(record)
    account.numbers[number] = record
    return record


def _check_free(account: Account, pool_uuid: str, number: str) -> None:
    """A number joins one pool at most (Q18: 400 naming the pool that holds it, no move)."""
    holder = account.pool_of.get(number)
    if holder == pool_uuid:
        service = _member(account, pool_uuid, number)["service"]
        raise bad(f"number {number} is already in this number pool (service {service}); "
                  "to change its service, remove it and add it again")  # fmt: skip
    if holder is not None:
        name = account.by_pool[holder]["name"]
        raise bad(f"number {number} is already in the number pool {holder} of Powerpack "
                  f"{name!r}: remove it from that pool first")  # fmt: skip


def add_number(account: Account, pool_uuid: str, number: str, body: dict[str, Any], tollfree=False):
    """POST .../Number/{n}/ (`rent` buys it first) or .../Tollfree/{n}/; the number must be free.

    A toll-free number goes through the Tollfree resource only, a long code through Number only:
    a strict reading (the docs give toll-free numbers their own add call, section 2 rows 9 and
    17), so a client that mixes them up is told so instead of passing here and failing live.
    Every check runs before anything changes: a 400 rents nothing.
    """
    members = pool(account, pool_uuid)["numbers"]
    service = str(body.get("service") or "sms").lower()
    if service not in ("sms", "mms"):
        raise bad(f"service must be sms or mms, got {service!r}")
    rent = not tollfree and loose_flag(body, "rent")
    if not (number.isascii() and number.isdigit()):
        raise bad(f"{number!r} is not a valid phone number")
    record = account.numbers.get(number)
    if record is None and not rent:
        raise bad(f"number {number} is not rented by this account")
    kind = record["type"] if record else guess_type(number)
    if tollfree and kind != "tollfree":
        raise bad(f"number {number} is not a toll-free number: add it through "
                  f"NumberPool/{pool_uuid}/Number/{number}/")  # fmt: skip
    if not tollfree and kind == "tollfree":
        raise bad(f"number {number} is a toll-free number: add it through the Tollfree "
                  f"resource, NumberPool/{pool_uuid}/Tollfree/{number}/")  # fmt: skip
    _check_free(account, pool_uuid, number)
    if record is None:
        _rent(account, number)
    member = {"number": number, "service": service, "added_on": now_iso()}
    members.append(member)
    account.pool_of[number] = pool_uuid
    account.dirty = True
    return number_object(account, pool_uuid, member)


def remove_number(
    account: Account, pool_uuid: str, number: str, body: dict[str, Any], tollfree=False
):
    """DELETE .../Number/{n}/ or .../Tollfree/{n}/; `unrent` also releases it from the account."""
    member = _member(account, pool_uuid, number)
    if tollfree and account.numbers[number]["type"] != "tollfree":
        raise not_found("Tollfree")
    unrent = loose_flag(body, "unrent")
    pool(account, pool_uuid)["numbers"].remove(member)
    account.pool_of.pop(number, None)
    if unrent:
        account.unrent(number)
    account.dirty = True
    return {"response": "success"}


def shortcode_object(pool_uuid: str, code: dict[str, Any]) -> dict[str, Any]:
    """A short code as the API shows it (fixture numberpool.shortcode.list.json)."""
    return {
        "added_on": code["added_on"],
        "country_iso2": code["country_iso2"],
        "number_pool_uuid": pool_uuid,
        "shortcode": code["shortcode"],
    }


def list_shortcodes(account: Account, pool_uuid: str, query: dict[str, str]):
    """GET .../Shortcode/."""
    codes = [shortcode_object(pool_uuid, c) for c in pool(account, pool_uuid)["shortcodes"]]
    return _page(account, pool_uuid, "Shortcode", codes, query)


def _shortcode(account: Account, pool_uuid: str, shortcode: str) -> dict[str, Any]:
    """The short code record in the pool, or 404."""
    for code in pool(account, pool_uuid)["shortcodes"]:
        if code["shortcode"] == shortcode:
            return code
    raise not_found("Shortcode")


def find_shortcode(account: Account, pool_uuid: str, shortcode: str):
    """GET .../Shortcode/{code}/ (no api_id on this one, as in the fixture)."""
    return shortcode_object(pool_uuid, _shortcode(account, pool_uuid, shortcode))


def remove_shortcode(account: Account, pool_uuid: str, shortcode: str):
    """DELETE .../Shortcode/{code}/: unlinks it, never unrents (D-msg remove-a-shortcode)."""
    code = _shortcode(account, pool_uuid, shortcode)
    pool(account, pool_uuid)["shortcodes"].remove(code)
    account.dirty = True
    return {"response": "success"}


_APP_DEFAULTS: dict[str, Any] = {
    "answer_method": "POST",
    "answer_url": "",
    "default_app": False,
    "default_endpoint_app": False,
    "enabled": True,
    "fallback_answer_url": "",
    "fallback_method": "POST",
    "hangup_method": "POST",
    "hangup_url": "",
    "log_incoming_messages": True,
    "message_method": "POST",
    "message_url": "",
    "public_uri": False,
    "sub_account": None,
}


def application_object(account: Account, app: dict[str, Any]) -> dict[str, Any]:
    """An XML application (fixture application.get.json)."""
    app_id = app["app_id"]
    out = {**_APP_DEFAULTS, **app}
    out["resource_uri"] = f"/v1/Account/{account.auth_id}/Application/{app_id}/"
    out["sip_uri"] = f"sip:{app_id}@app.plivo.com"
    return out


def list_applications(account: Account, query: dict[str, str]):
    """GET /Application/: `app_name` filters by exact name; next/previous null when absent."""
    limit, offset = page(query)
    apps = account.state["applications"]
    if query.get("app_name"):
        apps = [a for a in apps if a["app_name"] == query["app_name"]]
    objects = [application_object(account, a) for a in apps[offset : offset + limit]]
    return {"meta": account.meta("Application", limit, offset, len(apps), None), "objects": objects}


def get_application(account: Account, app_id: str):
    """GET /Application/{app_id}/."""
    app = account.apps.get(app_id)
    if app is None:
        raise not_found("Application")
    return application_object(account, app)


def get_phlo(account: Account, phlo_id: str):
    """GET /v1/phlo/{phlo_id}/ (phlorunner's shape)."""
    phlo = account.phlos.get(phlo_id)
    if phlo is None:
        raise ApiFail(404, "PHLO not found")
    return dict(phlo)
