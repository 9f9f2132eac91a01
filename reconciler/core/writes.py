"""The writes a change makes, from its typed content: the planner's own code, also the check of
a saved plan (a plan file is data: its requests must be exactly what its changes say).

`change_requests(change)` rebuilds every request of a change from its action, uuid, pool, field
changes (their after values; the live cells of a priority update that are not among its fields
come from `base_state`) and moves. The planner builds its changes' requests with the same two
helpers, `powerpack_request` and `member_requests`, so the two can't drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.core import codec
from reconciler.core.models import ApiRequest, Change, Move
from reconciler.core.vocab import CELLS, DEFAULT_SERVICE, KINDS, cell_field, is_cell


def full_matrix(changed: Mapping[str, Any], live_cells: Mapping[str, Any] | None) -> dict:
    """All four cells: the changed ones, the rest as read live (so merge and replace agree)."""
    cells: dict[str, Any] = {}
    for cell in CELLS:
        key = cell_field(cell)
        live_order = (live_cells or {}).get(cell)
        value = changed.get(key, list(live_order) if live_order is not None else None)
        if value is not None:
            cells[key] = value
    return cells


def powerpack_request(
    action: str, name: str, uuid: str | None, changed: Mapping[str, Any], live_cells: Any
) -> ApiRequest | None:
    """The Powerpack write of a create (the name and the managed fields) or an update (only the
    changed fields, all four cells when one changed); None when an update changes nothing."""
    if action == "create":
        body = {"name": name, **codec.powerpack_body(changed)}
        return ApiRequest(method="POST", path=codec.powerpack_path(), body=body)
    if not changed:
        return None
    matrix = full_matrix(changed, live_cells) if any(is_cell(k) for k in changed) else None
    body = codec.powerpack_body(changed, matrix)
    return ApiRequest(method="POST", path=codec.powerpack_path(uuid), body=body)


def member_requests(
    kind: str,
    have: Mapping[str, str],
    wanted: Mapping[str, str],
    moves_in: Mapping[str, Move],
    moving_out: Iterable[str],
    pool: str,
) -> list[ApiRequest]:
    """One pool kind's requests: arrivals by number (a move: the removal from the source pool,
    then the add; else an add), removals (not of members moving out: the destination removes
    them), then service changes (a removal, then the add). Numbers map to their service."""
    out: list[ApiRequest] = []
    leaving = set(moving_out)
    for number in sorted(set(wanted) - set(have)):
        if kind == "shortcodes":
            raise ValueError(f"short code {number} would be added: the API can't add short codes")
        move = moves_in.get(number)
        if move is not None:
            out.append(codec.remove_request(move.source_pool, kind, number, "move"))
        out.append(codec.add_request(pool, kind, number, wanted[number], "move" if move else "add"))
    for number in sorted(set(have) - set(wanted) - leaving):
        out.append(codec.remove_request(pool, kind, number, "remove"))
    for number in sorted(set(have) & set(wanted)):
        if kind == "numbers" and (have[number] or DEFAULT_SERVICE) != wanted[number]:
            out.append(codec.remove_request(pool, kind, number, "service"))
            out.append(codec.add_request(pool, kind, number, wanted[number], "service"))
    return out


def services(values: Iterable[Any], kind: str) -> dict[str, str]:
    """A plan field's members (`{"number", "service"}` or strings) as number -> service."""
    if kind == "numbers":
        return {v["number"]: v.get("service") or DEFAULT_SERVICE for v in values}
    return {str(v): "" for v in values}


def change_requests(change: Change) -> list[ApiRequest]:
    """Every request `change` makes, rebuilt from its typed content (ValueError: it can't be)."""
    if change.action == "delete":
        if change.uuid is None:
            raise ValueError("a delete needs the uuid of the Powerpack it deletes")
        return [codec.delete_request(change.uuid)]
    if change.action == "update" and change.uuid is None:
        raise ValueError("an update needs the uuid of the Powerpack it updates")
    if change.action == "create" and change.uuid is not None:
        raise ValueError("a create has no uuid yet")
    changed = {f.field: f.after for f in change.fields if f.field not in KINDS}
    if change.action == "create":
        changed = {k: v for k, v in changed.items() if not (k == "application" and v is None)}
    live_cells = (change.base_state or {}).get("number_priority")
    first = powerpack_request(change.action, change.name, change.uuid, changed, live_cells)
    out = [first] if first is not None else []
    kinds = {f.field: f for f in change.fields if f.field in KINDS}
    if kinds and change.action == "update" and not change.pool_uuid:
        raise ValueError("an update of pool members needs the uuid of its pool")
    pool = change.pool_uuid if change.action == "update" else codec.POOL_PLACEHOLDER
    for kind in KINDS:
        if kind not in kinds:
            continue
        moves = [m for m in change.moves if m.kind == kind]
        moves_in = {m.number: m for m in moves if m.destination == change.name}
        moving_out = {m.number for m in moves if m.source == change.name}
        have = services(kinds[kind].before or [], kind)
        wanted = services(kinds[kind].after or [], kind)
        out += member_requests(kind, have, wanted, moves_in, moving_out, str(pool))
    return out
