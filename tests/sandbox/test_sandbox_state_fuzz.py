"""Fuzz: a valid state's JSON, mutated (keys dropped, types swapped, items duplicated, bytes cut).

Property: load_state either raises SandboxStateError, or returns a state every reader of the
sandbox can use (the Powerpack, pool, number, application and PHLO handlers, the `show` report).
Nothing else may escape.
"""

from __future__ import annotations

import contextlib
import copy
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import Sandbox, SandboxStateError, demo_state, load_state, pools
from reconciler.sandbox import numbers as account_numbers
from reconciler.sandbox.account import Account
from reconciler.sandbox.report import describe
from reconciler.sandbox.validate import ApiFail

BASE = demo_state()
BASE["auth_token"] = "fuzz-token"
VALUES = [None, 0, -1, 1.5, True, False, "", "x", "14155550101", "US", "xml", [], {}, [1],
          {"a": 1}, [300, 5]]  # fmt: skip
MUTATION = st.tuples(
    st.integers(0, 10_000), st.sampled_from(["drop", "swap", "dup"]), st.sampled_from(VALUES)
)


def slots(doc: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) below the root."""
    if isinstance(doc, dict):
        items: list[tuple[Any, Any]] = list(doc.items())
    else:
        items = list(enumerate(doc)) if isinstance(doc, list) else []
    for key, value in items:
        yield doc, key
        yield from slots(value)


def mutate(doc: Any, mutations: list[tuple[int, str, Any]]) -> Any:
    for pick, op, value in mutations:
        places = list(slots(doc))
        if not places:
            break
        parent, key = places[pick % len(places)]
        if op == "drop":
            del parent[key]
        elif op == "swap":
            parent[key] = copy.deepcopy(value)
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        else:
            parent[key] = copy.deepcopy(parent[key])
    return doc


def answer(call: Any, *args: Any) -> None:
    """Run one handler; an API error answer is fine, any other exception is not."""
    with contextlib.suppress(ApiFail):
        call(*args)


def exercise(state: dict[str, Any]) -> None:
    """Every reader of a loaded state: handlers (reads, then writes) and the report."""
    describe(state)
    account = Account(state, state["auth_id"])
    answer(account.list_powerpacks, {})
    answer(account_numbers.list_numbers, account, {})
    for number in list(account.numbers):
        answer(account_numbers.get_number, account, number)
    answer(pools.list_applications, account, {})
    for app_id in list(account.apps):
        answer(pools.get_application, account, app_id)
    for phlo_id in list(account.phlos):
        answer(pools.get_phlo, account, phlo_id)
    entry = {"country_iso": "US", "service_type": "SMS",
             "priority": {"priority1": "longcode", "priority2": "tollfree",
                          "priority3": "shortcode"}}  # fmt: skip
    for pp in list(state["powerpacks"]):
        account.render(pp)
        pool_uuid = pp["number_pool"]["uuid"]
        for kind in (False, True):
            answer(pools.list_numbers, account, pool_uuid, {}, kind)
        answer(pools.list_shortcodes, account, pool_uuid, {})
        for member in list(pp["number_pool"]["numbers"]):
            answer(pools.find_number, account, pool_uuid, member["number"], {})
            answer(pools.remove_number, account, pool_uuid, member["number"], {"unrent": True})
        for code in list(pp["number_pool"]["shortcodes"]):
            answer(pools.find_shortcode, account, pool_uuid, code["shortcode"])
        answer(account.update_powerpack, pp["uuid"], {"number_priority": [entry]})
        answer(account.delete_powerpack, pp["uuid"], {"unrent_numbers": True})
    describe(state)


def load_or_fail(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sandbox.json"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        try:
            state = load_state(path)
        except SandboxStateError:
            try:
                Sandbox(path)
            except SandboxStateError:
                return
            raise AssertionError("load_state refused the file but Sandbox took it") from None
        Sandbox(path, rate_limit=None)
        exercise(state)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_state_loads_or_fails_cleanly(mutations: list[tuple[int, str, Any]]) -> None:
    load_or_fail(json.dumps(mutate(copy.deepcopy(BASE), mutations)))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(json.dumps(BASE))), st.binary(max_size=3))
def test_cut_or_corrupted_bytes_fail_cleanly(cut: int, junk: bytes) -> None:
    load_or_fail(json.dumps(BASE).encode()[:cut] + junk)


def test_the_unmutated_state_passes_the_exercise() -> None:
    load_or_fail(json.dumps(BASE))
