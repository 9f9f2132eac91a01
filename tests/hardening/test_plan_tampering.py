"""Class 1: a saved plan is data, not a program.

`apply --plan` parses the file strictly and rebuilds every request from the change's typed
content: a file whose requests say anything else, whose action and requests disagree, or whose
change lacks what its action needs is refused whole (exit 1, no write in the sandbox journal).
Each case below is a different way to make a plan do what its content doesn't say; the real
plans are made with `plan --out` (and, for pool members, by the CLI's planning code) against the
sandbox they are applied to.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.models import fingerprint
from tests.support.plans import (
    LIVE,
    POOL_LIVE,
    POOL_RENTED,
    change,
    pool_plan,
    rebuilt,
    refused_without_writes,
    saved_plan,
    write_doc,
)
from tests.support.world import World, world_at

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def main_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Doc]]:
    """A sandbox and a real saved plan of it: 3 updates (one a rename), 1 create, 2 deletes."""
    w = world_at(tmp_path_factory.mktemp("tamper-main"), LIVE)
    doc = saved_plan(w)
    yield w, doc
    w.sb.stop()


@pytest.fixture(scope="module")
def pool_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Doc]]:
    """A sandbox with pools and a real saved plan of member changes: an add, a move, a service
    change and a removal."""
    w = world_at(tmp_path_factory.mktemp("tamper-pools"), POOL_LIVE, POOL_RENTED)
    doc = pool_plan(w)
    yield w, doc
    w.sb.stop()


def other_uuid(doc: Doc, name: str) -> str:
    return next(c["uuid"] for c in doc["changes"] if c["uuid"] and c["name"] != name)


# --- tamperings of the plan with every action ------------------------------------------------


def _update_to_unrenting_delete(d: Doc) -> None:
    c = change(d, "update", "m-01")
    c["action"] = "delete"
    c["requests"] = [
        {
            "method": "DELETE",
            "path": c["requests"][0]["path"],
            "body": {"unrent_numbers": True},
            "step": "delete",
        }
    ]


def _update_to_delete_keeping_fields(d: Doc) -> None:
    c = change(d, "update", "m-01")
    c["action"] = "delete"
    c["requests"] = [
        {
            "method": "DELETE",
            "path": c["requests"][0]["path"],
            "body": {"unrent_numbers": False},
            "step": "delete",
        }
    ]
    d["summary"]["update"] -= 1
    d["summary"]["delete"] += 1


def _update_request_made_delete(d: Doc) -> None:
    req = change(d, "update", "m-01")["requests"][0]
    req.update(method="DELETE", body={"unrent_numbers": False}, step="delete")


def _body_relinks_app(d: Doc) -> None:
    change(d, "update", "m-01")["requests"][0]["body"]["application_id"] = "20468599130939380"


def _body_relinks_app_with_type(d: Doc) -> None:
    body = change(d, "update", "m-01")["requests"][0]["body"]
    body.update(application_type="xml", application_id="20468599130939380")


def _create_body_extra(d: Doc) -> None:
    change(d, "create")["requests"][0]["body"]["sticky_sender"] = False


def _path_other_uuid(d: Doc) -> None:
    c = change(d, "update", "m-01")
    c["requests"][0]["path"] = c["requests"][0]["path"].replace(c["uuid"], other_uuid(d, "m-01"))


def _path_other_account(d: Doc) -> None:
    req = change(d, "update", "m-01")["requests"][0]
    req["path"] = req["path"].replace("{auth_id}", "MAOTHERACCOUNT0000000")


def _path_traversal(d: Doc) -> None:
    req = change(d, "update", "m-01")["requests"][0]
    req["path"] = req["path"] + "../../Number/14155550100/"


def _extra_unrent_request(d: Doc) -> None:
    change(d, "update", "m-01")["requests"].append(
        {
            "method": "DELETE",
            "path": "/v1/Account/{auth_id}/Number/14155550100/",
            "body": {},
            "step": "remove",
        }
    )


def _extra_pool_removal(d: Doc) -> None:
    change(d, "update", "m-01")["requests"].append(
        {
            "method": "DELETE",
            "body": {"unrent": True},
            "step": "remove",
            "path": "/v1/Account/{auth_id}/NumberPool/abc/Number/14155550100/",
        }
    )


def _create_posts_to_existing(d: Doc) -> None:
    c = change(d, "create")
    c["requests"][0]["path"] += f"{other_uuid(d, c['name'])}/"


def _create_with_uuid(d: Doc) -> None:
    c = change(d, "create")
    c["uuid"] = other_uuid(d, c["name"])
    c["requests"][0]["path"] += f"{c['uuid']}/"


def _update_uuid_null(d: Doc) -> None:
    change(d, "update", "m-01")["uuid"] = None


def _delete_uuid_null(d: Doc) -> None:
    change(d, "delete")["uuid"] = None


def _delete_body(body: Any) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        change(d, "delete")["requests"][0]["body"] = body

    return edit


def _delete_twice(d: Doc) -> None:
    c = change(d, "delete")
    c["requests"].append(copy.deepcopy(c["requests"][0]))


def _delete_path_other(d: Doc) -> None:
    c = change(d, "delete")
    c["requests"][0]["path"] = c["requests"][0]["path"].replace(c["uuid"], other_uuid(d, c["name"]))


def _delete_with_field(d: Doc) -> None:
    change(d, "delete")["fields"] = [{"field": "sticky_sender", "before": True, "after": False}]


def _delete_without_base(d: Doc) -> None:
    c = change(d, "delete")
    c["base"] = c["base_state"] = None


def _update_no_requests(d: Doc) -> None:
    change(d, "update", "m-01")["requests"] = []


def _swap_requests_between_changes(d: Doc) -> None:
    a, b = change(d, "update", "m-00"), change(d, "update", "m-01")
    a["requests"], b["requests"] = b["requests"], a["requests"]


def _tampered_base(d: Doc) -> None:
    change(d, "update", "m-01")["base"] = "0" * 64


def _tampered_base_state(d: Doc) -> None:
    change(d, "update", "m-01")["base_state"]["local_connect"] = False


def _base_state_refingerprinted(d: Doc) -> None:
    """A consistent base and base_state that are not the account: stale, refused."""
    c = change(d, "update", "m-01")
    c["base_state"]["sticky_sender"] = False
    c["base"] = fingerprint(c["base_state"])


def _matrix_base_refingerprinted(d: Doc) -> None:
    """The cells the update does not change come from base_state: edit one to send it."""
    c = change(d, "update", "m-00")
    c["base_state"]["number_priority"]["CA.MMS"] = ["longcode", "tollfree", "shortcode"]
    c["base"] = fingerprint(c["base_state"])
    for entry in c["requests"][0]["body"]["number_priority"]:
        if entry["country_iso"] == "CA" and entry["service_type"] == "MMS":
            entry["priority"] = {
                "priority1": "longcode",
                "priority2": "tollfree",
                "priority3": "shortcode",
            }


def _duplicate_change(d: Doc) -> None:
    d["changes"].append(copy.deepcopy(change(d, "update", "m-01")))
    d["summary"]["update"] += 1


def _duplicate_under_other_name(d: Doc) -> None:
    """The same Powerpack (uuid) changed twice under two names: a second rename."""
    twin = copy.deepcopy(change(d, "update", "renamed-2"))
    twin["name"] = "evil"
    twin["fields"][0]["after"] = "evil"
    twin["requests"][0]["body"]["name"] = "evil"
    d["changes"].append(twin)
    d["summary"]["update"] += 1


def _duplicate_delete_under_other_name(d: Doc) -> None:
    twin = copy.deepcopy(change(d, "delete"))
    twin["name"] = "twin"
    d["changes"].append(twin)
    d["summary"]["delete"] += 1


def _summary_undercounts(d: Doc) -> None:
    d["summary"]["delete"] = 0


def _unknown_key(where: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        targets = {
            "top": d,
            "change": change(d, "update", "m-01"),
            "request": change(d, "update", "m-01")["requests"][0],
            "field": change(d, "update", "m-01")["fields"][0],
            "source": change(d, "update", "m-01")["source"],
            "manifest": d["manifest"],
            "summary": d["summary"],
            "tool": d["tool"],
            "guards": d["guards"],
        }
        targets[where]["unrent_numbers"] = True

    return edit


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    """Set a value at a dotted path: "changes.1.requests.0.method"."""

    def edit(d: Doc) -> None:
        *head, last = path.split(".")
        node: Any = d
        for key in head:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return edit


def _drop(key: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        del change(d, "update", "m-01")[key]

    return edit


MAIN: dict[str, Callable[[Doc], None]] = {
    "update->delete unrent_numbers true": _update_to_unrenting_delete,
    "update->delete, fields kept": _update_to_delete_keeping_fields,
    "update request made a DELETE": _update_request_made_delete,
    "body + application_id": _body_relinks_app,
    "body + application link": _body_relinks_app_with_type,
    "create body + key": _create_body_extra,
    "path names another uuid": _path_other_uuid,
    "path names another account": _path_other_account,
    "path with ..": _path_traversal,
    "extra request unrents a number": _extra_unrent_request,
    "extra pool removal, unrent true": _extra_pool_removal,
    "create posts to an existing Powerpack": _create_posts_to_existing,
    "create with a uuid": _create_with_uuid,
    "update uuid null": _update_uuid_null,
    "delete uuid null": _delete_uuid_null,
    "delete body unrent true": _delete_body({"unrent_numbers": True}),
    "delete body empty": _delete_body({}),
    "delete body + key": _delete_body({"unrent_numbers": False, "unrent": True}),
    "delete body 'false'": _delete_body({"unrent_numbers": "false"}),
    "delete body 0": _delete_body({"unrent_numbers": 0}),
    "delete body null": _delete_body(None),
    "delete sent twice": _delete_twice,
    "delete of another uuid": _delete_path_other,
    "delete with a field": _delete_with_field,
    "delete without base": _delete_without_base,
    "update without requests": _update_no_requests,
    "requests swapped between changes": _swap_requests_between_changes,
    "base not base_state's": _tampered_base,
    "base_state edited": _tampered_base_state,
    "base_state re-fingerprinted": _base_state_refingerprinted,
    "matrix cell smuggled via base_state": _matrix_base_refingerprinted,
    "duplicated change": _duplicate_change,
    "duplicated rename under another name": _duplicate_under_other_name,
    "duplicated delete under another name": _duplicate_delete_under_other_name,
    "summary undercounts": _summary_undercounts,
    **{
        f"unknown key in {w}": _unknown_key(w)
        for w in (
            "top",
            "change",
            "request",
            "field",
            "source",
            "manifest",
            "summary",
            "tool",
            "guards",
        )
    },
    "method PUT": _set("changes.2.requests.0.method", "PUT"),
    "method GET": _set("changes.2.requests.0.method", "GET"),
    "method lower case": _set("changes.2.requests.0.method", "post"),
    "step changed": _set("changes.2.requests.0.step", "delete"),
    "action unknown": _set("changes.2.action", "replace"),
    "uuid a number": _set("changes.2.uuid", 7),
    "requests an object": _set("changes.2.requests", {"0": {}}),
    "body a list": _set("changes.2.requests.0.body", [["local_connect", False]]),
    "body bool as string": _set("changes.2.requests.0.body.local_connect", "false"),
    "field after as string": _set("changes.2.fields.0.after", "false"),
    "field name unknown": _set("changes.2.fields.0.field", "unrent_numbers"),
    "source line a string": _set("changes.2.source.line", "5"),
    "format_version a string": _set("format_version", "1"),
    "format_version 2": _set("format_version", 2),
    "summary a bool": _set("summary.create", True),
    "summary negative": _set("summary.unchanged", -1),
    "changes null": _set("changes", None),
    "tool not powerpacks": _set("tool.name", "terraform"),
    "account_sha256 of another account": _set("account_sha256", "1" * 64),
    "no uuid key": _drop("uuid"),
    "no requests key": _drop("requests"),
    "no action key": _drop("action"),
}


def _text_key_twice(text: str) -> str:
    """A second `changes` key: Python keeps the last, a reviewer's reader may show the first."""
    return text[: text.rindex("}")] + ', "changes": []}'


