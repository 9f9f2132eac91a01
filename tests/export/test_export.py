"""export_manifest: the live account as a manifest, every field explicit, deterministic."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from reconciler.core.identity import show_name
from reconciler.core.models import LiveApplication, LivePowerpack, LiveState
from reconciler.errors import PlanError
from reconciler.export.build import MODELINE, export_manifest, export_warnings
from reconciler.manifest import parse_manifest
from tests.export.helpers import assert_fully_managed_equal, assert_in_sync

FULL = {
    "US.SMS": ("shortcode", "tollfree", "longcode"),
    "US.MMS": ("tollfree", "longcode", "shortcode"),
    "CA.SMS": ("longcode", "tollfree", "shortcode"),
    "CA.MMS": ("shortcode", "longcode", "tollfree"),
}


def pp(name: str, **kw: object) -> LivePowerpack:
    base: dict[str, object] = {"uuid": f"uuid-{name}", "sticky_sender": True, "local_connect": True}
    return LivePowerpack(name=name, **{**base, **kw})


def load(text: str) -> dict:
    return YAML(typ="safe").load(text)


def test_every_field_explicit_and_apps_by_unique_name() -> None:
    live = LiveState(
        powerpacks=(
            pp(
                "zeta",
                local_connect=False,
                application_type="xml",
                application_id="111",
                number_priority=FULL,
            ),
            pp("alpha", sticky_sender=False, application_type="xml", application_id="222"),
            pp("phlo", application_type="phlo", application_id="e564a2f3"),
            pp("bare"),
        ),
        applications=(
            LiveApplication(app_id="111", app_name="Replies"),
            LiveApplication(app_id="222", app_name="Twin"),
            LiveApplication(app_id="333", app_name="Twin"),
        ),
    )
    text = export_manifest(live)
    assert text.startswith(f"# {MODELINE}\n")
    doc = load(text)
    assert doc["version"] == 1 and doc["prune"] is False
    assert list(doc["powerpacks"]) == ["alpha", "bare", "phlo", "zeta"]
    zeta = doc["powerpacks"]["zeta"]
    assert zeta == {
        "sticky_sender": True,
        "local_connect": False,
        "application": {"type": "xml", "name": "Replies"},
        "number_priority": {
            "US": {
                "SMS": ["shortcode", "tollfree", "longcode"],
                "MMS": ["tollfree", "longcode", "shortcode"],
            },
            "CA": {
                "SMS": ["longcode", "tollfree", "shortcode"],
                "MMS": ["shortcode", "longcode", "tollfree"],
            },
        },
    }
    # "Twin" names two apps: by id; a PHLO is always by id; no app is `none`.
    assert doc["powerpacks"]["alpha"]["application"] == {"type": "xml", "id": "222"}
    assert doc["powerpacks"]["phlo"]["application"] == {"type": "phlo", "id": "e564a2f3"}
    assert doc["powerpacks"]["bare"]["application"] == "none"
    assert "number_priority" not in doc["powerpacks"]["bare"]  # not read: not invented
    manifest = assert_in_sync(text, live)
    assert_fully_managed_equal(manifest, live)


def test_numeric_ids_stay_strings_and_odd_names_survive() -> None:
    names = ["null", "true", "1", "x: y", "#hash", "- dash", "in  side", "ünï", "'q\"", "~", "[a]"]
    live = LiveState(
        powerpacks=tuple(
            pp(n, application_type="xml", application_id="33660394121755210") for n in names
        )
    )
    doc = load(export_manifest(live))
    assert sorted(doc["powerpacks"]) == sorted(names)
    for body in doc["powerpacks"].values():
        assert body["application"] == {"type": "xml", "id": "33660394121755210"}
    assert_fully_managed_equal(assert_in_sync(export_manifest(live), live), live)


ODD_NAMES = ["  spaced ", "two\nlines", "ops\u200b", "cafe\u0301", "p\u0430yments", "tab\there"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_an_odd_live_name_is_written_quoted_so_it_round_trips_and_warned(name: str) -> None:
    """One odd name no longer refuses the whole account: it is written quoted, and warned of."""
    live = LiveState(powerpacks=(pp(name), pp("plain")))
    text = export_manifest(live)
    assert list(load(text)["powerpacks"]) == sorted([name, "plain"])
    (warning,) = export_warnings(live)
    assert show_name(name) in warning and "round-trips" in warning
    assert parse_manifest(text, "exported.yaml").powerpacks.keys() == {name, "plain"}


def test_two_live_powerpacks_with_one_name_are_still_refused() -> None:
    with pytest.raises(PlanError, match="repeat"):
        export_manifest(LiveState(powerpacks=(pp("a"), pp("a", uuid="other"))))


def test_app_names_the_manifest_refuses_are_written_by_id() -> None:
    live = LiveState(
        powerpacks=(pp("a", application_type="xml", application_id="7"),),
        applications=(LiveApplication(app_id="7", app_name=" padded "),),
    )
    assert load(export_manifest(live))["powerpacks"]["a"]["application"] == {
        "type": "xml",
        "id": "7",
    }


def test_deterministic_whatever_the_read_order() -> None:
    a = LiveState(powerpacks=(pp("b"), pp("a"), pp("c")))
    b = LiveState(powerpacks=(pp("c"), pp("b"), pp("a")))
    assert export_manifest(a) == export_manifest(b)


def test_empty_account_is_still_a_mapping() -> None:
    text = export_manifest(LiveState())
    assert load(text)["powerpacks"] == {}
    assert_in_sync(text, LiveState())


def test_duplicate_live_names_refused() -> None:
    with pytest.raises(PlanError, match="'twin'"):
        export_manifest(LiveState(powerpacks=(pp("twin"), pp("twin", uuid="other"))))
