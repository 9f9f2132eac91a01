"""The scenario table of issue 4: each row runs the CLI against the sandbox and checks exit code,
output, the final sandbox state and the exact writes in the request journal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from reconciler.core.models import canonical_json
from tests.support.accounts import api_matrix, matrix_of, pp
from tests.support.world import Env

PHLO = "e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11"
MARKETING = "20468599130939380"
SUPPORT_IVR = "33660394121755210"
DEFAULT_US = ["shortcode", "tollfree", "longcode"]
DEFAULT_CA = ["shortcode", "longcode", "tollfree"]


def prio(country: str, service: str, order: list[str]) -> dict[str, Any]:
    return {
        "country_iso": country,
        "service_type": service,
        "priority": {"priority1": order[0], "priority2": order[1], "priority3": order[2]},
    }


def full_matrix(**cells: list[str]) -> list[dict[str, Any]]:
    """The four cells in the order the planner sends them, with overrides like US_SMS=[...]."""
    out = []
    for country, default in (("US", DEFAULT_US), ("CA", DEFAULT_CA)):
        for service in ("SMS", "MMS"):
            out.append(prio(country, service, cells.get(f"{country}_{service}", default)))
    return out


@dataclass
class Scenario:
    id: str
    live: list[dict[str, Any]]
    manifest: str
    args: list[str]
    code: int
    # Expected writes: (method, "create" | name of the live Powerpack, body); body compared exactly,
    # with number_priority compared as a map.
    writes: list[tuple[str, str, dict[str, Any]]]
    out: list[str] = field(default_factory=list)  # substrings of stdout
    err: list[str] = field(default_factory=list)  # substrings of stderr
    check: Callable[[dict[str, dict[str, Any]]], None] | None = None
    options: dict[str, Any] = field(default_factory=dict)  # Sandbox(...) options


APPLY = ["apply", "--auto-approve"]
M_HEAD = "version: 1\npowerpacks:\n"


def _state(name: str, **expect: Any) -> Callable[[dict[str, dict[str, Any]]], None]:
    def check(live: dict[str, dict[str, Any]]) -> None:
        assert name in live, f"{name} missing from {sorted(live)}"
        for key, value in expect.items():
            if key == "cells":
                got = matrix_of(live[name])
                for cell, order in value.items():
                    assert got[cell] == tuple(order), (cell, got)
            elif key == "application_type":  # the API answers upper case; state may keep either
                assert live[name][key].upper() == value, (key, live[name][key], value)
            else:
                assert live[name][key] == value, (key, live[name][key], value)

    return check


SCENARIOS = [
    Scenario(
        "no-change",
        [pp("a", sticky_sender=False)],
        M_HEAD + "  a: {sticky_sender: false}\n",
        ["plan", "--detailed-exitcode"],
        0,
        [],
        out=["No changes."],
    ),
    Scenario(
        "no-change-apply",
        [pp("a")],
        M_HEAD + "  a: {sticky_sender: true, local_connect: true}\n",
        APPLY,
        0,
        [],
        out=["No changes."],
    ),
    Scenario(
        "create",
        [],
        M_HEAD + "  fresh: {local_connect: false}\n",
        APPLY,
        0,
        [("POST", "create", {"name": "fresh", "local_connect": False})],
        out=["+", "fresh", "Plan: 1 to create, 0 to update, 0 to delete."],
        check=_state("fresh", local_connect=False, sticky_sender=True),
    ),
    Scenario(
        "update-sticky",
        [pp("a")],
        M_HEAD + "  a: {sticky_sender: false}\n",
        APPLY,
        0,
        [("POST", "a", {"sticky_sender": False})],
        out=["~", "sticky_sender", "Plan: 0 to create, 1 to update, 0 to delete."],
        check=_state("a", sticky_sender=False, local_connect=True),
    ),
    Scenario(
        "update-local-connect",
        [pp("a")],
        M_HEAD + "  a: {local_connect: false}\n",
        APPLY,
        0,
        [("POST", "a", {"local_connect": False})],
        check=_state("a", local_connect=False),
    ),
    Scenario(
        "update-one-cell",
        [pp("a")],
        M_HEAD + "  a:\n    number_priority:\n      CA: {MMS: [tollfree, longcode, shortcode]}\n",
        APPLY,
        0,
        [
            (
                "POST",
                "a",
                {"number_priority": full_matrix(CA_MMS=["tollfree", "longcode", "shortcode"])},
            )
        ],
        out=["number_priority"],
        check=_state(
            "a", cells={"CA.MMS": ["tollfree", "longcode", "shortcode"], "US.SMS": DEFAULT_US}
        ),
    ),
    Scenario(
        "link-app-by-id",
        [pp("a")],
        M_HEAD + f"  a:\n    application: {{type: xml, id: '{MARKETING}'}}\n",
        APPLY,
        0,
        [("POST", "a", {"application_type": "xml", "application_id": MARKETING})],
        check=_state("a", application_id=MARKETING, application_type="XML"),
    ),
    Scenario(
        "link-app-by-name",
        [pp("a")],
        M_HEAD + "  a:\n    application: {type: xml, name: Marketing replies}\n",
        APPLY,
        0,
        [("POST", "a", {"application_type": "xml", "application_id": MARKETING})],
        check=_state("a", application_id=MARKETING),
    ),
    Scenario(
        "link-phlo-by-id",
        [pp("a")],
        M_HEAD + f"  a:\n    application: {{type: phlo, id: '{PHLO}'}}\n",
        APPLY,
        0,
        [("POST", "a", {"application_type": "phlo", "application_id": PHLO})],
        check=_state("a", application_id=PHLO, application_type="PHLO"),
    ),
    Scenario(
        "unlink-app",
        [pp("a", application_type="XML", application_id=SUPPORT_IVR)],
        M_HEAD + "  a: {application: none}\n",
        APPLY,
        0,
        [("POST", "a", {"application_id": "none"})],
        check=_state("a", application_id="", application_type=""),
    ),
    Scenario(
        "relink-app-by-name",
        [pp("a", application_type="XML", application_id=SUPPORT_IVR)],
        M_HEAD + "  a:\n    application: {type: xml, name: Marketing replies}\n",
        APPLY,
        0,
        [("POST", "a", {"application_type": "xml", "application_id": MARKETING})],
        check=_state("a", application_id=MARKETING),
    ),
    Scenario(
        "relink-app-by-id-no-diff-on-case",
        [pp("a", application_type="XML", application_id=MARKETING)],
        M_HEAD + f"  a:\n    application: {{type: xml, id: '{MARKETING}'}}\n",
        ["plan", "--detailed-exitcode"],
        0,
        [],
        out=["No changes."],
    ),
    Scenario(
        "ambiguous-app-name",
        [pp("a")],
        M_HEAD + "  a:\n    application: {type: xml, name: Twin}\n",
        APPLY,
        1,
        [],
        err=["Twin"],
    ),
    Scenario(
        "rename",
        [pp("old", sticky_sender=True)],
        M_HEAD + "  new:\n    renamed_from: old\n    sticky_sender: false\n",
        APPLY,
        0,
        [("POST", "old", {"name": "new", "sticky_sender": False})],
        check=_state("new", sticky_sender=False),
    ),
    Scenario(
        "not-managed-left-alone",
        [pp("a"), pp("other", sticky_sender=False)],
        M_HEAD + "  a: {sticky_sender: false}\n",
        APPLY,
        0,
        [("POST", "a", {"sticky_sender": False})],
        check=_state("other", sticky_sender=False),
    ),
    Scenario(
        "prune-refused-without-allow-delete",
        [pp("a"), pp("gone")],
        "version: 1\nprune: true\npowerpacks:\n  a: {sticky_sender: false}\n",
        APPLY,
        1,
        [],
        err=["--allow-delete"],
        check=_state("gone"),
    ),
    Scenario(
        "prune-with-allow-delete",
        [pp("a"), pp("gone")],
        "version: 1\nprune: true\npowerpacks:\n  a: {}\n",
        [*APPLY, "--allow-delete"],
        0,
        [("DELETE", "gone", {"unrent_numbers": False})],
        out=["-", "gone", "Plan: 0 to create, 0 to update, 1 to delete."],
        check=lambda live: (_state("a")(live), None)[1] if "gone" not in live else pytest.fail(),
    ),
    Scenario(
        "dry-run-sends-nothing",
        [pp("a")],
        M_HEAD + "  a: {sticky_sender: false}\n  b: {}\n",
        ["apply", "--dry-run"],
        0,
        [],
        out=["POST /v1/Account/", '{"sticky_sender":false}', '{"name":"b"}'],
        check=_state("a", sticky_sender=True),
    ),
    Scenario(
        "no-terminal-no-auto-approve-refuses",
        [pp("a")],
        M_HEAD + "  a: {sticky_sender: false}\n",
        ["apply"],
        1,
        [],
        err=["--auto-approve"],
        check=_state("a", sticky_sender=True),
    ),
    Scenario(
        "replace-mode-keeps-unmanaged-cells",
        [pp("a", number_priority=api_matrix({"US.MMS": ("longcode", "tollfree", "shortcode")}))],
        M_HEAD + "  a:\n    number_priority:\n      US: {SMS: [longcode, shortcode, tollfree]}\n",
        APPLY,
        0,
        [
            (
                "POST",
                "a",
                {
                    "number_priority": full_matrix(
                        US_SMS=["longcode", "shortcode", "tollfree"],
                        US_MMS=["longcode", "tollfree", "shortcode"],
                    )
                },
            )
        ],
        check=_state(
            "a",
            cells={
                "US.SMS": ["longcode", "shortcode", "tollfree"],
                "US.MMS": ["longcode", "tollfree", "shortcode"],
                "CA.SMS": DEFAULT_CA,
                "CA.MMS": DEFAULT_CA,
            },
        ),
        options={"priority_update": "replace"},
    ),
    Scenario(
        "merge-mode-keeps-unmanaged-cells",
        [pp("a", number_priority=api_matrix({"CA.SMS": ("longcode", "tollfree", "shortcode")}))],
        M_HEAD + "  a:\n    number_priority:\n      US: {SMS: [longcode, shortcode, tollfree]}\n",
        APPLY,
        0,
        [
            (
                "POST",
                "a",
                {
                    "number_priority": full_matrix(
                        US_SMS=["longcode", "shortcode", "tollfree"],
                        CA_SMS=["longcode", "tollfree", "shortcode"],
                    )
                },
            )
        ],
        check=_state(
            "a",
            cells={
                "US.SMS": ["longcode", "shortcode", "tollfree"],
                "CA.SMS": ["longcode", "tollfree", "shortcode"],
            },
        ),
        options={"priority_update": "merge"},
    ),
    Scenario(
        "list-carries-priority-no-gets",
        [pp("a")],
        M_HEAD + "  a:\n    number_priority:\n      US: {SMS: [longcode, shortcode, tollfree]}\n",
        APPLY,
        0,
        [
            (
                "POST",
                "a",
                {"number_priority": full_matrix(US_SMS=["longcode", "shortcode", "tollfree"])},
            )
        ],
        options={"list_includes_priority": True},
    ),
    Scenario(
        "429-storm-converges",
        [pp(f"p{i}") for i in range(5)],
        M_HEAD + "".join(f"  p{i}: {{sticky_sender: false}}\n" for i in range(5)),
        APPLY,
        0,
        [("POST", f"p{i}", {"sticky_sender": False}) for i in range(5)],
        check=lambda live: [_state(f"p{i}", sticky_sender=False)(live) for i in range(5)] and None,
        options={"faults": ("429:0.5",), "seed": 3},
    ),
]


def normalize_body(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    if isinstance(out.get("number_priority"), list):
        out["number_priority"] = matrix_of(out)
    return out


def expected_path_suffix(target: str, uuids: dict[str, str]) -> str:
    return "/Powerpack/" if target == "create" else f"/Powerpack/{uuids[target]}/"


def journal_writes(env: Env) -> list[tuple[str, str, str]]:
    """Successful writes as (method, path after the account, canonical body)."""
    prefix = f"/v1/Account/{env.sb.auth_id}"
    return [
        (
            w["method"],
            w["path"].removeprefix(prefix),
            canonical_json(normalize_body(w["body"] or {})),
        )
        for w in env.writes()
        if w["status"] < 300
    ]


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(world: Any, s: Scenario) -> None:
    env: Env = world(s.live, **s.options)
    uuids = {name: p["uuid"] for name, p in env.live().items()}
    env.write_manifest(s.manifest)
    env.sb.clear_journal()

    result = env.invoke(*s.args)

    assert result.code == s.code, (result.out, result.err)
    assert "Traceback" not in result.err
    assert env.sb.auth_token not in result.out + result.err
    for text in s.out:
        assert text in result.out, (text, result.out)
    for text in s.err:
        assert text in result.err, (text, result.err)
    # 429s are answered before anything is applied: count only the writes that went through.
    assert sorted(journal_writes(env)) == sorted(
        (method, expected_path_suffix(target, uuids), canonical_json(normalize_body(body)))
        for method, target, body in s.writes
    )
    if s.check:
        s.check(env.live())
    if s.code == 0 and s.args[0] == "apply" and "--dry-run" not in s.args:
        env.sb.clear_journal()
        again = env.invoke("plan", "--detailed-exitcode")
        assert again.code == 0, (again.out, again.err)
        assert "No changes." in again.out