def _text_nested_key_twice(text: str) -> str:
    return text.replace('"action": "delete"', '"action": "delete", "action": "update"', 1)


def _text_nan(text: str) -> str:
    return text.replace('"unchanged": ', '"unchanged": NaN, "x": ', 1)


RAW: dict[str, Callable[[str], str]] = {
    "a top-level key twice": _text_key_twice,
    "a change's key twice": _text_nested_key_twice,
    "NaN for a number": _text_nan,
    "Infinity for a number": lambda t: t.replace(
        '"unchanged": ', '"unchanged": -Infinity, "y": ', 1
    ),
}


@pytest.mark.parametrize("case", list(RAW))
def test_a_plan_file_that_says_two_things_is_refused(main_world, case: str) -> None:
    """JSON that parsers read differently (a key twice, NaN): refused, not read one way."""
    w, doc = main_world
    text = json.dumps(doc, indent=2)
    forged = RAW[case](text)
    assert forged != text
    path = w.cwd / "raw.json"
    path.write_text(forged, encoding="utf-8")
    err = refused_without_writes(w, path)
    assert "not a powerpacks plan: invalid JSON" in err, err


@pytest.mark.parametrize("case", list(MAIN))
def test_a_tampered_plan_is_refused_whole_with_no_write(main_world, case: str) -> None:
    w, doc = main_world
    tampered = copy.deepcopy(doc)
    MAIN[case](tampered)
    assert json.dumps(tampered) != json.dumps(doc)  # (0 == False in Python, not in JSON)
    refused_without_writes(w, write_doc(w, tampered, "tampered.json"))


