"""The sandbox account as plain JSON data: build, seed, load and write it (atomically).

The shape of a state file, and the invariants `load_state` and `build_state` enforce: check.py.
"""

from __future__ import annotations

import copy
import json
import os
import random
import string
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .check import problems
from .errors import SandboxStateError
from .vocab import COUNTRIES, NUMBER_TYPES, SENDER_KINDS, SERVICE_TYPES, TOLLFREE_PREFIXES

__all__ = ["COUNTRIES", "NUMBER_TYPES", "SENDER_KINDS", "SERVICE_TYPES", "TOLLFREE_PREFIXES"]

STATE_VERSION = 1

# docs/api.md Q2: the only matrix seen in captures; used where a create does not say otherwise.
_US_ORDER = ("shortcode", "tollfree", "longcode")
_CA_ORDER = ("shortcode", "longcode", "tollfree")
DEFAULT_MATRIX: dict[tuple[str, str], tuple[str, str, str]] = {
    ("US", "SMS"): _US_ORDER,
    ("US", "MMS"): _US_ORDER,
    ("CA", "SMS"): _CA_ORDER,
    ("CA", "MMS"): _CA_ORDER,
}

DEFAULT_SETTINGS: dict[str, Any] = {
    "priority_update": "merge",  # docs/api.md Q1: "merge" by (country, service) or "replace"
    "list_includes_priority": False,  # Q7: list objects omit number_priority
    "rate_limit": [300, 5.0],  # D-limits: 300 requests per 5 s; null turns it off
}

_EPOCH = datetime(2024, 1, 2, 9, 0, 0, tzinfo=timezone.utc)
_ALNUM = string.ascii_uppercase + string.digits
_TOKEN_CHARS = string.ascii_letters + string.digits


def iso_time(moment: datetime) -> str:
    """Plivo's created_on format: ISO 8601 UTC, microseconds, trailing Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    """The current time in Plivo's created_on format."""
    return iso_time(datetime.now(timezone.utc))


def seeded_uuid(rng: random.Random) -> str:
    """A UUID v4 drawn from `rng`, so seeded states are reproducible."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_auth_id(rng: random.Random) -> str:
    """A main-account auth id: MA + 18 upper-case letters or digits."""
    return "MA" + "".join(rng.choice(_ALNUM) for _ in range(18))


def random_token(rng: random.Random | None = None) -> str:
    """A 40-character auth token (from `rng` when seeded, else from the OS)."""
    pick = (rng or random.SystemRandom()).choice
    return "".join(pick(_TOKEN_CHARS) for _ in range(40))


def matrix_to_api(matrix: dict[tuple[str, str], tuple[str, str, str]]) -> list[dict[str, Any]]:
    """A (country, service) -> order mapping in the API's list-of-entries shape."""
    return [
        {
            "country_iso": country,
            "service_type": service,
            "priority": {f"priority{i + 1}": kind for i, kind in enumerate(order)},
        }
        for (country, service), order in matrix.items()
    ]


def default_priority() -> list[dict[str, Any]]:
    """The default number_priority (4 entries) in API shape."""
    return matrix_to_api(DEFAULT_MATRIX)


def _powerpack(spec: dict[str, Any], index: int, rng: random.Random) -> dict[str, Any]:
    """One stored Powerpack from a build_state spec entry."""
    created = _EPOCH + timedelta(seconds=index * 97, microseconds=rng.randrange(1_000_000))
    priority = spec.get("number_priority")
    return {
        "uuid": spec.get("uuid") or seeded_uuid(rng),
        "name": spec["name"],
        "sticky_sender": spec.get("sticky_sender", True),
        "local_connect": spec.get("local_connect", True),
        "application_type": (spec.get("application_type") or "").lower(),
        "application_id": spec.get("application_id") or "",
        "number_priority": copy.deepcopy(priority) if priority else default_priority(),
        "created_on": spec.get("created_on") or iso_time(created),
        "number_pool": {
            "uuid": spec.get("number_pool_uuid") or seeded_uuid(rng),
            "numbers": [_member(n, created) for n in spec.get("numbers", [])],
            "shortcodes": [_shortcode(s, created) for s in spec.get("shortcodes", [])],
        },
    }


def _member(entry: str | dict[str, Any], added: datetime) -> dict[str, Any]:
    """A pool membership record: number, service, added_on."""
    item = {"number": entry} if isinstance(entry, str) else dict(entry)
    item.setdefault("service", "sms")
    item.setdefault("added_on", iso_time(added + timedelta(seconds=1)))
    return item


def _shortcode(entry: dict[str, Any], added: datetime) -> dict[str, Any]:
    """A short code linked to a pool."""
    item = dict(entry)
    item.setdefault("country_iso2", "US")
    item.setdefault("added_on", iso_time(added + timedelta(seconds=2)))
    return item


