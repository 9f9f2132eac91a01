"""Unit tests of the planner: each rule of the plan semantics (README section 4), each PlanError."""

from __future__ import annotations

import pytest

from reconciler.core.models import AppLink, fingerprint
from reconciler.core.planner import plan
from reconciler.core.states import powerpack_state as normalize_live_state
from reconciler.errors import PlanError
from tests.plan.helpers import (
    DEFAULT_MATRIX,
    NONE_APP,
    ORDER_A,
    ORDER_B,
    ORDER_C,
    desired,
    live,
    live_pp,
    manifest,
    xml,
)

SLOTS = ("priority1", "priority2", "priority3")
CREATE_PATH = "/v1/Account/{auth_id}/Powerpack/"
UPDATE_PATH = "/v1/Account/{auth_id}/Powerpack/uuid-a/"


def only_change(p):
    assert len(p.changes) == 1, p.changes
    return p.changes[0]


def test_no_change_gives_an_empty_plan_and_counts_unchanged():
    m = manifest(desired("a", sticky_sender=True, local_connect=True))
    p = plan(m, live(live_pp("a")))
    assert p.empty
    assert p.summary.model_dump() == {
        "create": 0,
        "update": 0,
        "delete": 0,
        "unchanged": 1,
        "not_managed": 0,
    }


@pytest.mark.parametrize("field", ["sticky_sender", "local_connect"])
def test_a_scalar_update_sends_only_that_field(field):
    m = manifest(desired("a", **{"sticky_sender": True, "local_connect": True, field: False}))
    c = only_change(plan(m, live(live_pp("a"))))
    assert c.action == "update"
    assert [(f.field, f.before, f.after) for f in c.fields] == [(field, True, False)]
    assert [(r.method, r.path, r.body) for r in c.requests] == [
        ("POST", UPDATE_PATH, {field: False})
    ]


def test_unmanaged_fields_are_never_diffed():
    p = plan(manifest(desired("a")), live(live_pp("a", sticky_sender=False, local_connect=False)))
    assert p.empty and p.summary.unchanged == 1


def test_application_type_compares_case_insensitively():
    lp = live_pp("a", application_type="XML", application_id="123")
    assert plan(manifest(desired("a", application=xml("123"))), live(lp)).empty


@pytest.mark.parametrize("app_type", ["", "XML"])
def test_empty_application_id_equals_none(app_type):
    lp = live_pp("a", application_type=app_type, application_id="")
    assert plan(manifest(desired("a", application=NONE_APP)), live(lp)).empty


def test_link_by_id_sends_type_and_id():
    c = only_change(plan(manifest(desired("a", application=xml("9"))), live(live_pp("a"))))
    assert c.requests[0].body == {"application_type": "xml", "application_id": "9"}
    assert (c.fields[0].before, c.fields[0].after) == (None, {"type": "xml", "id": "9"})


def test_unlink_sends_application_id_none_only():
    lp = live_pp("a", application_type="XML", application_id="9")
    c = only_change(plan(manifest(desired("a", application=NONE_APP)), live(lp)))
    assert c.requests[0].body == {"application_id": "none"}


def test_relink_by_name_resolves_through_the_application_list():
    lp = live_pp("a", application_type="XML", application_id="1")
    m = manifest(desired("a", application=xml(name="Replies")))
    c = only_change(plan(m, live(lp, apps={"1": "Old", "2": "Replies"})))
    assert c.requests[0].body == {"application_type": "xml", "application_id": "2"}
    assert c.fields[0].before == {"type": "xml", "id": "1", "name": "Old"}
    assert c.fields[0].after == {"type": "xml", "id": "2", "name": "Replies"}


def test_phlo_by_id_compares_with_an_upper_case_live_type():
    lp = live_pp("a", application_type="PHLO", application_id="p-1")
    assert plan(manifest(desired("a", application=AppLink(kind="phlo", id="p-1"))), live(lp)).empty


def test_switching_app_type_with_the_same_id_is_a_change():
    lp = live_pp("a", application_type="XML", application_id="7")
    m = manifest(desired("a", application=AppLink(kind="phlo", id="7")))
    c = only_change(plan(m, live(lp)))
    assert c.requests[0].body == {"application_type": "phlo", "application_id": "7"}


@pytest.mark.parametrize(
    ("apps", "message"),
    [
        ({"1": "Other"}, ".a.application: no application named 'Replies'"),
        ({"1": "Replies", "2": "Replies"}, ".a.application: 2 applications are named 'Replies'"),
        (None, ".a.application: application 'Replies' is named, but the Application list"),
    ],
)
def test_an_unresolvable_app_name_is_a_plan_error(apps, message):
    m = manifest(desired("a", application=xml(name="Replies")))
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan(m, live(live_pp("a"), apps=apps))


