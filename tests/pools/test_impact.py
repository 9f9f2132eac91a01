"""Sender impact, end to end: for each managed priority cell of a Powerpack whose pool is known
in all three kinds, the sender type that sends before and after the apply, and a warning (never
a failure) when the first choice names a type the pool lacks. Text and JSON (`sender_impact`).
"""

from __future__ import annotations

from typing import Any

from tests.support.accounts import code, fixed, mobile, pp

HEAD = "version: 1\npowerpacks:\n"
US_L, US_T, CA_L, CA_M = "14155550101", "18885550201", "16045550102", "16045550101"


def impact(plan: dict[str, Any], name: str) -> list[tuple]:
    return [(i["cell"], i["before"], i["after"], i["warning"]) for i in plan["sender_impact"][name]]


def test_the_sender_before_and_after_with_warnings(world: Any) -> None:
    env = world([pp("a", numbers=[US_L, US_T])], numbers=[fixed(CA_L, "CA")])
    env.write_manifest(f"""version: 1
powerpacks:
  a:
    number_priority:
      US: {{SMS: [shortcode, tollfree, longcode], MMS: [longcode, tollfree, shortcode]}}
      CA: {{SMS: [longcode, tollfree, shortcode]}}
    numbers: ["{US_L}"]
    tollfree: []
    shortcodes: []
""")
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert impact(plan, "a") == [
        ("US.SMS", "tollfree", "longcode",
         "US SMS: shortcode first, but the pool holds no US short code: messages go from "
         "longcode"),
        ("US.MMS", "tollfree", None,
         "US MMS: longcode first, but the pool holds no US long code for MMS: no member serves "
         "US MMS"),
        ("CA.SMS", None, None,
         "CA SMS: longcode first, but the pool holds no CA long code for SMS: no member serves "
         "CA SMS"),
    ]  # fmt: skip
    text = env.invoke("plan").out
    assert "      senders:\n        US SMS  longcode (was tollfree)\n" in text
    assert "! US SMS: shortcode first, but the pool holds no US short code:" in text
    assert "US MMS  nothing (was tollfree)" in text
    assert env.apply().code == 0  # a warning, not a failure
    _, again = env.plan_json("--detailed-exitcode")
    assert again["changes"] == []
    warning = impact(plan, "a")[0][3]
    assert impact(again, "a")[0] == ("US.SMS", "longcode", "longcode", warning)


def test_an_mms_long_code_serves_mms_and_toll_free_and_short_codes_serve_both(world: Any) -> None:
    env = world(
        [pp("a", numbers=[{"number": US_L, "service": "mms"}], shortcodes=[code("444111")])],
        numbers=[mobile(CA_M, "CA")],
    )
    env.write_manifest(f"""version: 1
powerpacks:
  a:
    number_priority:
      US: {{SMS: [longcode, shortcode, tollfree], MMS: [longcode, shortcode, tollfree]}}
      CA: {{SMS: [longcode, tollfree, shortcode], MMS: [tollfree, longcode, shortcode]}}
    numbers: [{{number: "{US_L}", service: mms}}, {{number: "{CA_M}", service: sms}}]
    tollfree: []
    shortcodes: ["444111"]
""")
    _, plan = env.plan_json()
    assert [(c, after) for c, _, after, _ in impact(plan, "a")] == [
        ("US.SMS", "shortcode"),  # the long code is MMS only: the short code answers SMS
        ("US.MMS", "longcode"),
        ("CA.SMS", "longcode"),  # a CA mobile number, added for SMS
        ("CA.MMS", None),  # it doesn't serve MMS, and the short code is a US one
    ]
    assert [w is None for *_, w in impact(plan, "a")] == [False, True, True, False]


def test_impact_is_shown_when_nothing_changes(world: Any) -> None:
    env = world([pp("a", numbers=[US_L], shortcodes=[code("444111")])])
    env.write_manifest(
        HEAD + "  a:\n    number_priority:\n      US: {SMS: [shortcode, tollfree, longcode]}\n"
        f'    numbers: ["{US_L}"]\n    tollfree: []\n    shortcodes: ["444111"]\n'
    )
    result = env.invoke("plan", "--detailed-exitcode")
    assert result.code == 0
    assert "  = no change to a\n      senders:\n        US SMS  shortcode\n" in result.out
    _, plan = env.plan_json()
    assert impact(plan, "a") == [("US.SMS", "shortcode", "shortcode", None)]


def test_no_impact_when_a_kind_of_the_pool_is_not_known(world: Any) -> None:
    """a manages long codes only: its Number/ list gives long codes and toll-free numbers, but its
    short codes are not read, so what sends can't be told."""
    env = world([pp("a", numbers=[US_L], shortcodes=[code("444111")])])
    env.write_manifest(
        HEAD + "  a:\n    number_priority:\n      US: {SMS: [longcode, tollfree, shortcode]}\n"
        "    numbers: []\n"
    )
    result, plan = env.plan_json()
    assert result.code == 0, result.err
    assert "a" not in plan["sender_impact"]
    assert "senders:" not in env.invoke("plan").out


def test_a_new_powerpacks_impact_uses_the_countries_of_the_numbers_it_gets(world: Any) -> None:
    """One number comes by the account lookup (CA), one by a move from b's pool (US)."""
    env = world([pp("b", numbers=[US_L])], numbers=[fixed(CA_L, "CA")])
    env.write_manifest(
        HEAD + "  fresh:\n    number_priority:\n"
        "      US: {SMS: [tollfree, longcode, shortcode]}\n"
        "      CA: {SMS: [longcode, tollfree, shortcode]}\n"
        f'    numbers: ["{US_L}", "{CA_L}"]\n'
    )
    _, plan = env.plan_json()
    assert impact(plan, "fresh") == [
        ("US.SMS", None, "longcode",
         "US SMS: tollfree first, but the pool holds no US toll-free number: messages go from "
         "longcode"),
        ("CA.SMS", None, "longcode", None),
    ]  # fmt: skip


def test_a_number_moving_out_of_an_unmanaged_kind_leaves_the_sources_senders(world: Any) -> None:
    """a doesn't manage its long codes, but b takes its only one: after the apply a has no US
    long code, and its senders must say so."""
    env = world([pp("a", numbers=[US_L]), pp("b")])
    env.write_manifest(
        HEAD + "  a:\n    number_priority:\n      US: {SMS: [longcode, tollfree, shortcode]}\n"
        f'    tollfree: []\n    shortcodes: []\n  b:\n    numbers: ["{US_L}"]\n'
    )
    _, plan = env.plan_json()
    assert impact(plan, "a") == [
        ("US.SMS", "longcode", None,
         "US SMS: longcode first, but the pool holds no US long code for SMS: no member serves "
         "US SMS"),
    ]  # fmt: skip
    assert env.apply().code == 0
    _, after = env.plan_json()
    assert impact(after, "a") == [(c, a, a, w) for c, _, a, w in impact(plan, "a")]
