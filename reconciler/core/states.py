"""The normalized state a change is computed from, and the state it leaves. Pure.

A change's `base_state` holds what it was planned against: the Powerpack's fields (its matrix
when it was read), each managed pool kind's members, and, for a member moving in, whether its
source pool still holds it. Its fingerprint is the change's `base`. A saved plan is stale when
the account's state now is neither the base nor the state the change leaves (`after_state`):
the latter means it was already applied.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.core.codec import member_values
from reconciler.core.models import Change, LivePowerpack, LiveState
from reconciler.core.vocab import KINDS, field_cell, is_cell


def powerpack_state(lp: LivePowerpack, include_priority: bool) -> dict[str, Any]:
    """A live Powerpack's fields as a change's base records them."""
    state: dict[str, Any] = {
        "name": lp.name,
        "sticky_sender": lp.sticky_sender,
        "local_connect": lp.local_connect,
        "application_type": lp.application_type.lower() if lp.application_id else "",
        "application_id": lp.application_id,
    }
    if include_priority and lp.number_priority is not None:
        state["number_priority"] = {cell: list(order) for cell, order in lp.number_priority.items()}
    return state


def state_like(base: dict[str, Any], lp: LivePowerpack, live: LiveState) -> dict[str, Any]:
    """The state now, with the same keys as `base` (the pools and sources it names re-read)."""
    state = powerpack_state(lp, "number_priority" in base)
    pool = live.pool_of(lp)
    for kind in KINDS:
        if kind in base:
            state[kind] = member_values(pool.kind(kind) or (), kind)
    if "moves" in base:
        state["moves"] = moves_state(base["moves"], live)
    return state


def moves_state(moves: list[dict[str, Any]], live: LiveState) -> list[dict[str, Any]]:
    """For each member moving in: does its source pool (as read now) still hold it?"""
    out = []
    for entry in moves:
        pool = live.pools.get(str(entry.get("source_pool")))
        held = pool is not None and any(
            m.number == entry.get("number") for k in KINDS for m in pool.kind(k) or ()
        )
        out.append({**entry, "held": held})
    return out


def after_state(change: Change) -> dict[str, Any] | None:
    """The state `change` leaves its Powerpack in: its base with every field at its after value
    (None for a delete, or a create with no base)."""
    if change.base_state is None or change.action == "delete":
        return None
    state = copy.deepcopy(change.base_state)
    for f in change.fields:
        if f.field == "application":
            app = f.after or {}
            state["application_type"] = app.get("type", "")
            state["application_id"] = app.get("id", "")
        elif is_cell(f.field):
            state.setdefault("number_priority", {})[field_cell(f.field)] = list(f.after)
        else:
            state[f.field] = copy.deepcopy(f.after)
    if "moves" in state:
        state["moves"] = [{**m, "held": False} for m in state["moves"]]
    return state
