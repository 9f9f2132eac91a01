"""The account's rented numbers: GET /Number/ and GET /Number/{number}/ (docs/api.md 6.1).

A state's number record holds `number`, `country_iso2` and `type` (fixed, mobile, tollfree, as
the pool lists show it); the rest of the object has defaults, which a record may override with
any key of check.NUMBER_FIELDS. The account API calls a fixed number `local`. No field of the
object says which pool holds the number: only the pools' own lists do (section 6.1).
"""

from __future__ import annotations

from typing import Any

from .account import Account
from .check import NUMBER_FIELDS
from .validate import ApiFail, bad, page

_COUNTRY_NAMES = {"US": "United States", "CA": "Canada"}
_API_TYPE = {"fixed": "local", "mobile": "mobile", "tollfree": "tollfree"}
# The `type` filter's values, onto the record's type ("fixed" as the pool lists say it).
_TYPE_FILTER = {"local": "fixed", "fixed": "fixed", "mobile": "mobile", "tollfree": "tollfree",
                "toll-free": "tollfree"}  # fmt: skip
_SERVICES = ("sms", "mms", "voice")
_ADDED_ON = "2024-01-02"  # the demo account's epoch (state.py), in the API's date format


def _defaults(account: Account, record: dict[str, Any]) -> dict[str, Any]:
    """The object's fields a record does not set (shapes: fixture number.get.json)."""
    number, tollfree = record["number"], record["type"] == "tollfree"
    country = _COUNTRY_NAMES.get(record["country_iso2"], record["country_iso2"])
    return {
        "active": True,
        "added_on": _ADDED_ON,
        "alias": None,
        "application": None,
        "carrier": "Plivo",
        "city": "",
        "cnam_lookup": "disabled",
        "compliance_application_id": None,
        "compliance_status": None,
        "country": country,
        "mms_enabled": True,
        "mms_rate": "0.00000",
        "monthly_rental_rate": "1.00000" if tollfree else "0.50000",
        "number": number,
        "region": country.upper(),
        "renewal_date": "2024-02-02",
        "resource_uri": f"/v1/Account/{account.auth_id}/Number/{number}/",
        "sms_enabled": True,
        "sms_rate": "0.00000",
        "sub_account": None,
        "tendlc_campaign_id": None,
        "tendlc_registration_status": None if tollfree else "UNREGISTERED",
        "toll_free_sms_verification": "VERIFIED" if tollfree else None,
        "voice_enabled": True,
        "voice_rate": "0.00850",
    }


def number_object(account: Account, record: dict[str, Any]) -> dict[str, Any]:
    """A rented number as the Account Phone Number API shows it."""
    out = _defaults(account, record)
    out.update({key: record[key] for key in NUMBER_FIELDS if key in record})
    out["number_type"] = out["type"] = _API_TYPE[record["type"]]
    return out


def _filters(query: dict[str, str]) -> tuple[str | None, str, list[str], str | None]:
    """(type, number_startswith, services, alias) from the query; 400 for values we can't read."""
    wanted_type = (query.get("type") or "").strip().lower() or None
    if wanted_type is not None and wanted_type not in _TYPE_FILTER:
        raise bad(f"type must be one of local, mobile, tollfree, got {query['type']!r}")
    prefix = (query.get("number_startswith") or "").strip().lstrip("+")
    if prefix and not (prefix.isascii() and prefix.isdigit()):
        raise bad(f"number_startswith must be digits, got {query['number_startswith']!r}")
    services = [s.strip().lower() for s in (query.get("services") or "").split(",") if s.strip()]
    unknown = [s for s in services if s not in _SERVICES]
    if unknown:
        raise bad(f"services must be a comma-separated list of sms, mms, voice, got {unknown}")
    alias = query.get("alias")
    return (_TYPE_FILTER[wanted_type] if wanted_type else None), prefix, services, alias


def list_numbers(account: Account, query: dict[str, str]) -> dict[str, Any]:
    """GET /Number/: the rented numbers in rental order; every service in `services` enabled."""
    limit, offset = page(query)
    wanted_type, prefix, services, alias = _filters(query)
    objects = []
    for record in account.state["numbers"]:
        if wanted_type is not None and record["type"] != wanted_type:
            continue
        if not record["number"].startswith(prefix):
            continue
        obj = number_object(account, record)
        if all(obj[f"{s}_enabled"] for s in services) and (alias is None or obj["alias"] == alias):
            objects.append(obj)
    meta = account.meta("Number", limit, offset, len(objects), None)
    return {"meta": meta, "objects": objects[offset : offset + limit]}


def get_number(account: Account, number: str) -> dict[str, Any]:
    """GET /Number/{number}/: 404 "not found" when the account does not rent it (as the SDK
    issue in docs/api.md 4.2 shows for this endpoint)."""
    record = account.numbers.get(number)
    if record is None:
        raise ApiFail(404, "not found")
    return number_object(account, record)
