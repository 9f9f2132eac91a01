"""Client -> live state: read exactly what the plan needs, and parse the API's answers strictly."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.api.pages import Page
from reconciler.core.models import LiveApplication, LivePowerpack, LiveState, Manifest
from reconciler.core.vocab import Matrix
from reconciler.errors import ApiError

log = logging.getLogger("reconciler.ops.fetch")

POWERPACKS = "Powerpack/"
APPLICATIONS = "Application/"
_REQUIRED: dict[str, type] = {
    "uuid": str,
    "name": str,
    "sticky_sender": bool,
    "local_connect": bool,
}
SENDERS = ("shortcode", "tollfree", "longcode")
_OPTIONAL_STR = ("application_type", "application_id", "number_pool", "created_on")
_POOL_SEGMENT = 5  # /v1/Account/{auth_id}/NumberPool/{pool_uuid}/ split on "/"


def fetch_live(
    client: PlivoClient, manifest: Manifest, *, targets: Sequence[str] = ()
) -> LiveState:
    """The live account as the plan of `manifest` needs it, with the fewest calls.

    Every Powerpack comes from the list. A Powerpack is read one by one only when the manifest
    manages its number_priority (by name or renamed_from) and the list didn't carry the matrix.
    The Application list is read only when an application is named by name.
    """
    desired = [dp for name, dp in manifest.powerpacks.items() if not targets or name in targets]
    powerpacks = list_powerpacks(client)
    wanted = {n for dp in desired if dp.number_priority for n in (dp.name, dp.renamed_from) if n}
    powerpacks = _fill_priorities(client, powerpacks, wanted)
    names = sorted(
        {dp.application.name for dp in desired if dp.application and dp.application.name}
    )
    applications = fetch_applications(client, names) if names else None
    log.debug("fetch: %d Powerpacks, %s applications", len(powerpacks), _count(applications))
    return LiveState(powerpacks=tuple(powerpacks), applications=applications)


def fetch_everything(client: PlivoClient) -> LiveState:
    """Every Powerpack with its matrix, and every application: what export needs."""
    powerpacks = list_powerpacks(client)
    powerpacks = _fill_priorities(client, powerpacks, {lp.name for lp in powerpacks})
    applications = tuple(list_applications(client))
    return LiveState(powerpacks=tuple(powerpacks), applications=applications)


def list_powerpacks(client: PlivoClient) -> list[LivePowerpack]:
    """Every Powerpack of the account, as the list shows it."""
    with _located(client, POWERPACKS):
        return [parse_powerpack(o) for o in client.list_all(POWERPACKS)]


def list_applications(
    client: PlivoClient, params: dict[str, Any] | None = None, first: Page | None = None
) -> list[LiveApplication]:
    """Every application of the account (or those the filter `params` selects)."""
    with _located(client, APPLICATIONS):
        return [
            parse_application(o) for o in client.list_all(APPLICATIONS, params=params, first=first)
        ]


def fetch_powerpack(client: PlivoClient, uuid: str) -> LivePowerpack:
    """One Powerpack by uuid, with its matrix."""
    path = f"{POWERPACKS}{uuid}/"
    with _located(client, path):
        return parse_powerpack(client.request("GET", path))


@contextmanager
def _located(client: PlivoClient, path: str) -> Iterator[None]:
    """Name the call in a parse error: "GET /v1/Account/MA***/Powerpack/: the API answered..."."""
    try:
        yield
    except ApiError as e:
        if e.method:  # already located by the client
            raise
        shown = client.mask(client.full_path(path))
        raise ApiError(f"GET {shown}: {e}", method="GET", path=shown) from None


def _fill_priorities(
    client: PlivoClient, powerpacks: list[LivePowerpack], names: set[str]
) -> list[LivePowerpack]:
    """GET, concurrently, the Powerpacks named in `names` whose matrix the list didn't carry."""
    missing = [lp.uuid for lp in powerpacks if lp.name in names and lp.number_priority is None]
    if not missing:
        return powerpacks
    read = dict(zip(missing, client.map(lambda u: _with_matrix(client, u), missing), strict=True))
    return [read.get(lp.uuid, lp) for lp in powerpacks]


def _with_matrix(client: PlivoClient, uuid: str) -> LivePowerpack:
    """One Powerpack read for its matrix; an API that shows none there shows an empty one."""
    lp = fetch_powerpack(client, uuid)
    if lp.uuid != uuid:
        shown = client.mask(client.full_path(f"{POWERPACKS}{uuid}/"))
        raise ApiError(f"GET {shown}: the API answered with Powerpack {lp.uuid}")
    # Powerpacks made before the matrix existed answer without it (plivo-api.md section 3).
    return lp if lp.number_priority is not None else lp.model_copy(update={"number_priority": {}})