def test_one_cell_change_sends_all_four_cells_with_the_rest_as_live():
    matrix = {**DEFAULT_MATRIX, "CA.MMS": ORDER_C}
    m = manifest(desired("a", number_priority={"US.SMS": ORDER_B, "US.MMS": ORDER_A}))
    c = only_change(plan(m, live(live_pp("a", number_priority=matrix))))
    assert [(f.field, f.before, f.after) for f in c.fields] == [
        ("number_priority.US.SMS", list(ORDER_A), list(ORDER_B))
    ]
    sent = {
        (e["country_iso"], e["service_type"]): tuple(e["priority"].values())
        for e in c.requests[0].body["number_priority"]
    }
    assert sent == {
        ("US", "SMS"): ORDER_B,
        ("US", "MMS"): ORDER_A,
        ("CA", "SMS"): DEFAULT_MATRIX["CA.SMS"],
        ("CA", "MMS"): ORDER_C,
    }
    assert c.requests[0].body["number_priority"][0] == {
        "country_iso": "US",
        "service_type": "SMS",
        "priority": {"priority1": "longcode", "priority2": "tollfree", "priority3": "shortcode"},
    }


def test_matrix_order_of_cells_is_irrelevant():
    shuffled = dict(reversed(list(DEFAULT_MATRIX.items())))
    m = manifest(desired("a", number_priority=dict(DEFAULT_MATRIX)))
    assert plan(m, live(live_pp("a", number_priority=shuffled))).empty


def test_a_managed_cell_with_an_unread_matrix_is_a_plan_error():
    m = manifest(desired("a", number_priority={"US.SMS": ORDER_A}))
    with pytest.raises(PlanError, match="a: number_priority is managed but was not read"):
        plan(m, live(live_pp("a", number_priority=None)))


def test_an_unread_matrix_is_fine_when_unmanaged():
    m = manifest(desired("a", sticky_sender=False))
    c = only_change(plan(m, live(live_pp("a", number_priority=None))))
    assert "number_priority" not in c.base_state


def test_duplicate_live_names_are_a_plan_error_naming_both():
    lv = live(live_pp("a", uuid="u1"), live_pp("a", uuid="u2"))
    with pytest.raises(PlanError, match=r"'a' \(uuids u1, u2\)"):
        plan(manifest(), lv)


def test_rename_is_one_update_with_the_other_changes():
    m = manifest(desired("new", renamed_from="old", local_connect=False))
    c = only_change(plan(m, live(live_pp("old", uuid="uuid-a"))))
    assert (c.action, c.name, c.uuid) == ("update", "new", "uuid-a")
    assert [(f.field, f.before, f.after) for f in c.fields] == [
        ("name", "old", "new"),
        ("local_connect", True, False),
    ]
    assert c.requests[0].body == {"name": "new", "local_connect": False}
    assert c.base_state["name"] == "old"


def test_rename_is_ignored_when_the_new_name_exists():
    m = manifest(desired("new", renamed_from="old"), prune=False)
    p = plan(m, live(live_pp("new"), live_pp("old")))
    assert p.empty
    assert (p.summary.unchanged, p.summary.not_managed) == (1, 1)


def test_an_ignored_rename_source_is_pruned_like_any_other():
    m = manifest(desired("new", renamed_from="old"), prune=True)
    c = only_change(plan(m, live(live_pp("new"), live_pp("old"))))
    assert (c.action, c.name) == ("delete", "old")


def test_a_rename_source_is_neither_pruned_nor_counted():
    m = manifest(desired("new", renamed_from="old"), prune=True)
    p = plan(m, live(live_pp("old")))
    assert [c.action for c in p.changes] == ["update"]
    assert p.summary.not_managed == 0


def test_a_name_freed_by_a_rename_can_be_created_again():
    m = manifest(desired("b"), desired("a", renamed_from="b"))
    p = plan(m, live(live_pp("b")))
    assert [(c.action, c.name) for c in p.changes] == [("update", "a"), ("create", "b")]


def test_two_renames_from_one_name_are_a_plan_error():
    m = manifest(desired("x", renamed_from="old"), desired("y", renamed_from="old"))
    with pytest.raises(PlanError, match="'x' and 'y' are both renamed_from 'old'"):
        plan(m, live(live_pp("old")))


def test_chained_renames_are_a_plan_error():
    m = manifest(desired("c", renamed_from="b"), desired("b", renamed_from="a"))
    with pytest.raises(PlanError, match="chained renames"):
        plan(m, live(live_pp("a"), live_pp("b")))


def test_create_sends_the_name_and_managed_fields_only():
    m = manifest(desired("n", local_connect=False, number_priority={"CA.SMS": ORDER_C}))
    c = only_change(plan(m, live()))
    assert (c.action, c.uuid, c.base, c.base_state) == ("create", None, None, None)
    assert [(r.method, r.path) for r in c.requests] == [("POST", CREATE_PATH)]
    assert c.requests[0].body == {
        "name": "n",
        "local_connect": False,
        "number_priority": [
            {
                "country_iso": "CA",
                "service_type": "SMS",
                "priority": dict(zip(SLOTS, ORDER_C, strict=True)),
            }
        ],
    }


