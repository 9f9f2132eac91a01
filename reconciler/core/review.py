"""Review and guards, pure: what a change intends versus what drifted, and what a plan may do.

- Origins (with the base manifest, as it stands on the target branch): a field change is
  `intent` where the manifest differs from BASE (a field BASE doesn't manage, or a Powerpack
  BASE lacks, differs), `drift` where BASE already differs from live, `both` where both hold.
  A create of a Powerpack BASE already declares is drift; a delete is intent if BASE declared
  the Powerpack, drift otherwise.
- Protection: a protected Powerpack (in the manifest or in BASE) is never deleted and loses
  no pool member (removal, unlink or move out).
- The mass-change guard: touched (updates + deletes) over managed (the manifest's Powerpacks
  found live, plus with prune those planned for deletion), and pool removals (removals and
  unlinks; moves and service changes keep the number in service).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.core import identity
from reconciler.core.models import (
    Change,
    DesiredPowerpack,
    FieldChange,
    Guards,
    LiveState,
    Loc,
    Manifest,
    Plan,
)
from reconciler.core.vocab import CELLS, KINDS, SCALARS, cell_field


def label_origins(plan: Plan, manifest: Manifest, base: Manifest, live: LiveState) -> Plan:
    """The plan with `origin` on every field change (and on creates and deletes)."""
    by_name = identity.live_by_name(live.powerpacks)
    base_of = _base_entries(base, by_name)
    changes = []
    for change in plan.changes:
        entry = base_of.get(change.uuid) if change.uuid else base.powerpacks.get(change.name)
        if change.action == "delete":
            declared = entry is not None or change.name in base.powerpacks
            changes.append(change.model_copy(update={"origin": "intent" if declared else "drift"}))
            continue
        wanted = _values(entry, live) if entry is not None else {}
        fields = tuple(_label(f, wanted, entry is not None) for f in change.fields)
        update: dict[str, Any] = {"fields": fields}
        if change.action == "create":
            update["origin"] = "drift" if entry is not None else "intent"
        changes.append(change.model_copy(update=update))
    return plan.model_copy(update={"changes": tuple(changes), "has_base": True})


def _base_entries(base: Manifest, by_name: Mapping[str, Any]) -> dict[str, DesiredPowerpack]:
    """BASE's Powerpacks by the uuid of the live Powerpack each stands for."""
    try:
        matches, _ = identity.match_all(base.powerpacks, by_name)
    except Exception:  # a BASE whose renames can't apply any more: match by name only
        return {by_name[n].uuid: dp for n, dp in base.powerpacks.items() if n in by_name}
    return {m.live.uuid: m.desired for m in matches if m.live is not None}


def _values(dp: DesiredPowerpack, live: LiveState) -> dict[str, Any]:
    """What a BASE entry asks for, as plan field values (names resolved where possible)."""
    values: dict[str, Any] = {"name": dp.name}
    values.update({f: getattr(dp, f) for f in SCALARS if getattr(dp, f) is not None})
    if dp.application is not None:
        try:
            values["application"] = identity.resolve_app(dp.application, live.applications)
        except ValueError:
            values["application"] = {"unresolved": dp.application.model_dump()}
    for cell in CELLS:
        if cell in dp.number_priority:
            values[cell_field(cell)] = list(dp.number_priority[cell])
    if dp.numbers is not None:
        values["numbers"] = sorted(
            ({"number": m.number, "service": m.service} for m in dp.numbers),
            key=lambda v: v["number"],
        )
    for kind in ("tollfree", "shortcodes"):
        members = dp.members(kind)
        if members is not None:
            values[kind] = sorted(members)
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and {"type", "id"} <= set(value):
        return {"type": value["type"], "id": value["id"]}
    return value


def _label(f: FieldChange, wanted: Mapping[str, Any], in_base: bool) -> FieldChange:
    managed = f.field in wanted
    intent = not managed or _plain(wanted[f.field]) != _plain(f.after)
    drift = managed and _plain(wanted[f.field]) != _plain(f.before)
    if not in_base:
        intent, drift = True, False
    origin = "both" if intent and drift else ("intent" if intent else "drift")
    return f.model_copy(update={"origin": origin})


# --- protection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Protection:
    name: str
    where: Loc | None  # where `protect: true` is written (in the manifest or in BASE)
    in_base: bool


