"""A broken state file is one SandboxStateError naming the file and the problem, never a traceback.

The table holds one broken state per row: either raw bytes, or a change to the demo state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import (
    Sandbox,
    SandboxError,
    SandboxStateError,
    build_state,
    demo_state,
    load_state,
    write_state,
)
from tests.support.cli import Run, invoke

State = dict[str, Any]


def pp(state: State, name: str) -> State:
    return next(p for p in state["powerpacks"] if p["name"] == name)


def pool(state: State, name: str) -> State:
    return pp(state, name)["number_pool"]


def setting(key: str, value: Any) -> Callable[[State], None]:
    return lambda s: s["settings"].__setitem__(key, value)


def field(name: str, key: str, value: Any) -> Callable[[State], None]:
    return lambda s: pp(s, name).__setitem__(key, value)


def drop(name: str, key: str) -> Callable[[State], None]:
    return lambda s: pp(s, name).pop(key)


def first_entry(key: str, value: Any) -> Callable[[State], None]:
    return lambda s: pp(s, "support")["number_priority"][0].__setitem__(key, value)


def member(name: str, index: int, key: str, value: Any) -> Callable[[State], None]:
    return lambda s: pool(s, name)["numbers"][index].__setitem__(key, value)


def rented(index: int, key: str, value: Any) -> Callable[[State], None]:
    return lambda s: s["numbers"][index].__setitem__(key, value)


def twice(get: Callable[[State], list[Any]], index: int = 0) -> Callable[[State], None]:
    """Append a copy of an item of a list to that list (a duplicate)."""
    return lambda s: get(s).append(json.loads(json.dumps(get(s)[index])))


def move_to(name: str, what: str, item: Any) -> Callable[[State], None]:
    return lambda s: pool(s, name)[what].append(item)


def second_us_shortcode(s: State) -> None:
    pool(s, "marketing-us")["shortcodes"].append(
        {"shortcode": "444999", "country_iso2": "US", "added_on": "2024-01-02T09:00:00.000000Z"}
    )


NULL_SLOT = {"priority1": "shortcode", "priority2": "tollfree", "priority3": None}

RAW: dict[str, tuple[bytes, str]] = {
    "not JSON": (b"{nope", "not valid JSON"),
    "empty file": (b"", "not valid JSON"),
    "not UTF-8": (b'{"auth_id": "\xff\xfe"}', "not UTF-8"),
    "a JSON array": (b"[]", "a JSON object, not a list"),
    "a JSON string": (b'"state"', "a JSON object, not a string"),
    "nested too deeply": (b"[" * 100_000, "nested too deeply"),
    "NaN in rate_limit": (
        b'{"auth_id": "MA", "auth_token": "t", "powerpacks": [], '
        b'"settings": {"rate_limit": [300, NaN]}}',
        "settings.rate_limit[1]",
    ),
}

CHANGES: dict[str, tuple[Callable[[State], None], str]] = {
    "powerpacks is a string": (lambda s: s.update(powerpacks="bad"), "powerpacks: must be a list"),
    "powerpacks missing": (lambda s: s.pop("powerpacks"), "missing key 'powerpacks'"),
    "a Powerpack is a number": (lambda s: s["powerpacks"].append(1), "must be an object"),
    "Powerpack without uuid": (drop("support", "uuid"), "missing key 'uuid'"),
    "Powerpack without created_on": (drop("support", "created_on"), "missing key 'created_on'"),
    "uuid is a number": (field("support", "uuid", 7), ".uuid: must be a string"),
    "name is a number": (field("support", "name", 5), ".name: must be a string"),
    "name is empty": (field("support", "name", " "), ".name: must be a non-empty string"),
    "sticky_sender a string": (field("support", "sticky_sender", "yes"), ".sticky_sender: must"),
    "local_connect null": (field("support", "local_connect", None), "a boolean (true or false)"),
    "application_type unknown": (field("support", "application_type", "sms"), "one of ''"),
    "application_type upper case": (field("support", "application_type", "PHLO"), "'phlo'"),
    "application_id a number": (field("support", "application_id", 3), ".application_id: must"),
    "type without id": (field("support", "application_id", ""), "both set or both empty"),
    "number_priority a string": (field("support", "number_priority", "x"), "must be a list"),
    "priority entry a list": (field("support", "number_priority", [[]]), "[0]: must be an obj"),
    "priority country MX": (first_entry("country_iso", "MX"), ".country_iso: must be one of"),
    "priority service lower": (first_entry("service_type", "sms"), ".service_type: must be"),
    "priority not an order": (first_entry("priority", {"priority1": "shortcode"}), "once each"),
    "priority slot null": (first_entry("priority", NULL_SLOT), "once each"),
    "priority cell twice": (twice(lambda s: pp(s, "support")["number_priority"]), "also at"),
    "number_pool missing": (drop("support", "number_pool"), "missing key 'number_pool'"),
    "number_pool a string": (field("support", "number_pool", "/v1/x/"), "must be an object"),
    "pool numbers a dict": (lambda s: pool(s, "support").update(numbers={}), "must be a list"),
    "pool without uuid": (lambda s: pool(s, "support").pop("uuid"), "missing key 'uuid'"),
    "member number an int": (member("support", 0, "number", 16045550104), "a string"),
    "member number with +": (member("support", 0, "number", "+16045550104"), "digits"),
    "member service fax": (member("support", 0, "service", "fax"), "'sms', 'mms'"),
    "member without added_on": (
        lambda s: pool(s, "support")["numbers"][0].pop("added_on"),
        "missing key 'added_on'",
    ),
    "member not rented": (member("support", 0, "number", "19995550000"), "not among the account"),
    "number in two pools": (
        move_to("support", "numbers", {"number": "13125550110", "service": "sms", "added_on": "x"}),
        "number '13125550110' also at",
    ),
    "number twice in a pool": (twice(lambda s: pool(s, "support")["numbers"]), "also at"),
    "short code in two pools": (
        move_to(
            "support", "shortcodes", {"shortcode": "444111", "country_iso2": "CA", "added_on": "x"}
        ),
        "short code '444111' also at",
    ),
    "two US short codes in a pool": (second_us_shortcode, "at most one US short code"),
    "short code country MX": (
        lambda s: pool(s, "marketing-us")["shortcodes"][0].update(country_iso2="MX"),
        "one of",
    ),
    "short code a number": (
        lambda s: pool(s, "marketing-us")["shortcodes"][0].update(shortcode=444111),
        "a string",
    ),
    "shortcodes null": (lambda s: pool(s, "support").update(shortcodes=None), "must be a list"),
    "duplicate Powerpack uuid": (
        lambda s: pp(s, "support").update(uuid=pp(s, "alerts-old")["uuid"]),
        "Powerpack uuid",
    ),
    "duplicate Powerpack name": (field("support", "name", "alerts-old"), "Powerpack name"),
    "duplicate pool uuid": (
        lambda s: pool(s, "support").update(uuid=pool(s, "alerts-old")["uuid"]),
        "pool uuid",
    ),
    "applications a string": (lambda s: s.update(applications="x"), "applications: must be a"),
    "application without app_id": (lambda s: s["applications"][0].pop("app_id"), "'app_id'"),
    "application name null": (lambda s: s["applications"][0].update(app_name=None), "app_name"),
    "duplicate app_id": (twice(lambda s: s["applications"]), "app_id '20468599130939380'"),
    "phlo without name": (lambda s: s["phlos"][0].pop("name"), "missing key 'name'"),
    "duplicate phlo_id": (twice(lambda s: s["phlos"]), "phlo_id"),
    "numbers an object": (lambda s: s.update(numbers={}), "numbers: must be a list"),
    "rented type local": (rented(0, "type", "local"), "'fixed', 'mobile', 'tollfree'"),
    "rented country usa": (rented(0, "country_iso2", "usa"), "two-letter"),
    "rented without type": (lambda s: s["numbers"][0].pop("type"), "missing key 'type'"),
    "rented sms_enabled a string": (rented(0, "sms_enabled", "yes"), "sms_enabled: must be a b"),
    "rented alias a number": (rented(0, "alias", 1), "alias: must be a string or null"),
    "rented twice": (twice(lambda s: s["numbers"]), "number '14155550101' also at"),
    "settings a string": (lambda s: s.update(settings="x"), "settings: must be an object"),
    "rate_limit a string": (setting("rate_limit", "300/5"), "null or [requests, seconds]"),
    "rate_limit zero requests": (setting("rate_limit", [0, 5]), "rate_limit[0]"),
    "rate_limit true requests": (setting("rate_limit", [True, 5]), "rate_limit[0]"),
    "rate_limit negative window": (setting("rate_limit", [300, -1]), "rate_limit[1]"),
    "rate_limit three items": (setting("rate_limit", [1, 2, 3]), "[requests, seconds]"),
    "priority_update unknown": (setting("priority_update", "merge-ish"), "'merge', 'replace'"),
    "list_includes_priority a string": (setting("list_includes_priority", "no"), "a boolean"),
    "auth_id missing": (lambda s: s.pop("auth_id"), "missing key 'auth_id'"),
    "auth_token a number": (lambda s: s.update(auth_token=5), "auth_token: must be a string"),
    "version 2": (lambda s: s.update(version=2), "version: must be 1"),
}


def broken_file(tmp_path: Path, case: str) -> tuple[Path, str]:
    """Write the broken state of a table row; return its path and the expected message part."""
    path = tmp_path / "sandbox.json"
    if case == "a directory":
        path.mkdir()
        return path, "cannot read it"
    if case in RAW:
        data, expected = RAW[case]
        path.write_bytes(data)
        return path, expected
    change, expected = CHANGES[case]
    state = demo_state()
    change(state)
    path.write_text(json.dumps(state))
    return path, expected


CASES = ["a directory", *RAW, *CHANGES]


@pytest.mark.parametrize("case", CASES)
def test_broken_state_is_one_clear_error(tmp_path: Path, case: str) -> None:
    path, expected = broken_file(tmp_path, case)
    with pytest.raises(SandboxStateError) as caught:
        load_state(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "\n" not in message and caught.value.problems
    with pytest.raises(SandboxStateError):
        Sandbox(path)


def test_state_error_is_a_value_error_and_a_sandbox_error(tmp_path: Path) -> None:
    path, _ = broken_file(tmp_path, "not JSON")
    with pytest.raises(ValueError):
        load_state(path)
    with pytest.raises(SandboxError):
        load_state(path)


def test_every_problem_is_listed_and_the_message_counts_them(tmp_path: Path) -> None:
    state = demo_state()
    pp(state, "support")["sticky_sender"] = "yes"
    pp(state, "alerts-old")["local_connect"] = "no"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(state))
    with pytest.raises(SandboxStateError) as caught:
        load_state(path)
    assert len(caught.value.problems) == 2 and str(caught.value).endswith("(and 1 more problem)")


def test_missing_optional_parts_take_their_defaults(tmp_path: Path) -> None:
    state = {"auth_id": "MA" + "Z" * 18, "auth_token": "t", "powerpacks": []}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(state))
    loaded = load_state(path)
    assert loaded["settings"]["priority_update"] == "merge" and loaded["numbers"] == []


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ([{"name": "a", "shortcodes": [{"shortcode": "1"}]},
          {"name": "b", "shortcodes": [{"shortcode": "1", "country_iso2": "CA"}]}],
         "short code '1' also at"),
        ([{"name": "a", "shortcodes": [{"shortcode": "1"}, {"shortcode": "2"}]}],
         "at most one US short code"),
        ([{"name": "a", "numbers": ["14155550100"]}, {"name": "b", "numbers": ["14155550100"]}],
         "number '14155550100' also at"),
        ([{"name": "a"}, {"name": "a"}], "Powerpack name 'a' also at"),
    ],
)  # fmt: skip
def test_build_state_enforces_the_same_rules(specs: list[State], expected: str) -> None:
    with pytest.raises(SandboxStateError, match=expected.replace("(", r"\(")):
        build_state(powerpacks=specs)


def test_build_state_allows_one_us_and_one_ca_short_code_and_rents_members() -> None:
    codes = [{"shortcode": "1"}, {"shortcode": "2", "country_iso2": "CA"}]
    state = build_state(powerpacks=[{"name": "a", "shortcodes": codes,
                                     "numbers": ["14155550100", "18005550100"]}])  # fmt: skip
    kinds = {n["number"]: n["type"] for n in state["numbers"]}
    assert kinds == {"14155550100": "fixed", "18005550100": "tollfree"}


# --- the CLI: one `Error: ...` line, exit 1 ------------------------------------------------------

CLI_CASES = ["a directory", "not JSON", "not UTF-8", "a JSON array", "powerpacks is a string",
             "Powerpack without uuid", "number in two pools", "rate_limit a string"]  # fmt: skip


def powerpacks(*args: str) -> Run:
    """The CLI in this process (tests/sandbox/test_sandbox_cli.py runs `sandbox` for real)."""
    return invoke(Path.cwd(), dict(os.environ), *args, timeout=60)


def assert_one_error_line(result: Run, path: Path) -> None:
    assert result.code == 1, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert str(path) in lines[0] and "Traceback" not in result.err
    assert result.out == ""


@pytest.mark.parametrize("command", ["show", "serve"])
@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_prints_one_error_line(tmp_path: Path, case: str, command: str) -> None:
    path, expected = broken_file(tmp_path, case)
    port = ["--port", "0"] if command == "serve" else []
    result = powerpacks("sandbox", command, "--state", str(path), *port)
    assert_one_error_line(result, path)
    assert expected in result.err


def test_cli_reset_repairs_a_broken_file_but_not_a_directory(tmp_path: Path) -> None:
    path, _ = broken_file(tmp_path, "not JSON")
    assert powerpacks("sandbox", "reset", "--state", str(path)).code == 0
    assert load_state(path)["powerpacks"]
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_one_error_line(powerpacks("sandbox", "reset", "--state", str(folder)), folder)


def test_cli_reset_under_a_file_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = blocker / "sandbox.json"
    assert_one_error_line(powerpacks("sandbox", "reset", "--state", str(path)), path)


def test_a_valid_state_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    write_state(path, demo_state())
    assert len(load_state(path)["powerpacks"]) == 4
