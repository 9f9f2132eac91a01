"""The API's data shape, written once: API JSON -> core values, and core values -> requests.

Both directions meet in *field values*, the normalized form the planner compares and apply
verifies: `{"name": str, "sticky_sender": bool, "local_connect": bool, "application":
{"type", "id"} | None, "number_priority.US.SMS": [first, second, third]}`. `request_values` is the
inverse of `powerpack_body` (a request body read back as field values), and `live_values` reads a
parsed Powerpack the same way, so "did the answer show what was asked" is one dict comparison.
What the API writes is described in docs/api.md sections 3 to 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.core.models import (
    ApiRequest,
    LiveApplication,
    LiveMember,
    LivePowerpack,
    RentedNumber,
    Step,
)
from reconciler.core.vocab import (
    CELLS,
    DEFAULT_SERVICE,
    SCALARS,
    SENDER_TYPES,
    Matrix,
    Order,
    cell_field,
    field_cell,
    is_cell,
)
from reconciler.errors import ApiError

ACCOUNT = "/v1/Account/{auth_id}/"
POWERPACKS = ACCOUNT + "Powerpack/"
APPLICATIONS = "Application/"
POOL_PLACEHOLDER = "{pool_uuid}"  # the pool of a Powerpack created by the same apply
# A delete never gives numbers up: the tool does not unrent (docs/api.md section 4.5, Q17).
DELETE_BODY: dict[str, Any] = {"unrent_numbers": False}
REMOVE_BODY: dict[str, Any] = {"unrent": False}  # pool removals keep the number rented
_REQUIRED: dict[str, type] = {
    "uuid": str,
    "name": str,
    "sticky_sender": bool,
    "local_connect": bool,
}
_OPTIONAL_STR = ("application_type", "application_id", "number_pool", "created_on")
_KIND_OF_TYPE = {
    "fixed": "numbers",
    "mobile": "numbers",
    "local": "numbers",
    "tollfree": "tollfree",
}
# The path segment of each kind in a pool (docs/api.md section 2, rows 7-18).
POOL_RESOURCE = {"numbers": "Number", "tollfree": "Tollfree", "shortcodes": "Shortcode"}
COUNTRY_NAMES = {"united states": "US", "canada": "CA"}


# --- field values -------------------------------------------------------------------------------


def app_value(app_type: str, app_id: str) -> dict[str, str] | None:
    """The application as compared and shown: {"type", "id"} in lower case, or None (no app)."""
    return {"type": app_type.lower(), "id": app_id} if app_id else None


def live_values(lp: LivePowerpack, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """A live Powerpack's field values (all of them, or those of `keys`); a cell never read or
    absent is None."""
    wanted = list(keys) if keys is not None else ["name", *SCALARS, "application"]
    if keys is None and lp.number_priority is not None:
        wanted += [cell_field(c) for c in CELLS if c in lp.number_priority]
    values: dict[str, Any] = {}
    for key in wanted:
        if key == "application":
            values[key] = app_value(lp.application_type, lp.application_id)
        elif is_cell(key):
            order = (lp.number_priority or {}).get(field_cell(key))
            values[key] = list(order) if order is not None else None
        else:
            values[key] = getattr(lp, key)
    return values


# --- requests -----------------------------------------------------------------------------------


def powerpack_path(uuid: str | None = None) -> str:
    return POWERPACKS + (f"{uuid}/" if uuid else "")


def powerpack_body(values: Mapping[str, Any], matrix: Mapping[str, Any] | None = None) -> dict:
    """The create/update body for field values; `matrix` (cell fields) overrides the cells."""
    body: dict[str, Any] = {f: values[f] for f in ("name", *SCALARS) if f in values}
    if "application" in values:
        app = values["application"]
        body.update(
            {"application_id": "none"}
            if app is None
            else {"application_type": app["type"], "application_id": app["id"]}
        )
    cells = matrix if matrix else {k: v for k, v in values.items() if is_cell(k)}
    if cells:
        body["number_priority"] = [api_cell(field_cell(k), v) for k, v in cells.items()]
    return body


def api_cell(cell: str, order: Sequence[str]) -> dict[str, Any]:
    """One priority cell in the API's shape."""
    country, service = cell.split(".")
    return {
        "country_iso": country,
        "service_type": service,
        "priority": {f"priority{i}": order[i - 1] for i in (1, 2, 3)},
    }


