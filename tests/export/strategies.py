"""Hypothesis strategies: random live accounts, and random (valid) manifests to merge them into."""

from __future__ import annotations

import io
from itertools import permutations
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.core.models import LiveApplication, LivePowerpack, LiveState
from reconciler.core.vocab import CELLS
from reconciler.manifest import name_problem

ORDERS = list(permutations(("shortcode", "tollfree", "longcode")))
APPS = (
    LiveApplication(app_id="20468599130939380", app_name="Replies"),
    LiveApplication(app_id="33660394121755210", app_name="Twin"),
    LiveApplication(app_id="17231002233445566", app_name="Twin"),
    LiveApplication(app_id="17231002233445577", app_name="null"),
    LiveApplication(app_id="17231002233445588", app_name=" padded"),
)
APP_NAMES = ["Replies", "Twin", "null", "Nobody"]  # unique, shared, tricky, unknown
PHLO = "e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11"
TRICKY = ["null", "true", "1", "0x1F", "~", "x: y", "#h", "- d", "[a]", "{b}", "'q", '"q', "a b"]

names = st.one_of(
    st.sampled_from(TRICKY),
    st.text(
        st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Co", "Cn")),
        min_size=1,
        max_size=10,
    ),
).filter(lambda n: name_problem(n) is None)

matrices = st.fixed_dictionaries({cell: st.sampled_from(ORDERS) for cell in CELLS})
maybe_unread = st.one_of(matrices, matrices, st.none())  # None: the list didn't carry it
links = st.one_of(
    st.just(("", "")),
    st.tuples(st.just("xml"), st.sampled_from([a.app_id for a in APPS] + ["99999"])),
    st.just(("phlo", PHLO)),
)


@st.composite
def live_states(draw: Any, pool: list[str] | None = None, unread: bool = True) -> LiveState:
    """A live account: unique names, any flags, apps by unique/shared/unknown id, full matrices."""
    chosen = draw(st.lists(st.sampled_from(pool) if pool else names, unique=True, max_size=6))
    pps = []
    for i, name in enumerate(chosen):
        kind, app_id = draw(links)
        pps.append(
            LivePowerpack(
                uuid=f"00000000-0000-4000-8000-{i:012d}",
                name=name,
                sticky_sender=draw(st.booleans()),
                local_connect=draw(st.booleans()),
                application_type=kind,
                application_id=app_id,
                number_priority=draw(
                    st.one_of(matrices, matrices, st.none()) if unread else matrices
                ),
            )
        )
    return LiveState(powerpacks=tuple(pps), applications=APPS)


def app_links() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.just("none"),
        st.builds(lambda i: {"type": "xml", "id": i}, st.sampled_from([a.app_id for a in APPS])),
        st.builds(lambda n: {"type": "xml", "name": n}, st.sampled_from(APP_NAMES)),
        st.just({"type": "phlo", "id": PHLO}),
        st.just({"type": "XML", "id": "20468599130939380"}),
    )


@st.composite
def partial_matrices(draw: Any) -> dict[str, Any]:
    cells = draw(st.lists(st.sampled_from(CELLS), unique=True, min_size=1))
    out: dict[str, Any] = {}
    for cell in cells:
        country, service = cell.split(".")
        out.setdefault(country, {})[service] = list(draw(st.sampled_from(ORDERS)))
    return out


@st.composite
def bodies(draw: Any) -> dict[str, Any] | None:
    """Some managed fields, or none at all (`name:` alone)."""
    fields = {
        "sticky_sender": st.booleans(),
        "local_connect": st.booleans(),
        "application": app_links(),
        "number_priority": partial_matrices(),
    }
    chosen = draw(st.lists(st.sampled_from(list(fields)), unique=True))
    return {f: draw(fields[f]) for f in chosen} or None


@st.composite
def manifests(draw: Any, pool: list[str]) -> str:
    """A valid manifest over names from `pool`, with defaults, renames and comments."""
    keys = draw(st.lists(st.sampled_from(pool), unique=True, max_size=6))
    pps: dict[str, Any] = {k: draw(bodies()) for k in keys}
    spare = [n for n in pool if n not in pps]
    renamed = draw(st.lists(st.sampled_from(keys), unique=True, max_size=2)) if keys else []
    for key in renamed:
        old = draw(st.sampled_from(spare))
        spare.remove(old)
        pps[key] = {"renamed_from": old, **(pps[key] or {})}
        if not spare:
            break
    doc: dict[str, Any] = {"version": 1, "prune": draw(st.booleans())}
    defaults = draw(bodies())
    if defaults:
        doc["defaults"] = defaults
    doc["powerpacks"] = pps
    return dump_with_comments(doc)


def dump_with_comments(doc: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.default_flow_style = None  # innermost collections in flow style, like people write them
    buf = io.StringIO()
    yaml.dump(doc, buf)
    lines = buf.getvalue().splitlines()
    # A comment on every other line: what the merge must keep.
    out = [
        f"{line}  # c{i}" if i % 2 and not line.endswith(":") else line
        for i, line in enumerate(lines)
    ]
    return "# head\n" + "\n".join(out) + "\n# tail\n"