def test_the_untampered_plans_apply(tmp_path: Path) -> None:
    """The control: the same plans, untouched, apply and converge (the refusals above are the
    tampering's doing, not the harness's)."""
    w = world_at(tmp_path / "main", LIVE)
    saved_plan(w)
    r = w.invoke("apply", "--plan", "plan.json", "--auto-approve", "--allow-delete")
    assert r.code == 0, r.err
    assert sorted(w.names()) == ["m-00", "m-01", "new-0", "renamed-2"]
    w.sb.stop()
    p = world_at(tmp_path / "pools", POOL_LIVE, POOL_RENTED)
    pool_plan(p)
    r = p.invoke("apply", "--plan", "pool-plan.json", "--auto-approve")
    assert r.code == 0, r.err
    members = {x["name"]: x["number_pool"]["numbers"] for x in p.sb.snapshot()["powerpacks"]}
    assert sorted((m["number"], m["service"]) for m in members["m-10"]) == [
        ("14155550100", "sms"),
        ("14155550101", "mms"),
        ("14155550111", "sms"),
        ("14155550199", "sms"),
    ]
    assert members["m-11"] == []
    p.sb.stop()


# --- tamperings of pool requests ----------------------------------------------------------------


def _pool_change(d: Doc) -> Doc:
    return change(d, "update", "m-10")


