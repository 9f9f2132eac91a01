"""Request validation as docs/api.md section 10 assumes it; every failure is an ApiFail (400)."""

from __future__ import annotations

from typing import Any

from .state import COUNTRIES, SENDER_KINDS, SERVICE_TYPES

Matrix = dict[tuple[str, str], tuple[str, str, str]]


class ApiFail(Exception):
    """An API error answered as {"api_id", "error"} with `status`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad(message: str) -> ApiFail:
    """A 400 for an invalid or missing parameter."""
    return ApiFail(400, message)


def strict_bool(body: dict[str, Any], key: str) -> bool | None:
    """A JSON boolean, or None when absent; strings such as "true" are refused (Q12)."""
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, bool):
        raise bad(f"{key} must be a boolean (true or false), got {value!r}")
    return value


def loose_flag(body: dict[str, Any], key: str) -> bool:
    """rent/unrent/unrent_numbers: JSON booleans or the strings "true"/"false" SDKs send (Q12)."""
    value = body.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is None or value == "":
        return False
    raise bad(f"{key} must be true or false, got {value!r}")


def text(body: dict[str, Any], key: str) -> str | None:
    """A string parameter, or None when absent; other JSON types are refused."""
    if key not in body or body[key] is None:
        return None
    if not isinstance(body[key], str):
        raise bad(f"{key} must be a string, got {body[key]!r}")
    return body[key]


def name_param(body: dict[str, Any], required: bool) -> str | None:
    """The Powerpack name: a non-empty string (required on create)."""
    name = text(body, "name")
    if name is None and not required:
        return None
    if not name or not name.strip():
        raise bad("name is required and must be a non-empty string")
    return name


def app_link(body: dict[str, Any]) -> tuple[str, str] | None:
    """(type, id) to link, ("", "") to unlink, None when not specified (empty strings, Q10)."""
    app_type = (text(body, "application_type") or "").strip().lower()
    app_id = (text(body, "application_id") or "").strip()
    if app_id.lower() == "none":
        return ("", "")
    if not app_id and not app_type:
        return None
    if not app_type:
        raise bad("application_type is required when application_id is set (allowed: xml, phlo)")
    if app_type not in ("xml", "phlo"):
        raise bad(f"application_type must be one of xml, phlo, got {app_type!r}")
    if not app_id:
        raise bad("application_id is required when application_type is set")
    return (app_type, app_id)


def _entry(entry: Any, index: int) -> tuple[tuple[str, str], tuple[str, str, str]]:
    """One number_priority entry -> ((country, service), order)."""
    where = f"number_priority[{index}]"
    if not isinstance(entry, dict):
        raise bad(f"{where} must be an object")
    country, service = entry.get("country_iso"), entry.get("service_type")
    if country not in COUNTRIES:
        raise bad(f"{where}.country_iso must be one of {', '.join(COUNTRIES)}, got {country!r}")
    if service not in SERVICE_TYPES:
        raise bad(f"{where}.service_type must be one of SMS, MMS, got {service!r}")
    prio = entry.get("priority")
    if not isinstance(prio, dict) or set(prio) != {"priority1", "priority2", "priority3"}:
        raise bad(f"{where}.priority must have exactly priority1, priority2, priority3")
    order = (prio["priority1"], prio["priority2"], prio["priority3"])
    if sorted(map(str, order)) != sorted(SENDER_KINDS) or not all(
        isinstance(v, str) for v in order
    ):
        raise bad(f"{where}.priority must order shortcode, tollfree, longcode, got {list(order)}")
    return (country, service), order


def priority_param(body: dict[str, Any]) -> Matrix | None:
    """number_priority as a matrix; None when absent or [] (the Python SDK's "not specified")."""
    value = body.get("number_priority")
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise bad("number_priority must be a list of entries")
    matrix: Matrix = {}
    for index, entry in enumerate(value):
        key, order = _entry(entry, index)
        if key in matrix:
            raise bad(f"number_priority has {key[0]}/{key[1]} more than once")
        matrix[key] = order
    return matrix


def page(query: dict[str, str], default_limit: int = 20) -> tuple[int, int]:
    """(limit, offset) from the query: limit 1..20, offset >= 0 (Q6), else 400."""
    try:
        limit = int(query.get("limit") or default_limit)
        offset = int(query.get("offset") or 0)
    except ValueError:
        raise bad("limit and offset must be integers") from None
    if not 1 <= limit <= 20:
        raise bad("The maximum number of results that can be fetched is 20. limit must be 1..20")
    if offset < 0:
        raise bad("offset can't be negative")
    return limit, offset
