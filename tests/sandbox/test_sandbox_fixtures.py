"""Response shapes against the recorded fixtures (tests/fixtures/plivo/SOURCES.md): keys, types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.sandbox import Sandbox
from reconciler.sandbox.demo import MARKETING_APP, SUPPORT_PHLO

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plivo"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def same_shape(ours: Any, theirs: Any, where: str = "$", extra_ok: frozenset = frozenset()) -> None:
    """Same keys (ours may add only `extra_ok`) and the same JSON types, recursively."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert set(theirs) <= set(ours), f"{where}: missing {set(theirs) - set(ours)}"
        assert set(ours) - set(theirs) <= extra_ok, f"{where}: extra {set(ours) - set(theirs)}"
        for key, value in theirs.items():
            same_shape(ours[key], value, f"{where}.{key}", extra_ok)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and ours, f"{where}: expected a non-empty list"
        for item in ours:
            same_shape(item, theirs[0], f"{where}[]", extra_ok)
    else:
        assert type(ours) is type(theirs), (
            f"{where}: {type(ours).__name__} vs {type(theirs).__name__}"
        )


@pytest.fixture
def get(http: requests.Session, base: str):
    def fetch(path: str, **params: Any) -> Any:
        r = http.get(base + path, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    return fetch


def pp_uuid(get, name: str) -> str:
    return next(o["uuid"] for o in get("/Powerpack/")["objects"] if o["name"] == name)


def pool_uuid(get, name: str) -> str:
    return get(f"/Powerpack/{pp_uuid(get, name)}/")["number_pool"].split("/")[5]


def test_powerpack_get_matches_modern_capture(get) -> None:
    ours = get(f"/Powerpack/{pp_uuid(get, 'alerts-old')}/")
    same_shape(ours, fixture("powerpack.get.with-number-priority.java.json"))
    same_shape(ours, fixture("powerpack.get.json"), extra_ok=frozenset({"number_priority"}))
    assert ours["application_type"] == fixture("powerpack.get.json")["application_type"]


def test_powerpack_list_matches(get) -> None:
    # meta.next is null in the recorded list; ask for one page holding everything
    same_shape(get("/Powerpack/"), fixture("powerpack.list.json"))


def test_powerpack_delete_matches(http: requests.Session, base: str, get) -> None:
    r = http.delete(f"{base}/Powerpack/{pp_uuid(get, 'legacy-promo')}/", json={})
    same_shape(r.json(), fixture("powerpack.delete.json"))
    assert r.json()["response"] == "success"


def test_pool_number_list_and_get_match(get) -> None:
    pool = pool_uuid(get, "support")
    service = frozenset({"service"})
    same_shape(get(f"/NumberPool/{pool}/Number/"), fixture("numberpool.number.list.json"),
               extra_ok=service)  # fmt: skip
    one = get(f"/NumberPool/{pool}/Number/16045550104/")
    same_shape(one, fixture("numberpool.number.get.java.json"), extra_ok=service | {"api_id"})
    go = fixture("numberpool.number.get.go.json")  # adds "service"; spells numberpool_uuid
    go["number_pool_uuid"] = go.pop("numberpool_uuid")  # docs/api.md 6: the list spelling wins
    same_shape(one, go)


def test_pool_tollfree_and_shortcode_match(get) -> None:
    pool = pool_uuid(get, "marketing-us")
    extra = frozenset({"service", "api_id"})
    same_shape(get(f"/NumberPool/{pool}/Tollfree/18885550105/"),
               fixture("numberpool.tollfree.get.java.json"), extra_ok=extra)  # fmt: skip
    same_shape(get(f"/NumberPool/{pool}/Tollfree/"), fixture("numberpool.tollfree.list.go.json"),
               extra_ok=frozenset({"service"}))  # fmt: skip
    same_shape(get(f"/NumberPool/{pool}/Shortcode/"), fixture("numberpool.shortcode.list.json"))
    one_code = get(f"/NumberPool/{pool}/Shortcode/444111/")
    same_shape(one_code, fixture("numberpool.shortcode.get.json"), extra_ok=frozenset({"api_id"}))


def test_applications_match(get) -> None:
    extra = frozenset({"log_incoming_messages"})  # documented app field, absent from the capture
    same_shape(
        get(f"/Application/{MARKETING_APP}/"), fixture("application.get.json"), extra_ok=extra
    )
    same_shape(get("/Application/"), fixture("application.list.json"), extra_ok=extra)


def test_phlo_matches(http: requests.Session, sandbox: Sandbox) -> None:
    theirs = fixture("phlo.get.go.json")
    del theirs["BaseResource"]  # a Go test artefact (SOURCES.md)
    same_shape(http.get(f"{sandbox.url}/v1/phlo/{SUPPORT_PHLO}/").json(), theirs)


def test_same_shape_catches_a_difference() -> None:
    """The comparison itself must be able to fail."""
    with pytest.raises(AssertionError):
        same_shape({"a": 1}, {"a": "1"})
    with pytest.raises(AssertionError):
        same_shape({"a": 1, "b": 2}, {"a": 1})


def test_sandbox_files_cite_only_the_repository() -> None:
    """The fixtures live in the repository, and nothing here points outside it."""
    root = Path(__file__).resolve().parents[2]
    outside = ("plivo-api" + ".md", "DESIGN" + ".md", "../" + "shared", "/work/" + "shared")
    files = [*root.glob("reconciler/sandbox/*.py"), *root.glob("tests/sandbox/*.py"),
             *root.glob("tests/fixtures/plivo/*"),
             root / "reconciler/cli/sandbox_cmds.py"]  # fmt: skip
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not [s for s in outside if s in text], path
    assert len(list(FIXTURES.glob("*.json"))) >= 15