def _req(d: Doc, step: str, method: str | None = None) -> dict[str, Any]:
    return next(
        r
        for r in _pool_change(d)["requests"]
        if r["step"] == step and (method is None or r["method"] == method)
    )


def _pool_body(step: str, method: str, body: dict[str, Any]) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        _req(d, step, method)["body"] = body

    return edit


def _add_to_other_pool(d: Doc) -> None:
    c = _pool_change(d)
    other = c["moves"][0]["source_pool"]
    r = _req(d, "add")
    r["path"] = r["path"].replace(c["pool_uuid"], other)


def _add_unlisted_number(d: Doc) -> None:
    r = _req(d, "add")
    r["path"] = r["path"].replace("14155550199", "14155550198")


def _extra_add(d: Doc) -> None:
    r = copy.deepcopy(_req(d, "add"))
    r["path"] = r["path"].replace("14155550199", "14155550198")
    _pool_change(d)["requests"].append(r)


def _reorder(d: Doc) -> None:
    reqs = _pool_change(d)["requests"]
    reqs[0], reqs[1] = reqs[1], reqs[0]


def _reverse(d: Doc) -> None:
    _pool_change(d)["requests"].reverse()


def _half_a_move(d: Doc) -> None:
    reqs = _pool_change(d)["requests"]
    reqs.remove(_req(d, "move", "POST"))