def fetch_applications(client: PlivoClient, names: Sequence[str]) -> tuple[LiveApplication, ...]:
    """The applications named `names` (exact match, checked here whatever the API's filter does).

    One `app_name`-filtered list per distinct name: one call each in the usual case, where the full
    list costs a page per 20 applications of the account. With several names, the first full page
    tells the account's size, and the cheaper of the two ways is taken from there.
    """
    if len(names) == 1:
        return _apps_named(client, names[0])
    first = client.first_page(APPLICATIONS)
    if (first[0] + 19) // 20 - 1 < len(names):
        apps = list_applications(client, first=first)
        return tuple(a for a in apps if a.app_name in set(names))
    found = client.map(lambda n: _apps_named(client, n), names)
    return tuple(a for group in found for a in group)


def _apps_named(client: PlivoClient, name: str) -> tuple[LiveApplication, ...]:
    apps = list_applications(client, {"app_name": name})
    return tuple(a for a in apps if a.app_name == name)


def _count(items: tuple[Any, ...] | None) -> str:
    return "no" if items is None else str(len(items))


# --- strict parsing of API objects --------------------------------------------------------------


def _field_error(what: str, obj: dict[str, Any], field: str, expected: str) -> ApiError:
    ident = obj.get("uuid") or obj.get("app_id") or obj.get("name")
    where = f" {ident}" if isinstance(ident, str) else ""
    got = "missing" if field not in obj else f"got {type(obj[field]).__name__}"
    return ApiError(f"the API answered a {what}{where} whose '{field}' is not {expected} ({got})")


def parse_powerpack(obj: dict[str, Any]) -> LivePowerpack:
    """An API Powerpack object -> LivePowerpack; anything missing or mistyped is an ApiError."""
    if not isinstance(obj, dict):
        raise ApiError(f"the API answered a Powerpack that is not an object ({type(obj).__name__})")
    for field, kind in _REQUIRED.items():
        if not isinstance(obj.get(field), kind):
            raise _field_error("Powerpack", obj, field, f"a {kind.__name__}")
    if not obj["uuid"] or not obj["name"]:
        raise _field_error(
            "Powerpack", obj, "uuid" if not obj["uuid"] else "name", "a non-empty string"
        )
    extra: dict[str, Any] = {}
    for field in _OPTIONAL_STR:
        value = obj.get(field)
        if value is not None and not isinstance(value, str):
            raise _field_error("Powerpack", obj, field, "a string")
        extra[field] = value or ""
    app_id = "" if extra["application_id"].lower() == "none" else extra["application_id"]
    extra["application_id"] = app_id
    extra["application_type"] = extra["application_type"].lower() if app_id else ""
    pool = extra.pop("number_pool").split("/")
    extra["pool_uuid"] = pool[_POOL_SEGMENT] if len(pool) > _POOL_SEGMENT else ""
    del extra["created_on"]
    matrix = parse_priority(obj) if obj.get("number_priority") is not None else None
    # Every field was type-checked above: skip pydantic's second pass (10,000 objects at N=5,000).
    required = {f: obj[f] for f in _REQUIRED}
    return LivePowerpack.model_construct(**required, **extra, number_priority=matrix)


def parse_priority(obj: dict[str, Any]) -> Matrix:
    """The API's number_priority list -> {"US.SMS": (first, second, third)}."""
    entries = obj["number_priority"]
    if not isinstance(entries, list):
        raise _field_error("Powerpack", obj, "number_priority", "a list")
    matrix: Matrix = {}
    for entry in entries:
        cell, order = _parse_cell(obj, entry)
        if cell in matrix:
            raise _field_error("Powerpack", obj, "number_priority", f"a matrix with {cell} once")
        matrix[cell] = order
    return matrix


def _parse_cell(obj: dict[str, Any], entry: Any) -> tuple[str, tuple[str, str, str]]:
    bad = _field_error(
        "Powerpack", obj, "number_priority", "a list of {country_iso, service_type, priority}"
    )
    if not isinstance(entry, dict):
        raise bad
    country, service, prio = (
        entry.get("country_iso"),
        entry.get("service_type"),
        entry.get("priority"),
    )
    if not (isinstance(country, str) and isinstance(service, str) and isinstance(prio, dict)):
        raise bad
    order = [prio.get(f"priority{i}") for i in (1, 2, 3)]
    if not all(isinstance(p, str) and p for p in order):
        raise bad
    first, second, third = (str(p).lower() for p in order)
    if sorted((first, second, third)) != sorted(SENDERS):
        # A matrix we can't read is not planned against: its "rest as read live" would be sent.
        raise _field_error(
            "Powerpack", obj, "number_priority", f"orders of {', '.join(SENDERS)} (got {order})"
        )
    return f"{country.upper()}.{service.upper()}", (first, second, third)


def parse_application(obj: dict[str, Any]) -> LiveApplication:
    """An Application object of the API -> LiveApplication (app_id and app_name, strictly)."""
    if not isinstance(obj, dict):
        raise ApiError(
            f"the API answered an Application that is not an object ({type(obj).__name__})"
        )
    for field in ("app_id", "app_name"):
        if not isinstance(obj.get(field), str):
            raise _field_error("Application", obj, field, "a string")
    if not obj["app_id"]:
        raise _field_error("Application", obj, "app_id", "a non-empty string")
    return LiveApplication(app_id=obj["app_id"], app_name=obj["app_name"])