def test_create_with_application_none_sends_no_app():
    c = only_change(plan(manifest(desired("n", application=NONE_APP)), live()))
    assert c.requests[0].body == {"name": "n"}
    assert c.fields == ()


def test_create_resolves_an_app_name():
    m = manifest(desired("n", application=xml(name="R")))
    c = only_change(plan(m, live(apps={"5": "R"})))
    assert c.requests[0].body == {"name": "n", "application_type": "xml", "application_id": "5"}


def test_prune_deletes_with_unrent_numbers_false_from_the_prune_line():
    m = manifest(desired("a"), prune=True)
    p = plan(m, live(live_pp("a"), live_pp("z", uuid="uz"), live_pp("b", uuid="ub")))
    assert [(c.action, c.name) for c in p.changes] == [("delete", "b"), ("delete", "z")]
    c = p.changes[0]
    assert [(r.method, r.path, r.body) for r in c.requests] == [
        ("DELETE", "/v1/Account/{auth_id}/Powerpack/ub/", {"unrent_numbers": False})
    ]
    assert c.source.line == 2
    assert (p.summary.delete, p.summary.not_managed, p.summary.unchanged) == (2, 0, 1)


def test_without_prune_absent_powerpacks_are_not_managed():
    p = plan(manifest(desired("a")), live(live_pp("a"), live_pp("z")))
    assert p.empty and p.summary.not_managed == 1


def test_targets_plan_only_the_named_powerpacks_and_never_delete():
    m = manifest(desired("a", sticky_sender=False), desired("b", sticky_sender=False), prune=True)
    p = plan(m, live(live_pp("a"), live_pp("b"), live_pp("z")), targets=["b"])
    assert [(c.action, c.name) for c in p.changes] == [("update", "b")]
    assert (p.summary.update, p.summary.unchanged, p.summary.not_managed) == (1, 0, 1)


def test_targets_skip_app_errors_of_other_powerpacks():
    m = manifest(desired("a", application=xml(name="missing")), desired("b", sticky_sender=False))
    p = plan(m, live(live_pp("a"), live_pp("b")), targets=["b"])
    assert [c.name for c in p.changes] == ["b"]


def test_an_unknown_target_is_a_plan_error():
    with pytest.raises(PlanError, match=r"--target nope: not a Powerpack of powerpacks.yaml"):
        plan(manifest(desired("a")), live(), targets=["nope"])


def test_order_is_renames_updates_creates_deletes_alphabetical():
    m = manifest(
        desired("u2", sticky_sender=False),
        desired("u1", sticky_sender=False),
        desired("r2", renamed_from="o2"),
        desired("r1", renamed_from="o1"),
        desired("c2"),
        desired("c1"),
        prune=True,
    )
    lv = live(*(live_pp(n) for n in ["u1", "u2", "o1", "o2", "d2", "d1"]))
    assert [(c.action, c.name) for c in plan(m, lv).changes] == [
        ("update", "r1"),
        ("update", "r2"),
        ("update", "u1"),
        ("update", "u2"),
        ("create", "c1"),
        ("create", "c2"),
        ("delete", "d1"),
        ("delete", "d2"),
    ]


def test_base_is_the_fingerprint_of_the_normalized_live_state():
    lp = live_pp("a", application_type="XML", application_id="9")
    c = only_change(plan(manifest(desired("a", sticky_sender=False)), live(lp)))
    state = normalize_live_state(lp, include_priority=True)
    assert c.base_state == state
    assert c.base == fingerprint(state)
    assert state["application_type"] == "xml"
    assert state["number_priority"]["US.SMS"] == list(DEFAULT_MATRIX["US.SMS"])
    assert "number_priority" not in normalize_live_state(lp, include_priority=False)


def test_base_moves_when_any_compared_value_moves():
    lp = live_pp("a")
    moved = lp.model_copy(update={"number_priority": {**DEFAULT_MATRIX, "CA.MMS": ORDER_C}})
    assert fingerprint(normalize_live_state(lp, True)) != fingerprint(
        normalize_live_state(moved, True)
    )


def test_change_source_is_the_powerpack_line():
    c = only_change(plan(manifest(desired("a", line=17, sticky_sender=False)), live(live_pp("a"))))
    assert (c.source.file, c.source.line) == ("powerpacks.yaml", 17)


def test_plan_carries_the_manifest_path_and_hash():
    p = plan(manifest(), live())
    assert (p.manifest_path, p.manifest_sha256) == ("powerpacks.yaml", "0" * 64)