def _move_from_other_pool(d: Doc) -> None:
    r = _req(d, "move", "DELETE")
    r["path"] = r["path"].replace(_pool_change(d)["moves"][0]["source_pool"], "pool-of-someone")


def _move_source_pool_edited(d: Doc) -> None:
    _pool_change(d)["moves"][0]["source_pool"] = "pool-of-someone"


def _move_into_no_one(d: Doc) -> None:
    _pool_change(d)["moves"][0]["destination"] = "elsewhere"


def _pool_uuid_null(d: Doc) -> None:
    _pool_change(d)["pool_uuid"] = None


def _pool_uuid_consistent(d: Doc) -> None:
    """pool_uuid and every path pointed at another Powerpack's pool, consistently."""
    c = _pool_change(d)
    other = c["moves"][0]["source_pool"]
    for r in c["requests"]:
        if r["step"] != "move" or r["method"] == "POST":
            r["path"] = r["path"].replace(c["pool_uuid"], other)
    c["pool_uuid"] = other


def _steal_from_unmanaged_pool(d: Doc) -> None:
    """A consistent forgery: a "move from m-11" of a number that keep-10's pool holds."""
    c = _pool_change(d)
    f = next(f for f in c["fields"] if f["field"] == "numbers")
    f["after"] = sorted(
        [*f["after"], {"number": "14155550122", "service": "sms"}], key=lambda m: m["number"]
    )
    keep_pool = d["x-keep-pool"]
    del d["x-keep-pool"]
    c["moves"].append({**c["moves"][0], "number": "14155550122", "source_pool": keep_pool})
    rebuilt(c)


