"""The shape of a state file, checked as a whole before the sandbox reads any of it.

Every field the sandbox reads is checked for its JSON type and allowed values, and the account's
invariants are checked across objects: unique Powerpack uuids, names and pool uuids; a number in
at most one pool and rented by the account; a short code in one pool only, at most one US and one
CA short code per pool (docs/api.md section 2: there is no API to add a short code, so these hold
only if the state starts with them). Unknown keys are left alone. `problems(state)` returns every
problem as "where: what", so a broken file is one clear error, never a KeyError deep in a request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .vocab import COUNTRIES, NUMBER_TYPES, SENDER_KINDS, SERVICE_TYPES

MAX_PROBLEMS = 50  # enough to fix a file by; a 5,000-Powerpack file of garbage stays quick

# Optional keys of a rented number record (docs/api.md 6.1) and the JSON types each may hold.
NUMBER_FIELDS: dict[str, tuple[type, ...]] = {
    "alias": (str, type(None)),
    "added_on": (str,),
    "application": (str, type(None)),
    "carrier": (str,),
    "city": (str,),
    "cnam_lookup": (str,),
    "region": (str,),
    "sub_account": (str, type(None)),
    "monthly_rental_rate": (str,),
    "renewal_date": (str,),
    "sms_enabled": (bool,),
    "mms_enabled": (bool,),
    "voice_enabled": (bool,),
    "tendlc_campaign_id": (str, type(None)),
    "tendlc_registration_status": (str, type(None)),
    "toll_free_sms_verification": (str, type(None)),
}


_TYPE_NAMES: dict[type, str] = {bool: "a boolean", int: "a number", float: "a number",
                                str: "a string", list: "a list", dict: "an object",
                                type(None): "null"}  # fmt: skip


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Checker:
    """Collects problems; each check returns whether the value passed."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> bool:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {message}")
        return False

    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def is_type(self, value: Any, kinds: tuple[type, ...], where: str, wanted: str) -> bool:
        """`value` is one of `kinds` (a bool is never taken for a number)."""
        if isinstance(value, bool) and bool not in kinds:
            return self.fail(where, f"must be {wanted}, not {_kind(value)}")
        if not isinstance(value, kinds):
            return self.fail(where, f"must be {wanted}, not {_kind(value)}")
        return True

    def field(self, obj: dict[str, Any], key: str, where: str, check: Callable[[Any, str], bool]):
        """A required key, checked by `check(value, where)`."""
        if key not in obj:
            return self.fail(where, f"missing key {key!r}")
        return check(obj[key], f"{where}.{key}")

    def text(self, value: Any, where: str) -> bool:
        return self.is_type(value, (str,), where, "a string")

    def name(self, value: Any, where: str) -> bool:
        if not self.text(value, where):
            return False
        return bool(value.strip()) or self.fail(where, "must be a non-empty string")

    def flag(self, value: Any, where: str) -> bool:
        return self.is_type(value, (bool,), where, "a boolean (true or false)")

    def digits(self, value: Any, where: str) -> bool:
        if not self.text(value, where):
            return False
        return (value.isascii() and value.isdigit()) or self.fail(
            where, f"must be a string of digits, got {value!r}"
        )

    def one_of(self, allowed: tuple[str, ...]) -> Callable[[Any, str], bool]:
        def check(value: Any, where: str) -> bool:
            if isinstance(value, str) and value in allowed:
                return True
            shown = ", ".join(repr(a) for a in allowed)
            return self.fail(where, f"must be one of {shown}, got {value!r}")

        return check

    def items(self, value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
        """The (where, object) pairs of a list of objects; problems for what is not one."""
        if not self.is_type(value, (list,), where, "a list"):
            return []
        out = []
        for i, item in enumerate(value):
            if self.is_type(item, (dict,), f"{where}[{i}]", "an object"):
                out.append((f"{where}[{i}]", item))
        return out

    def unique(self, seen: dict[Any, str], key: Any, where: str, what: str) -> None:
        """`key` not seen before (hashable values only: wrong types were reported already)."""
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            return
        if key in seen:
            self.fail(where, f"{what} {key!r} also at {seen[key]}")
        else:
            seen[key] = where


def problems(state: Any) -> list[str]:
    """Every problem of a state document (at most MAX_PROBLEMS), [] when the sandbox can use it."""
    c = _Checker()
    if not isinstance(state, dict):
        return [f"$: a state file holds a JSON object, not {_kind(state)}"]
    c.field(state, "auth_id", "$", c.name)
    c.field(state, "auth_token", "$", c.name)
    if "version" in state and (state["version"] != 1 or isinstance(state["version"], bool)):
        c.fail("$.version", f"must be 1, got {state['version']!r}")
    _settings(c, state.get("settings", {}))
    rented = _numbers(c, state.get("numbers", []))
    _linkables(c, state.get("applications", []), "applications", "app_id", "app_name")
    _linkables(c, state.get("phlos", []), "phlos", "phlo_id", "name")
    if "powerpacks" not in state:
        c.fail("$", "missing key 'powerpacks'")
    else:
        _powerpacks(c, state["powerpacks"], rented)
    return c.problems


def _settings(c: _Checker, settings: Any) -> None:
    """priority_update, list_includes_priority, rate_limit (each optional: defaults fill in)."""
    if not c.is_type(settings, (dict,), "settings", "an object"):
        return
    if "priority_update" in settings:
        c.one_of(("merge", "replace"))(settings["priority_update"], "settings.priority_update")
    if "list_includes_priority" in settings:
        c.flag(settings["list_includes_priority"], "settings.list_includes_priority")
    if "rate_limit" in settings:
        _rate_limit(c, settings["rate_limit"], "settings.rate_limit")


def _rate_limit(c: _Checker, value: Any, where: str) -> None:
    """null (off) or [requests >= 1, seconds > 0]."""
    if value is None:
        return
    wanted = "null or [requests, seconds], e.g. [300, 5]"
    if not isinstance(value, list) or len(value) != 2:
        c.fail(where, f"must be {wanted}, got {value!r}")
        return
    count, window = value
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        c.fail(f"{where}[0]", f"must be a whole number of requests >= 1, got {count!r}")
    ok_window = isinstance(window, (int, float)) and not isinstance(window, bool)
    if not ok_window or not math.isfinite(window) or window <= 0:
        c.fail(f"{where}[1]", f"must be a number of seconds > 0, got {window!r}")


def _numbers(c: _Checker, value: Any) -> dict[str, str]:
    """The account's rented numbers; returns number -> where, for the pool checks."""
    seen: dict[Any, str] = {}
    for where, record in c.items(value, "numbers"):
        if c.field(record, "number", where, c.digits):
            c.unique(seen, record["number"], f"{where}.number", "number")
        c.field(record, "country_iso2", where, _country_code(c))
        c.field(record, "type", where, c.one_of(NUMBER_TYPES))
        for key, kinds in NUMBER_FIELDS.items():
            if key in record:
                wanted = " or ".join(_TYPE_NAMES[k] for k in kinds)
                c.is_type(record[key], kinds, f"{where}.{key}", wanted)
    return seen


def _country_code(c: _Checker) -> Callable[[Any, str], bool]:
    def check(value: Any, where: str) -> bool:
        if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isupper():
            return True
        return c.fail(where, f"must be a two-letter upper-case country code, got {value!r}")

    return check


def _linkables(c: _Checker, value: Any, key: str, id_key: str, name_key: str) -> None:
    """Applications and PHLOs: an id (unique) and a name each."""
    seen: dict[Any, str] = {}
    for where, item in c.items(value, key):
        if c.field(item, id_key, where, c.name):
            c.unique(seen, item[id_key], f"{where}.{id_key}", id_key)
        c.field(item, name_key, where, c.text)
        if key == "phlos" and "created_on" in item:
            c.text(item["created_on"], f"{where}.created_on")


class _Seen:
    """What the Powerpack checks have met so far, for the account-wide uniqueness rules."""

    def __init__(self, rented: dict[str, str]) -> None:
        self.rented = rented
        self.uuids: dict[Any, str] = {}
        self.names: dict[Any, str] = {}
        self.pools: dict[Any, str] = {}
        self.members: dict[Any, str] = {}
        self.shortcodes: dict[Any, str] = {}


def _powerpacks(c: _Checker, value: Any, rented: dict[str, str]) -> None:
    seen = _Seen(rented)
    for where, pp in c.items(value, "powerpacks"):
        if c.full():
            return
        _powerpack(c, pp, where, seen)


def _powerpack(c: _Checker, pp: dict[str, Any], where: str, seen: _Seen) -> None:
    if c.field(pp, "uuid", where, c.name):
        c.unique(seen.uuids, pp["uuid"], f"{where}.uuid", "Powerpack uuid")
    if c.field(pp, "name", where, c.name):
        c.unique(seen.names, pp["name"], f"{where}.name", "Powerpack name")
    c.field(pp, "sticky_sender", where, c.flag)
    c.field(pp, "local_connect", where, c.flag)
    c.field(pp, "created_on", where, c.text)
    kind_ok = c.field(pp, "application_type", where, c.one_of(("", "xml", "phlo")))
    id_ok = c.field(pp, "application_id", where, c.text)
    if kind_ok and id_ok and bool(pp["application_type"]) != bool(pp["application_id"]):
        c.fail(where, "application_type and application_id must be both set or both empty")
    c.field(pp, "number_priority", where, lambda v, w: _priority(c, v, w))
    c.field(pp, "number_pool", where, lambda v, w: _pool(c, v, w, seen))


def _priority(c: _Checker, value: Any, where: str) -> bool:
    """Entries {country_iso, service_type, priority{priority1..3}}, one per (country, service)."""
    keys: dict[Any, str] = {}
    for at, entry in c.items(value, where):
        country_ok = c.field(entry, "country_iso", at, c.one_of(COUNTRIES))
        service_ok = c.field(entry, "service_type", at, c.one_of(SERVICE_TYPES))
        if country_ok and service_ok:
            cell = f"{entry['country_iso']}/{entry['service_type']}"
            c.unique(keys, cell, at, "priority cell")
        c.field(entry, "priority", at, lambda v, w: _order(c, v, w))
    return True


def _order(c: _Checker, value: Any, where: str) -> bool:
    if not c.is_type(value, (dict,), where, "an object"):
        return False
    order = [value.get(f"priority{i}") for i in (1, 2, 3)]
    if set(value) != {"priority1", "priority2", "priority3"} or sorted(map(str, order)) != sorted(
        SENDER_KINDS
    ):
        return c.fail(where, f"must map priority1..3 to shortcode, tollfree, longcode once each, "
                             f"got {value!r}")  # fmt: skip
    return True


def _pool(c: _Checker, pool: Any, where: str, seen: _Seen) -> bool:
    if not c.is_type(pool, (dict,), where, "an object"):
        return False
    if c.field(pool, "uuid", where, c.name):
        c.unique(seen.pools, pool["uuid"], f"{where}.uuid", "number pool uuid")
    c.field(pool, "numbers", where, lambda v, w: _members(c, v, w, seen))
    c.field(pool, "shortcodes", where, lambda v, w: _shortcodes(c, v, w, seen))
    return True


def _members(c: _Checker, value: Any, where: str, seen: _Seen) -> bool:
    """Pool numbers: rented by the account, in one pool at most, once."""
    for at, member in c.items(value, where):
        if c.field(member, "number", at, c.digits):
            number = member["number"]
            c.unique(seen.members, number, f"{at}.number", "number")
            if number not in seen.rented:
                c.fail(f"{at}.number", f"{number} is not among the account's rented numbers")
        c.field(member, "service", at, c.one_of(("sms", "mms")))
        c.field(member, "added_on", at, c.text)
    return True


def _shortcodes(c: _Checker, value: Any, where: str, seen: _Seen) -> bool:
    """Short codes: each in one pool only; at most one US and one CA short code per pool."""
    countries: dict[Any, str] = {}
    for at, code in c.items(value, where):
        if c.field(code, "shortcode", at, c.digits):
            c.unique(seen.shortcodes, code["shortcode"], f"{at}.shortcode", "short code")
        if c.field(code, "country_iso2", at, c.one_of(COUNTRIES)):
            country = code["country_iso2"]
            if country in countries:
                c.fail(f"{at}.country_iso2", f"a pool holds at most one {country} short code "
                                             f"(another at {countries[country]})")  # fmt: skip
            else:
                countries[country] = at
        c.field(code, "added_on", at, c.text)
    return True