def request_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """A create/update body read back as field values: the inverse of powerpack_body.

    Raises ValueError for a body powerpack_body could not have written.
    """
    values: dict[str, Any] = {}
    for key in body:
        if key not in ("name", *SCALARS, "application_type", "application_id", "number_priority"):
            raise ValueError(f"unknown key {key!r}")
    for key in ("name", *SCALARS):
        if key in body:
            values[key] = body[key]
    if "application_id" in body:
        app_id = body["application_id"]
        if app_id == "none" and "application_type" not in body:
            values["application"] = None
        elif isinstance(app_id, str) and app_id and isinstance(body.get("application_type"), str):
            values["application"] = {"type": body["application_type"], "id": app_id}
        else:
            raise ValueError("application_type and application_id do not make a link")
    elif "application_type" in body:
        raise ValueError("application_type without application_id")
    for entry in body.get("number_priority") or ():
        cell, order = _entry_cell(entry)
        values[cell_field(cell)] = list(order)
    return values


def pool_path(pool: str, kind: str, member: str | None = None) -> str:
    """`/v1/Account/{auth_id}/NumberPool/{pool}/Number/{member}/` and its kin."""
    tail = f"{member}/" if member else ""
    return f"{ACCOUNT}NumberPool/{pool}/{POOL_RESOURCE[kind]}/{tail}"


def add_request(pool: str, kind: str, number: str, service: str, step: Step) -> ApiRequest:
    """Add a rented number to a pool; never rents (`rent: false` for long codes)."""
    body: dict[str, Any] = {"rent": False, "service": service} if kind == "numbers" else {}
    return ApiRequest(method="POST", path=pool_path(pool, kind, number), body=body, step=step)


def remove_request(pool: str, kind: str, member: str, step: Step) -> ApiRequest:
    """Remove a member from a pool (unlink a short code); the account keeps it rented."""
    return ApiRequest(
        method="DELETE", path=pool_path(pool, kind, member), body=dict(REMOVE_BODY), step=step
    )


def delete_request(uuid: str) -> ApiRequest:
    return ApiRequest(
        method="DELETE", path=powerpack_path(uuid), body=dict(DELETE_BODY), step="delete"
    )


# --- parsing the API's answers, strictly --------------------------------------------------------


def _field_error(what: str, obj: Mapping[str, Any], field: str, expected: str) -> ApiError:
    ident = obj.get("uuid") or obj.get("app_id") or obj.get("number") or obj.get("name")
    where = f" {ident}" if isinstance(ident, str) else ""
    got = "missing" if field not in obj else f"got {type(obj[field]).__name__}"
    return ApiError(f"the API answered a {what}{where} whose '{field}' is not {expected} ({got})")


def _object(what: str, obj: Any) -> Mapping[str, Any]:
    if not isinstance(obj, dict):
        raise ApiError(f"the API answered a {what} that is not an object ({type(obj).__name__})")
    return obj


def parse_powerpack(obj: Any, auth_id: str | None = None) -> LivePowerpack:
    """An API Powerpack object -> LivePowerpack; anything missing or mistyped is an ApiError.

    With `auth_id`, a number_pool path naming another account is refused: a misrouted or
    hostile answer (docs/api.md section 3: `/v1/Account/{auth_id}/NumberPool/{pool_uuid}/`).
    """
    obj = _object("Powerpack", obj)
    for field, kind in _REQUIRED.items():
        if not isinstance(obj.get(field), kind):
            raise _field_error("Powerpack", obj, field, f"a {kind.__name__}")
    if not obj["uuid"] or not obj["name"]:
        raise _field_error(
            "Powerpack", obj, "uuid" if not obj["uuid"] else "name", "a non-empty string"
        )
    extra: dict[str, str] = {}
    for field in _OPTIONAL_STR:
        value = obj.get(field)
        if value is not None and not isinstance(value, str):
            raise _field_error("Powerpack", obj, field, "a string")
        extra[field] = value or ""
    app_id = "" if extra["application_id"].lower() == "none" else extra["application_id"]
    matrix = parse_priority(obj) if obj.get("number_priority") is not None else None
    # Every field was type-checked above: skip pydantic's second pass (10,000 objects at N=5,000).
    return LivePowerpack.model_construct(
        **{f: obj[f] for f in _REQUIRED},
        application_type=extra["application_type"].lower() if app_id else "",
        application_id=app_id,
        number_priority=matrix,
        pool_uuid=_pool_uuid(obj, extra["number_pool"], auth_id),
    )


def _pool_uuid(obj: Mapping[str, Any], path: str, auth_id: str | None) -> str:
    """The pool uuid of a number_pool path (segment 5, as every SDK reads it)."""
    if not path:
        return ""
    parts = path.split("/")
    if len(parts) < 7 or parts[1:3] != ["v1", "Account"] or parts[4] != "NumberPool":
        raise _field_error("Powerpack", obj, "number_pool", "a /v1/Account/.../NumberPool/ path")
    if auth_id is not None and parts[3] != auth_id:
        raise ApiError(
            f"the API answered Powerpack {obj['uuid']} whose number pool belongs to another "
            "account: a misrouted or hostile answer; refusing to plan"
        )
    return parts[5]