def _uuid_of(name: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        _pool_change(d)["uuid"] = d["x-uuids"][name]

    return edit


def _members_unsorted(d: Doc) -> None:
    f = next(f for f in _pool_change(d)["fields"] if f["field"] == "numbers")
    f["after"].reverse()


def _member_number_not_digits(d: Doc) -> None:
    f = next(f for f in _pool_change(d)["fields"] if f["field"] == "numbers")
    f["after"][0]["number"] = "+1415"


def _service_body(d: Doc) -> None:
    _req(d, "service", "POST")["body"]["service"] = "sms"


POOLS: dict[str, Callable[[Doc], None]] = {
    "removal with unrent true": _pool_body("remove", "DELETE", {"unrent": True}),
    "removal with no body": _pool_body("remove", "DELETE", {}),
    "add with rent true": _pool_body("add", "POST", {"rent": True, "service": "sms"}),
    "add without rent": _pool_body("add", "POST", {"service": "sms"}),
    "add + key": _pool_body("add", "POST", {"rent": False, "service": "sms", "x": 1}),
    "move removal unrent true": _pool_body("move", "DELETE", {"unrent": True}),
    "service body": _service_body,
    "add to another pool": _add_to_other_pool,
    "add of an unlisted number": _add_unlisted_number,
    "extra add of an unlisted number": _extra_add,
    "two requests swapped": _reorder,
    "requests reversed": _reverse,
    "half a move": _half_a_move,
    "move from another pool": _move_from_other_pool,
    "move source_pool edited": _move_source_pool_edited,
    "move into another Powerpack": _move_into_no_one,
    "move source named m-10": lambda d: _pool_change(d)["moves"][0].update(source="m-10"),
    "move source named keep-10": lambda d: _pool_change(d)["moves"][0].update(source="keep-10"),
    "move source no one": lambda d: _pool_change(d)["moves"][0].update(source="nobody"),
    "move twice": lambda d: _pool_change(d)["moves"].append(_pool_change(d)["moves"][0]),
    "pool_uuid null": _pool_uuid_null,
    "pool_uuid and paths: another pool": _pool_uuid_consistent,
    "a number taken from an unmanaged pool": _steal_from_unmanaged_pool,
    "members of m-10 under m-11's uuid": _uuid_of("m-11"),
    "members of m-10 under keep-10's uuid": _uuid_of("keep-10"),
    "members of m-10 under a uuid no one has": lambda d: _pool_change(d).update(uuid="0"),
    "members unsorted": _members_unsorted,
    "member not digits": _member_number_not_digits,
}


@pytest.mark.parametrize("case", list(POOLS))
def test_a_tampered_pool_request_is_refused_whole_with_no_write(pool_world, case: str) -> None:
    w, doc = pool_world
    tampered = copy.deepcopy(doc)
    live = {p["name"]: p for p in w.sb.snapshot()["powerpacks"]}
    tampered["x-keep-pool"] = live["keep-10"]["number_pool"]["uuid"]
    tampered["x-uuids"] = {name: p["uuid"] for name, p in live.items()}
    POOLS[case](tampered)
    tampered.pop("x-keep-pool", None)
    tampered.pop("x-uuids", None)
    assert json.dumps(tampered) != json.dumps(doc)  # (0 == False in Python, not in JSON)
    refused_without_writes(w, write_doc(w, tampered, "tampered.json"))


# --- files that are not plans --------------------------------------------------------------------


def _nested(depth: int) -> str:
    return '{"format_version": 1, "changes": ' + "[" * depth + "]" * depth + "}"


FILES: dict[str, Callable[[Path, Doc], None]] = {
    "not UTF-8": lambda p, d: p.write_bytes(b'{"format_version": 1, "account": "\xff\xfe"}'),
    "UTF-16": lambda p, d: p.write_bytes(json.dumps(d).encode("utf-16")),
    "empty": lambda p, d: p.write_bytes(b""),
    "a JSON array": lambda p, d: p.write_text("[1, 2]"),
    "a JSON string": lambda p, d: p.write_text('"plan"'),
    "NaN": lambda p, d: p.write_text(json.dumps(d).replace('"unchanged": 0', '"unchanged": NaN')),
    "truncated": lambda p, d: p.write_text(json.dumps(d)[:-40]),
    "nested 100,000 deep": lambda p, d: p.write_text(_nested(100_000)),
    "nested in a body": lambda p, d: p.write_text(
        json.dumps(d).replace(
            '"local_connect": false}', '"local_connect": ' + "[" * 50_000 + "]" * 50_000 + "}"
        )
    ),
    "over the cap, real bytes": lambda p, d: p.write_text(
        json.dumps({**d, "created_at": "x" * (65 * 1024 * 1024)})
    ),
    "over the size cap (sparse)": lambda p, d: _sparse(p, 3 * 1024**3),
    "a directory": lambda p, d: p.mkdir(),
    "a FIFO": lambda p, d: os.mkfifo(p),
    "a symlink loop": lambda p, d: (
        p.symlink_to(p.with_suffix(".b")),
        p.with_suffix(".b").symlink_to(p),
    ),
    "/dev/zero": lambda p, d: p.symlink_to("/dev/zero"),
    "missing": lambda p, d: None,
    "duplicate keys": lambda p, d: p.write_text(json.dumps(d)[:-1] + ', "changes": []}'),
}


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


@pytest.mark.parametrize("case", list(FILES))
def test_a_file_that_is_not_a_plan_is_refused(main_world, case: str) -> None:
    w, doc = main_world
    path = w.cwd / f"bad-{abs(hash(case))}.json"
    FILES[case](path, doc)
    err = refused_without_writes(w, path)
    assert str(path.name) in err, err  # located: the message names the file
    assert len(err) < 2000


# --- a generator of tamperings -------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from reconciler.errors import PlanFileError  # noqa: E402
from reconciler.planfile import plan_from_json  # noqa: E402

Path_ = tuple[Any, ...]


def _paths(node: Any, here: Path_ = ()) -> Iterator[Path_]:
    """Every key and index path in a document (containers and leaves)."""
    yield here
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*here, i))