def _application(spec: dict[str, Any]) -> dict[str, Any]:
    """An XML application record; only app_id and app_name are required."""
    app = {
        "app_id": spec["app_id"],
        "app_name": spec["app_name"],
        "answer_url": "https://example.com/answer/",
        "message_url": "https://example.com/message/",
    }
    app.update(spec)
    return app


def _phlo(spec: dict[str, Any]) -> dict[str, Any]:
    """A PHLO record: phlo_id, name, created_on (phlorunner's format)."""
    phlo = {"phlo_id": spec["phlo_id"], "name": spec["name"]}
    phlo["created_on"] = spec.get("created_on", "2024-01-01 10:00:00.000000+00:00")
    return phlo


def guess_type(number: str) -> str:
    """The type of a number nobody described: tollfree by its area code, else fixed."""
    national = number[1:] if number.startswith("1") else number
    return "tollfree" if national.startswith(TOLLFREE_PREFIXES) else "fixed"


def _rent_pool_members(state: dict[str, Any]) -> None:
    """A pool member the specs did not list among the rented numbers is rented (as US)."""
    rented = {n.get("number") for n in state["numbers"]}
    for pp in state["powerpacks"]:
        for member in pp["number_pool"]["numbers"]:
            number = member.get("number")
            if isinstance(number, str) and number not in rented:
                rented.add(number)
                state["numbers"].append(
                    {"number": number, "country_iso2": "US", "type": guess_type(number)}
                )


def build_state(
    powerpacks: list[dict[str, Any]] | None = None,
    applications: list[dict[str, Any]] | None = None,
    phlos: list[dict[str, Any]] | None = None,
    numbers: list[dict[str, Any]] | None = None,
    auth_id: str | None = None,
    auth_token: str | None = None,
    settings: dict[str, Any] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """A complete account state; ids and timestamps the specs leave out come from `seed`.

    Pool members missing from `numbers` are rented. Raises SandboxStateError when the result
    breaks an invariant of check.py (a number or short code in two pools, two US short codes in
    one pool, duplicate names...).
    """
    rng = random.Random(seed)
    state_auth = auth_id or random_auth_id(rng)
    token = auth_token or random_token(rng)
    state = {
        "version": STATE_VERSION,
        "auth_id": state_auth,
        "auth_token": token,
        "settings": {**DEFAULT_SETTINGS, **(settings or {})},
        "powerpacks": [_powerpack(p, i, rng) for i, p in enumerate(powerpacks or [])],
        "applications": [_application(a) for a in applications or []],
        "phlos": [_phlo(p) for p in phlos or []],
        "numbers": [dict(n) for n in numbers or []],
    }
    _rent_pool_members(state)
    found = problems(state)
    if found:
        raise SandboxStateError("build_state()", found, lead="invalid account")
    return state


def read_state_text(path: str | os.PathLike[str]) -> str:
    """The state file's text; SandboxStateError (never OSError) when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise SandboxStateError(path, [f"not UTF-8 text ({e.reason} at byte {e.start})"],
                                lead="") from None  # fmt: skip
    except OSError as e:
        raise SandboxStateError(path, [f"cannot read it: {e.strerror or e}"], lead="") from None


def parse_state(path: str | os.PathLike[str], text: str) -> dict[str, Any]:
    """A state document from its text, defaults filled in; SandboxStateError when unusable."""
    try:
        state = json.loads(text)
    except json.JSONDecodeError as e:
        raise SandboxStateError(path, [f"not valid JSON: {e}"], lead="") from None
    except RecursionError:
        raise SandboxStateError(path, ["not valid JSON: nested too deeply"], lead="") from None
    if isinstance(state, dict):
        if isinstance(state.get("settings", {}), dict):
            state["settings"] = {**copy.deepcopy(DEFAULT_SETTINGS), **state.get("settings", {})}
        for key in ("applications", "phlos", "numbers"):
            state.setdefault(key, [])
    found = problems(state)
    if found:
        raise SandboxStateError(path, found)
    return state


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a state file; SandboxStateError (a ValueError) names the file and why."""
    return parse_state(path, read_state_text(path))


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace `path` with `text` atomically: a reader sees the old or the new file, never a mix."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_state(state: dict[str, Any]) -> str:
    """The state file's text (compact: state files for 5,000 Powerpacks stay small and fast)."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False) + "\n"


def write_state(path: str | os.PathLike[str], state: dict[str, Any]) -> None:
    """Write a state file atomically (temporary file + os.replace)."""
    write_text_atomic(path, dump_state(state))
