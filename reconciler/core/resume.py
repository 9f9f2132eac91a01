"""A saved change against the account as it is now: what is left to send, or why it is stale.

Re-running a saved plan after a crash must finish it, not refuse it. So each part of a change is
checked on its own: a field is at its before value (still to do) or its after value (done); a
pool member is where the plan found it, where the plan puts it, or in between (a move whose
removal landed and whose add didn't). Anything else (a field or member at a third value, a field
the change doesn't touch but sends, or the Powerpack gone) means the account moved since the
plan: the change is stale. Pure: the caller reads the live state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.core import codec
from reconciler.core.models import ApiRequest, Change, LivePowerpack, LiveState
from reconciler.core.states import powerpack_state
from reconciler.core.vocab import DEFAULT_SERVICE, KINDS
from reconciler.core.writes import services


@dataclass
class Resumption:
    """What is left of a change: its requests still to send, or why it no longer applies."""

    left: list[ApiRequest] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # what moved ("sticky_sender: true -> false")
    live: LivePowerpack | None = None  # the Powerpack as it is now (a create found applied)

    @property
    def done(self) -> bool:
        return not self.left and not self.stale


def resume(change: Change, lp: LivePowerpack | None, live: LiveState) -> Resumption:
    """What `change` still has to do to the account `live` (`lp`: its Powerpack now, if any)."""
    if change.action == "delete":
        return _resume_delete(change, lp)
    out = Resumption(live=lp)
    if change.action == "update" and lp is None:
        out.stale.append(f"Powerpack {change.uuid} no longer exists")
        return out
    fields_done = _fields(change, lp, out) if lp is not None else False
    for req in change.requests:
        if req.step == "powerpack" and not fields_done:
            out.left.append(req)
    _members(change, lp, live, out)
    return out


def _resume_delete(change: Change, lp: LivePowerpack | None) -> Resumption:
    if lp is None:
        return Resumption()  # gone: done
    base = change.base_state or {}
    now = powerpack_state(lp, "number_priority" in base)
    moved = moved_fields(base, now)
    return Resumption(left=[] if moved else list(change.requests), stale=moved, live=lp)


def _fields(change: Change, lp: LivePowerpack, out: Resumption) -> bool:
    """Check the Powerpack's fields; True when every changed field is at its after value."""
    changed = [f for f in change.fields if f.field not in KINDS]
    now = codec.live_values(lp, [f.field for f in changed])
    done = True
    differ = []
    for f in changed:
        value, before, after = now.get(f.field), _plain(f.before), _plain(f.after)
        if value == after:
            continue
        done = False
        differ.append(f"{f.field}: {_show(before if change.action == 'update' else after)} -> "
                      f"{_show(value)}")  # fmt: skip
    if change.action == "create" and differ:
        out.stale.append(f"a Powerpack with that name now exists ({lp.uuid}): {', '.join(differ)}")
    elif change.action == "update":
        out.stale += [d for f, d in zip(_differing(changed, now), differ, strict=True) if f]
    if change.action == "update":
        # What the change doesn't touch but was planned against (and, for cells, sends).
        base = dict(change.base_state or {})
        touched = {f.field for f in changed}
        state = powerpack_state(lp, "number_priority" in base)
        for key, value in _flat(base).items():
            if key in KINDS or key == "moves" or _covers(key, touched):
                continue
            if _flat(state).get(key) != value:
                out.stale.append(f"{key}: {_show(value)} -> {_show(_flat(state).get(key))}")
    return done


def _differing(changed: list[Any], now: Mapping[str, Any]) -> list[bool]:
    """For each changed field not at its after value: is it also off its before value?"""
    return [
        now.get(f.field) != _plain(f.before) for f in changed if now.get(f.field) != _plain(f.after)
    ]


def _covers(key: str, touched: set[str]) -> bool:
    if key in ("application_type", "application_id"):
        return "application" in touched
    return key in touched


def _members(change: Change, lp: LivePowerpack | None, live: LiveState, out: Resumption) -> None:
    kinds = {f.field: f for f in change.fields if f.field in KINDS}
    if not kinds:
        return
    pool = live.pool_of(lp) if lp is not None else None
    holders = {m.number: pool_uuid for pool_uuid, p in live.pools.items()
               for k in KINDS for m in p.kind(k) or ()}  # fmt: skip
    for kind, f in kinds.items():
        have = services(f.before or [], kind)
        want = services(f.after or [], kind)
        now = {m.number: m.service or (DEFAULT_SERVICE if kind == "numbers" else "")
               for m in ((pool.kind(kind) or ()) if pool is not None else ())}  # fmt: skip
        moves = {m.number: m for m in change.moves if m.kind == kind}
        for number in sorted(set(now) - set(have) - set(want)):
            out.stale.append(f"{kind}: {number} is in the pool, which the plan did not expect")
        requests = _member_requests(change, kind)
        for number in sorted(set(have) | set(want)):
            mine = [r for r in requests if r.path.rstrip("/").endswith(f"/{number}")]
            out.left += _left(number, mine, have, want, now, moves, holders, out, kind)


def _member_requests(change: Change, kind: str) -> list[ApiRequest]:
    resource = codec.POOL_RESOURCE[kind]
    return [r for r in change.requests if f"/{resource}/" in r.path and r.step != "powerpack"]


def _left(
    number: str,
    requests: list[ApiRequest],
    have: Mapping[str, str],
    want: Mapping[str, str],
    now: Mapping[str, str],
    moves: Mapping[str, Any],
    holders: Mapping[str, str],
    out: Resumption,
    kind: str,
) -> list[ApiRequest]:
    """One member's requests still to send, given where it is now."""
    if not requests:  # kept, or moving out (the destination's change moves it)
        if number in have and number in want and number not in now:
            out.stale.append(f"{kind}: {number} left the pool since the plan")
        return []
    adds = [r for r in requests if r.method == "POST"]
    removes = [r for r in requests if r.method == "DELETE"]
    if number in want and now.get(number) == want[number]:
        return []  # at its after place: done
    move = moves.get(number)
    if move is not None:
        held = holders.get(number) == move.source_pool
        if held:
            return requests  # nothing of the move landed
        if number in holders:
            out.stale.append(f"{kind}: {number} is now in another pool ({holders[number]})")
            return []
        return adds  # the removal landed, the add didn't: the number is in no pool
    if number not in want:  # a removal
        return removes if number in now else []
    if number in have and number in now:  # a service change not begun
        if now[number] != have[number]:
            out.stale.append(f"{kind}: {number} service is {now[number]}")
            return []
        return requests
    if number in holders:
        out.stale.append(f"{kind}: {number} is now in another pool ({holders[number]})")
        return []
    return adds  # an add not sent, or a service change whose removal landed


def moved_fields(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """`field: before -> now` for each field (and priority cell) that differs."""
    flat_before, flat_now = _flat(before), _flat(now)
    return [
        f"{k}: {_show(flat_before.get(k))} -> {_show(flat_now.get(k))}"
        for k in sorted(flat_before.keys() | flat_now.keys())
        if flat_before.get(k) != flat_now.get(k)
    ]


def _flat(state: Mapping[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in state.items() if k != "number_priority"}
    for cell, order in (state.get("number_priority") or {}).items():
        flat[f"number_priority.{cell}"] = list(order)
    return flat


def _plain(value: Any) -> Any:
    """A field value as compared: an application without its display name."""
    if isinstance(value, dict) and "id" in value and "type" in value:
        return {"type": str(value["type"]).lower(), "id": value["id"]}
    return value


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)