def _get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _leaves(doc: Doc) -> list[Any]:
    return [_get(doc, p) for p in _paths(doc) if not isinstance(_get(doc, p), dict | list)]


def _values(doc: Doc) -> st.SearchStrategy[Any]:
    """Values to put anywhere: JSON scalars (0 and 1 among them), the plan's own values (uuids,
    paths, bodies) moved to where they don't belong, and small structures."""
    own = [v for p in _paths(doc) if p for v in [_get(doc, p)]]
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-2, 2),
        st.floats(allow_nan=False, width=32),
        st.text(max_size=6),
        st.sampled_from(
            [
                "DELETE",
                "POST",
                "GET",
                "delete",
                "create",
                "{auth_id}",
                "{pool_uuid}",
                "none",
                "true",
            ]
        ),
    )
    return st.one_of(
        scalars,
        st.sampled_from(own),
        st.lists(scalars, max_size=2),
        st.dictionaries(st.text(max_size=4), scalars, max_size=2),
    )


@st.composite
def tamperings(draw: st.DrawFn, doc: Doc) -> tuple[str, Doc]:
    """One edit of a saved plan: set, delete, add a key, duplicate, swap, or reformat."""
    out = copy.deepcopy(doc)
    paths = [p for p in _paths(out) if p]
    path = draw(st.sampled_from(paths))
    *head, last = path
    parent = _get(out, tuple(head))
    op = draw(
        st.sampled_from(["set", "set", "set", "delete", "add", "duplicate", "swap", "reformat"])
    )
    if op == "set":
        parent[last] = draw(_values(doc))
    elif op == "delete":
        del parent[last]
    elif op == "add":
        target = parent[last] if isinstance(parent[last], dict) else parent
        if isinstance(target, dict):
            target[
                draw(
                    st.sampled_from(
                        [
                            "unrent_numbers",
                            "rent",
                            "application_id",
                            "x",
                            "uuid",
                            "body",
                            "requests",
                        ]
                    )
                )
            ] = draw(_values(doc))
        else:
            target.append(draw(_values(doc)))
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(int(last), copy.deepcopy(parent[last]))
    elif op == "swap" and isinstance(parent, list) and len(parent) > 1:
        other = draw(st.integers(0, len(parent) - 1))
        parent[last], parent[other] = parent[other], parent[last]
    return op, out


def _text(op: str, doc: Doc) -> str:
    if op == "reformat":  # the same meaning: keys in another order, other whitespace
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _uuid_written(c: Any) -> str | None:
    """The uuid, where a request carries it. A change of pool members alone names its
    Powerpack's uuid nowhere in its requests: the reader can't check it; the saved-plan check
    does, by reading that Powerpack (its pool must be the change's: see POOLS)."""
    if c.uuid is not None and not any(f"/Powerpack/{c.uuid}/" in r.path for r in c.requests):
        return "(pool requests only)"
    return c.uuid


def _writes(plan: Any) -> list[tuple[Any, ...]]:
    """What a plan may send: each change's identity and its exact requests (the changes' order
    is the apply's business: it runs them by step, renames one at a time). A move's source name
    is checked against the account by the saved-plan check, not by the reader (see POOLS)."""
    return sorted(
        (
            c.action,
            c.name,
            _uuid_written(c),
            c.pool_uuid,
            json.dumps([r.model_dump() for r in c.requests], sort_keys=True),
            json.dumps([m.model_dump(exclude={"source"}) for m in c.moves], sort_keys=True),
        )
        for c in plan.changes
    )