def parse_priority(obj: Mapping[str, Any]) -> Matrix:
    """The API's number_priority list -> {"US.SMS": (first, second, third)}."""
    entries = obj["number_priority"]
    if not isinstance(entries, list):
        raise _field_error("Powerpack", obj, "number_priority", "a list")
    matrix: Matrix = {}
    for entry in entries:
        try:
            cell, order = _entry_cell(entry)
        except ValueError as e:
            # A matrix we can't read is not planned against: its "rest as read live" would be sent.
            raise _field_error("Powerpack", obj, "number_priority", str(e)) from None
        if cell in matrix:
            raise _field_error("Powerpack", obj, "number_priority", f"a matrix with {cell} once")
        matrix[cell] = order
    return matrix


def _entry_cell(entry: Any) -> tuple[str, Order]:
    """One API priority entry -> ("US.SMS", order); ValueError saying what it should be."""
    shape = "a list of {country_iso, service_type, priority}"
    if not isinstance(entry, dict):
        raise ValueError(shape)
    country, service, prio = (
        entry.get("country_iso"),
        entry.get("service_type"),
        entry.get("priority"),
    )
    if not (isinstance(country, str) and isinstance(service, str) and isinstance(prio, dict)):
        raise ValueError(shape)
    order = [prio.get(f"priority{i}") for i in (1, 2, 3)]
    if not all(isinstance(p, str) and p for p in order):
        raise ValueError(shape)
    first, second, third = (str(p).lower() for p in order)
    if sorted((first, second, third)) != sorted(SENDER_TYPES):
        raise ValueError(f"orders of {', '.join(SENDER_TYPES)} (got {order})")
    cell = f"{country.upper()}.{service.upper()}"
    if cell not in CELLS:
        raise ValueError(f"cells of {', '.join(CELLS)} (got {cell})")
    return cell, (first, second, third)


def parse_application(obj: Any) -> LiveApplication:
    """An Application object of the API -> LiveApplication (app_id and app_name, strictly)."""
    obj = _object("Application", obj)
    for field in ("app_id", "app_name"):
        if not isinstance(obj.get(field), str):
            raise _field_error("Application", obj, field, "a string")
    if not obj["app_id"]:
        raise _field_error("Application", obj, "app_id", "a non-empty string")
    return LiveApplication(app_id=obj["app_id"], app_name=obj["app_name"])


def parse_member(obj: Any, resource: str) -> LiveMember:
    """An object of a pool's Number/, Tollfree/ or Shortcode/ list -> LiveMember."""
    obj = _object("pool member", obj)
    key = "shortcode" if resource == "shortcodes" else "number"
    value = obj.get(key)
    if not isinstance(value, str) or not value.isdigit():
        raise _field_error("pool member", obj, key, "a string of digits")
    country = obj.get("country_iso2")
    if country is not None and not isinstance(country, str):
        raise _field_error("pool member", obj, "country_iso2", "a string")
    if resource == "shortcodes":
        return LiveMember(number=value, kind="shortcodes", country=(country or "").upper())
    kind = _KIND_OF_TYPE.get(str(obj.get("type") or "fixed").lower())
    if kind is None or (resource == "tollfree" and kind != "tollfree"):
        raise _field_error("pool member", obj, "type", "fixed, mobile or tollfree")
    service = str(obj.get("service") or DEFAULT_SERVICE).lower() if kind == "numbers" else ""
    if service not in ("", "sms", "mms"):
        raise _field_error("pool member", obj, "service", "sms or mms")
    return LiveMember(number=value, kind=kind, service=service, country=(country or "").upper())  # type: ignore[arg-type]


def parse_rented(obj: Any, number: str) -> RentedNumber:
    """The account's record of a rented number -> RentedNumber (its kind and country)."""
    obj = _object("rented number", obj)
    if obj.get("number") != number:
        raise _field_error("rented number", obj, "number", f"the number {number} asked for")
    kind_text = obj.get("number_type") or obj.get("type") or "local"
    kind = _KIND_OF_TYPE.get(str(kind_text).lower().replace("-", ""))
    if kind is None:
        raise _field_error("rented number", obj, "number_type", "local, mobile or tollfree")
    country = obj.get("country_iso2") or COUNTRY_NAMES.get(str(obj.get("country") or "").lower())
    return RentedNumber(number=number, kind=kind, country=str(country or "").upper())  # type: ignore[arg-type]


def member_values(members: Iterable[LiveMember], kind: str) -> list[Any]:
    """Pool members of one kind as a plan field shows them, sorted by number: {"number",
    "service"} objects for long codes, plain strings for toll-free numbers and short codes."""
    chosen = sorted((m for m in members if m.kind == kind), key=lambda m: m.number)
    if kind == "numbers":
        return [{"number": m.number, "service": m.service or DEFAULT_SERVICE} for m in chosen]
    return [m.number for m in chosen]