def protections(
    manifest: Manifest | None, base: Manifest | None, live: LiveState
) -> dict[str, Protection]:
    """The uuids of the protected live Powerpacks, and of their pools, -> why each is protected.

    A pool's uuid is there because a move out of it belongs to the destination's change: the
    move names the source pool, and the source may have no change of its own (or no entry)."""
    by_name = identity.live_by_name(live.powerpacks)
    pools = {lp.uuid: lp.pool_uuid for lp in live.powerpacks}
    out: dict[str, Protection] = {}
    for source, is_base in ((base, True), (manifest, False)):
        if source is None:
            continue
        entries = _base_entries(source, by_name)
        for uuid, dp in entries.items():
            if dp.protect:
                guard = Protection(dp.name, dp.field_locs.get("protect") or dp.loc, is_base)
                out[uuid] = guard
                if pools.get(uuid):
                    out[pools[uuid]] = guard
    return out


def live_of_plan(plan: Plan) -> LiveState:
    """The live Powerpacks a saved plan names (its changes' and its moves' sources), enough for
    protections() to find which of them a manifest protects, with no call made."""
    from reconciler.core.models import LivePowerpack

    found: dict[str, dict[str, str]] = {}
    for change in plan.changes:
        if change.uuid:
            old = next((str(f.before) for f in change.fields if f.field == "name"), change.name)
            found.setdefault(old, {"uuid": change.uuid, "pool": ""})
            if change.pool_uuid:
                found[old]["pool"] = change.pool_uuid
        for move in change.moves:
            entry = found.setdefault(move.source, {"uuid": f"pool:{move.source_pool}", "pool": ""})
            entry["pool"] = entry["pool"] or move.source_pool
    return LiveState(
        powerpacks=tuple(
            LivePowerpack(
                uuid=v["uuid"],
                name=name,
                sticky_sender=True,
                local_connect=True,
                pool_uuid=v["pool"],
            )
            for name, v in found.items()
        )
    )


def protection_problems(plan: Plan, protected: Mapping[str, Protection]) -> list[str]:
    """Each delete of, or removal from, a protected Powerpack, with where protection is set:
    its own deletes, removals and unlinks, and moves out of its pool (in any change)."""
    problems = []
    named: set[str] = set()  # members already named: a move shows in two changes
    for change in plan.changes:
        guard = protected.get(change.uuid or "")
        if guard is None:
            continue
        where = _where(guard)
        if change.action == "delete":
            problems.append(f"delete {identity.show_name(change.name)}: it is protected{where}")
            continue
        for number in _removed_members(change):
            named.add(number)
            problems.append(
                f"update {identity.show_name(change.name)}: removes {number} from a protected "
                f"pool{where}"
            )
    for change in plan.changes:
        for move in change.moves:
            guard = protected.get(move.source_pool)
            if guard is None or move.source == change.name or move.number in named:
                continue
            named.add(move.number)
            problems.append(
                f"update {identity.show_name(change.name)}: moves {move.number} out of "
                f"{identity.show_name(move.source)}'s pool, which is protected{_where(guard)}"
            )
    return problems


def _where(guard: Protection) -> str:
    if guard.where is None:
        return " (protect: true)"
    base = " in the base manifest" if guard.in_base else ""
    return f" (protect: true at {guard.where.file}:{guard.where.line}{base})"


def _removed_members(change: Change) -> list[str]:
    """Members leaving this Powerpack's pool: removals, unlinks and moves out."""
    out = []
    for f in change.fields:
        if f.field in KINDS:
            before = {_number(v) for v in f.before or []}
            after = {_number(v) for v in f.after or []}
            out += sorted(before - after)
    out += [m.number for m in change.moves if m.source == change.name]
    return sorted(set(out))


def _number(value: Any) -> str:
    return value["number"] if isinstance(value, dict) else str(value)


# --- the mass-change guard ---------------------------------------------------------------------


def pool_removals(changes: Iterable[Change]) -> int:
    """Removals and unlinks of the plan (moves and service changes keep the number in use)."""
    return sum(r.step == "remove" for c in changes for r in c.requests)


def guard_problems(plan: Plan, guards: Guards) -> list[str]:
    """Which guard the plan trips, with the figure (empty: it passes)."""
    touched = sum(c.action in ("update", "delete") for c in plan.changes)
    managed = plan.summary.update + plan.summary.unchanged + plan.summary.delete
    problems = []
    limit = guards.max_touched_percent
    if managed >= guards.min_managed and touched * 100 > limit * managed:
        share = 100 * touched / managed if managed else 0
        problems.append(
            f"guards.max_touched_percent: the plan touches {touched} of {managed} managed "
            f"Powerpacks ({share:.0f}%, over {limit}%)"
        )
    removals = pool_removals(plan.changes)
    if removals > guards.max_pool_removals:
        problems.append(
            f"guards.max_pool_removals: the plan removes {removals} pool members "
            f"(over {guards.max_pool_removals})"
        )
    return problems