@pytest.fixture(scope="module")
def fuzz_docs(main_world, pool_world) -> dict[str, Doc]:
    return {"main": main_world[1], "pools": pool_world[1]}


def _check_in_process(original: Doc, op: str, tampered: Doc) -> bool:
    """The reader refuses the edit, or what it reads sends exactly the original's writes."""
    before = plan_from_json(json.dumps(original))
    try:
        after = plan_from_json(_text(op, tampered))
    except PlanFileError:
        return False
    assert _writes(after) == _writes(before), f"{op}: an edit that changes the writes passed"
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), which=st.sampled_from(["main", "pools"]))
def test_any_single_edit_is_refused_or_sends_the_same_writes(fuzz_docs, data, which) -> None:
    doc = fuzz_docs[which]
    op, tampered = data.draw(tamperings(doc))
    _check_in_process(doc, op, tampered)


def _outcome(w: World) -> dict[str, Any]:
    """The account as a plan sees it: by name, the fields and members (not ids or times)."""
    return {
        p["name"]: (
            p["sticky_sender"],
            p["local_connect"],
            p["application_id"],
            json.dumps(p["number_priority"], sort_keys=True),
            sorted((m["number"], m.get("service")) for m in p["number_pool"]["numbers"]),
        )
        for p in w.sb.snapshot()["powerpacks"]
    }


class _Cli:
    """Fresh sandboxes with the same seed (same uuids) as the ones the plans were made on."""

    def __init__(self, base: Path, docs: dict[str, Doc]):
        self.base, self.docs, self.n = base, docs, 0
        self.expected = {}
        for which in docs:
            w = self.world(which)
            write_doc(w, docs[which], "plan.json")
            r = w.invoke(
                "apply",
                "--plan",
                "plan.json",
                "--auto-approve",
                "--allow-delete",
                "--allow-mass-change",
            )
            assert r.code == 0, r.err
            self.expected[which] = _outcome(w)
            w.sb.stop()

    def world(self, which: str) -> World:
        self.n += 1
        live, rented = (LIVE, None) if which == "main" else (POOL_LIVE, POOL_RENTED)
        return world_at(self.base / f"f{self.n}", live, rented)


@pytest.fixture(scope="module")
def cli_fuzz(tmp_path_factory: pytest.TempPathFactory, fuzz_docs) -> _Cli:
    return _Cli(tmp_path_factory.mktemp("fuzz"), fuzz_docs)


def _apply_tampered(cli: _Cli, which: str, op: str, tampered: Doc) -> None:
    """Refused (exit 1, no write), or applied with the original's outcome."""
    w = cli.world(which)
    try:
        path = w.cwd / "tampered.json"
        path.write_text(_text(op, tampered), encoding="utf-8")
        r = w.invoke(
            "apply", "--plan", str(path), "--auto-approve", "--allow-delete", "--allow-mass-change"
        )
        assert "Traceback" not in r.err, r.err
        if r.code == 1:
            assert w.writes() == [], (op, r.err[-1500:])
        else:
            assert r.code == 0, (op, r.code, r.err[-1500:])
            assert _outcome(w) == cli.expected[which], (op, r.err[-1500:])
    finally:
        w.sb.stop()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), which=st.sampled_from(["main", "pools"]))
def test_any_single_edit_through_the_cli_is_refused_or_applied_as_planned(
    cli_fuzz, data, which
) -> None:
    op, tampered = data.draw(tamperings(cli_fuzz.docs[which]))
    _apply_tampered(cli_fuzz, which, op, tampered)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), which=st.sampled_from(["main", "pools"]))
def test_many_edits_through_the_cli(cli_fuzz, data, which) -> None:
    op, tampered = data.draw(tamperings(cli_fuzz.docs[which]))
    _apply_tampered(cli_fuzz, which, op, tampered)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), which=st.sampled_from(["main", "pools"]))
def test_many_single_edits_in_process(fuzz_docs, data, which) -> None:
    op, tampered = data.draw(tamperings(fuzz_docs[which]))
    _check_in_process(fuzz_docs[which], op, tampered)
