"""Every line of the text plan fits 80 columns, whatever the plan holds (hypothesis).

Plans are drawn two ways: straight from the models (every field kind, pool member changes,
moves, sender impact and warnings, with and without --base, names long, wide (CJK, emoji,
fullwidth) and with invisible characters, long application names), and from the planner over
generated manifests and live states. Widths are measured with wcwidth, as terminals count
them, not with the renderer's own function. No line may hold a control character either: an
escape or a line break in a live name would draw something else than the plan.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from reconciler.core.models import (
    AppLink,
    Change,
    DesiredPowerpack,
    FieldChange,
    Impact,
    LiveApplication,
    LiveMember,
    LivePool,
    LivePowerpack,
    LiveState,
    Loc,
    Manifest,
    Member,
    Move,
    Plan,
    Summary,
)
from reconciler.core.planner import plan as make_plan
from reconciler.core.vocab import CELLS, SENDER_TYPES
from reconciler.errors import PlanError
from reconciler.render import render_text

WIDTH = 80
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# --- names and texts ----------------------------------------------------------------------------

cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=60)
kana = st.text(st.characters(min_codepoint=0x30A1, max_codepoint=0x30F6), min_size=1, max_size=60)
emoji = st.text(st.sampled_from("🚀📣🔔✅🎉"), min_size=1, max_size=30)
fullwidth = st.text(st.characters(min_codepoint=0xFF21, max_codepoint=0xFF3A), max_size=40)
invisible = st.sampled_from(
    [
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\u00a0",
        "\u3000",
        "\u0301",
        "\t",
        "\n",
        "\r",
        "\x1b[31m",
        "\x07",
        "\u2028",
        "\ufe0f",
        "\U000e0100",
    ]
)
word = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=120)
ascii_name = st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True)
long_name = st.builds(lambda w, n: (w + "-") * n, ascii_name, st.integers(1, 12))
spaced = st.lists(st.one_of(ascii_name, word, cjk), min_size=1, max_size=12).map(" ".join)


@st.composite
def hazardous(draw: Any) -> str:
    parts = draw(st.lists(st.one_of(ascii_name, cjk, invisible, kana), min_size=2, max_size=8))
    return "".join(parts)


names = st.one_of(ascii_name, long_name, cjk, kana, emoji, fullwidth, spaced, hazardous(), word)
names = names.filter(lambda n: n != "")
texts = st.one_of(spaced, long_name, hazardous(), word, cjk)

# --- values of each field kind ------------------------------------------------------------------

digits = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
apps = st.none() | st.fixed_dictionaries(
    {"type": st.sampled_from(["xml", "phlo"]), "id": digits | long_name},
    optional={"name": names},
)
orders = st.permutations(list(SENDER_TYPES)).map(list)
number = st.from_regex(r"1[0-9]{10}|[0-9]{5,6}", fullmatch=True)
members = st.lists(
    st.fixed_dictionaries({"number": number, "service": st.sampled_from(["sms", "mms"])}),
    max_size=4,
)
plain_members = st.lists(number, max_size=4)
origins = st.sampled_from([None, "intent", "drift", "both"])


@st.composite
def field_changes(draw: Any, action: str) -> FieldChange:
    kind = draw(
        st.sampled_from(
            [
                "sticky_sender",
                "local_connect",
                "application",
                "cell",
                "name",
                "numbers",
                "tollfree",
                "shortcodes",
            ]
        )
    )
    value = {
        "sticky_sender": st.booleans() | st.none(),
        "local_connect": st.booleans() | st.none(),
        "application": apps,
        "cell": orders | st.none(),
        "name": names,
        "numbers": members,
        "tollfree": plain_members,
        "shortcodes": plain_members,
    }[kind]
    field = f"number_priority.{draw(st.sampled_from(CELLS))}" if kind == "cell" else kind
    before = None if action == "create" else draw(value)
    return FieldChange(field=field, before=before, after=draw(value), origin=draw(origins))


@st.composite
def changes(draw: Any) -> Change:
    action = draw(st.sampled_from(["create", "update", "delete"]))
    name = draw(names)
    fields = () if action == "delete" else tuple(draw(st.lists(field_changes(action), max_size=6)))
    moves = tuple(
        draw(
            st.lists(
                st.builds(
                    Move,
                    number=number,
                    kind=st.sampled_from(["numbers", "tollfree"]),
                    service=st.sampled_from(["", "sms", "mms"]),
                    source=st.just(name) | names,
                    source_pool=st.just("pool-1"),
                    destination=st.just(name) | names,
                ),
                max_size=3,
            )
        )
    )
    source = draw(
        st.none()
        | st.builds(
            Loc,
            file=st.just("powerpacks.yaml") | long_name,
            line=st.integers(1, 99999),
            col=st.integers(1, 999),
        )
    )
    return Change(
        action=action,
        name=name,
        fields=fields,
        moves=moves,
        source=source,
        uuid=None if action == "create" else "9f199504-99dd-451d-a512-148239292d22",
        origin=draw(origins),
    )


impacts = st.builds(
    Impact,
    cell=st.sampled_from(CELLS),
    before=st.none() | st.sampled_from(SENDER_TYPES),
    after=st.none() | st.sampled_from(SENDER_TYPES),
    warning=st.none() | texts,
)


@st.composite
def plans(draw: Any) -> Plan:
    chosen = draw(st.lists(changes(), max_size=5))
    impact_names = [c.name for c in chosen] + draw(st.lists(names, max_size=2))
    impact = {n: tuple(draw(st.lists(impacts, max_size=3))) for n in impact_names}
    counts = st.integers(0, 10**6)
    return Plan(
        changes=tuple(chosen),
        summary=draw(
            st.builds(
                Summary,
                create=counts,
                update=counts,
                delete=counts,
                unchanged=counts,
                not_managed=counts,
            )
        ),
        account=draw(st.sampled_from(["", "MA**************SBOX", "SA******************AB12"])),
        warnings=tuple(draw(st.lists(texts, max_size=3))),
        sender_impact=impact,
        has_base=draw(st.booleans()),
    )


def assert_fits(text: str, width: int = WIDTH) -> None:
    for line in text.split("\n"):
        bare = ANSI.sub("", line)
        controls = [c for c in bare if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
        assert not controls, f"control characters {controls!r} in {line!r}"
        columns = wcswidth(bare)
        assert 0 <= columns <= width, f"{columns} columns: {bare!r}"


def assert_resets_on_each_line(text: str) -> None:
    """A styled span ends (reset) before its line does: never a colour running past a newline."""
    for line in text.split("\n"):
        codes = ANSI.findall(line)
        if codes:
            assert codes[-1] == "\x1b[0m", repr(line)


manifest_names = st.sampled_from(
    [
        "powerpacks.yaml",
        "config/production/eu-west/messaging/powerpacks-and-sender-pools.yaml",
        "/home/someone/work/" + "very-long-folder-name/" * 4 + "powerpacks.yaml",
    ]
)


@SETTINGS
@given(plans(), manifest_names, st.booleans())
def test_every_line_of_any_plan_fits_80_columns(plan: Plan, manifest: str, color: bool) -> None:
    text = render_text(plan, color=color, manifest_name=manifest)
    assert_fits(text)
    if color:
        assert_resets_on_each_line(text)
        assert ANSI.sub("", text) == render_text(plan, manifest_name=manifest)


# --- plans the planner makes --------------------------------------------------------------------


@st.composite
def worlds(draw: Any) -> tuple[Manifest, LiveState]:
    """A manifest and an account drawn together, so renames, moves and pools meet."""
    count = draw(st.integers(1, 4))
    live_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    live_names = [n.strip() or f"p{i}" for i, n in enumerate(live_names)]
    live_names = list(dict.fromkeys(live_names))
    numbers = [f"1415555{i:04d}" for i in range(8)]
    owner = {n: draw(st.sampled_from(live_names)) for n in numbers[:5]}
    application_list = tuple(LiveApplication(app_id=f"{i}", app_name=draw(names)) for i in range(3))
    pps, pools = [], {}
    for i, name in enumerate(live_names):
        pool = f"pool-{i}"
        pools[pool] = LivePool(
            numbers=tuple(
                LiveMember(number=n, kind="numbers", service="sms")
                for n, o in owner.items()
                if o == name
            ),
            tollfree=(),
            shortcodes=(),
        )
        app = draw(st.sampled_from([("", ""), ("xml", "0"), ("xml", "1"), ("xml", "2")]))
        pps.append(
            LivePowerpack(
                uuid=f"uuid-{i}",
                name=name,
                sticky_sender=draw(st.booleans()),
                local_connect=draw(st.booleans()),
                application_type=app[0],
                application_id=app[1],
                number_priority={c: tuple(draw(orders)) for c in CELLS},
                pool_uuid=pool,
            )
        )
    wanted = draw(
        st.lists(st.sampled_from(live_names) | names, min_size=1, max_size=4, unique=True)
    )
    desired = {}
    for line, name in enumerate(wanted, start=5):
        renamed = draw(st.none() | st.sampled_from(live_names))
        declared = draw(st.none() | st.lists(st.sampled_from(numbers[:5]), unique=True, max_size=3))
        desired[name] = DesiredPowerpack(
            name=name,
            renamed_from=renamed if renamed != name else None,
            sticky_sender=draw(st.none() | st.booleans()),
            local_connect=draw(st.none() | st.booleans()),
            application=draw(
                st.none()
                | st.sampled_from(
                    [
                        AppLink(kind="none"),
                        AppLink(kind="xml", id="1"),
                        AppLink(kind="xml", id="2"),
                        AppLink(kind="xml", name=application_list[0].app_name),
                    ]
                )
            ),
            number_priority={
                c: tuple(draw(orders))
                for c in draw(st.lists(st.sampled_from(CELLS), unique=True, max_size=4))
            },
            numbers=None if declared is None else tuple(Member(number=n) for n in declared),
            loc=Loc(file="powerpacks.yaml", line=line, col=3),
        )
    prune = draw(st.booleans())
    manifest = Manifest(
        path="powerpacks.yaml",
        sha256="0" * 64,
        prune=prune,
        powerpacks=desired,
        prune_loc=Loc(file="powerpacks.yaml", line=2, col=1) if prune else None,
    )
    rented = {n: None for n in numbers[5:]}
    return manifest, LiveState(
        powerpacks=tuple(pps), applications=application_list, pools=pools, rented=rented
    )


@SETTINGS
@given(worlds(), st.booleans())
def test_every_line_of_a_planned_plan_fits_80_columns(world: Any, color: bool) -> None:
    manifest, live = world
    try:
        planned = make_plan(manifest, live)
    except PlanError as e:  # a drawn clash (two renames of one name...): its message, not a plan
        assert str(e)
        return
    planned = planned.model_copy(update={"account": "MA**************SBOX"})
    text = render_text(planned, color=color, manifest_name=manifest.path)
    assert_fits(text)
    if color:
        assert_resets_on_each_line(text)
