"""The planner: a pure function of (manifest, live state) -> Plan.

Order of the plan: renames, updates, creates, deletes, by name within a kind (names are freed by
renames before creates reuse them). Every plan-time problem located in the manifest is collected
and raised at once. Nothing here reads the network or the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deepdiff import DeepDiff

from reconciler.core import codec, identity
from reconciler.core.impact import sender_impact
from reconciler.core.models import (
    Change,
    DesiredPowerpack,
    FieldChange,
    LivePowerpack,
    LiveState,
    Loc,
    Manifest,
    Plan,
    Summary,
    fingerprint,
)
from reconciler.core.pools import PoolsNotRead, PoolWork, declared_elsewhere, holders, plan_pool
from reconciler.core.states import powerpack_state
from reconciler.core.vocab import CELLS, FIELD_ORDER, KINDS, SCALARS, cell_field, is_cell
from reconciler.core.writes import powerpack_request
from reconciler.errors import PlanError, Problem


class _Context:
    """What planning one manifest against one live state shares: indexes and found problems."""

    def __init__(self, manifest: Manifest, live: LiveState):
        self.manifest, self.live = manifest, live
        self.by_name = identity.live_by_name(live.powerpacks)
        self.holders = holders(live)
        self.declared = declared_elsewhere(manifest.powerpacks)
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def problem(self, dp: DesiredPowerpack, key: str, message: str) -> None:
        """A plan-time problem, located where the manifest sets `key` of `dp`."""
        where = dp.field_locs.get(key) or dp.field_locs.get(key.split(".")[0]) or dp.loc
        where = where or Loc(file=self.manifest.path, line=1, col=1)
        path = f"powerpacks.{dp.name}.{key.split('.')[0]}"
        found = Problem(where.file, where.line, where.col, path, message)
        if not any((p.line, p.col, p.message) == (found.line, found.col, found.message)
                   for p in self.problems):  # fmt: skip
            self.problems.append(found)


def plan(manifest: Manifest, live: LiveState, *, targets: Sequence[str] = ()) -> Plan:
    """Compute the ordered changes that bring `live` to `manifest`; no-ops never appear.

    With `targets`, only the named Powerpacks are planned: manifest entries, or (with prune) live
    Powerpacks the prune deletes.
    """
    ctx = _Context(manifest, live)
    matches, claimed = identity.match_all(manifest.powerpacks, ctx.by_name)
    unclaimed = sorted(name for name in ctx.by_name if name not in claimed)
    _check_targets(manifest, targets, unclaimed)
    chosen = [m for m in matches if not targets or m.desired.name in targets]
    try:
        changes = [c for c in (_change_for(m, ctx) for m in chosen) if c is not None]
    except PoolsNotRead as e:
        raise PlanError(f"plan: the live read is incomplete ({e}); refusing to plan") from None
    deleted = [n for n in unclaimed if manifest.prune and (not targets or n in targets)]
    changes += [_delete(ctx.by_name[name], manifest) for name in deleted]
    _attach_moves_out(changes)
    if ctx.problems:
        count = len(ctx.problems)
        raise PlanError(
            f"plan: {count} problem{'s' if count > 1 else ''} against the live account",
            ctx.problems,
        )
    # With --target, the pairs are those of the whole plan: a delete targeted alone is still
    # the one half of a delete and re-create of one Powerpack under a look-alike name.
    whole = (
        [m.desired.name for m in matches if m.live is None],
        unclaimed if manifest.prune else [],
    )
    _refuse_lookalikes(changes, ctx, whole)
    _warn_renames(manifest, ctx, deleted)
    return Plan(
        changes=tuple(sorted(changes, key=_order)),
        summary=_summary(changes, len(chosen), len(unclaimed) - len(deleted)),
        manifest_path=manifest.path,
        manifest_sha256=manifest.sha256,
        warnings=tuple(ctx.warnings),
        sender_impact=sender_impact(chosen, live, ctx.holders, ctx.declared),
    )


def _check_targets(manifest: Manifest, targets: Sequence[str], unclaimed: list[str]) -> None:
    """Every --target must name a Powerpack of the manifest, or one that prune deletes."""
    known = sorted(manifest.powerpacks) + (unclaimed if manifest.prune else [])
    unknown = sorted(set(targets) - set(known))
    if not unknown:
        return
    lines = []
    for name in unknown:
        close = identity.close_names(name, known)
        hint = f" (did you mean {' or '.join(map(identity.show_name, close))}?)" if close else ""
        lines.append(f"{identity.show_name(name)}{hint}")
    what = f"a Powerpack of {manifest.path}" + (" or one prune deletes" if manifest.prune else "")
    known_text = ", ".join(map(identity.show_name, known)) or "(none)"
    raise PlanError(f"plan: --target {', '.join(lines)}: not {what} (known: {known_text})")


# --- one Powerpack's change ---------------------------------------------------------------------


def _change_for(match: identity.Match, ctx: _Context) -> Change | None:
    dp, lp = match.desired, match.live
    desired = _desired_values(dp, ctx)
    work = plan_pool(dp, lp, ctx.live, ctx.holders, ctx.declared)
    for key, message in work.problems:
        ctx.problem(dp, key, message)
    if lp is None:
        return _create(dp, desired, work, ctx.live)
    return _update(dp, lp, desired, work, ctx.live)


def _desired_values(dp: DesiredPowerpack, ctx: _Context) -> dict[str, Any]:
    """The managed fields of a manifest Powerpack as field values; unmanaged ones are absent."""
    values: dict[str, Any] = {f: getattr(dp, f) for f in SCALARS if getattr(dp, f) is not None}
    if dp.application is not None:
        try:
            values["application"] = identity.resolve_app(dp.application, ctx.live.applications)
        except ValueError as e:
            ctx.problem(dp, "application", str(e))
    for cell in CELLS:
        if cell in dp.number_priority:
            values[cell_field(cell)] = list(dp.number_priority[cell])
    return values


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The top-level keys whose values differ, from deepdiff's report, in display order.

    Equal dicts are settled by `==` first: 5,000 unchanged Powerpacks cost 2 s of DeepDiff
    calls, 10 ms this way. deepdiff reports a dict with no key in common as one change at the
    root; then every key present on either side differs.
    """
    if before == after:
        return []
    report = DeepDiff(dict(before), dict(after), view="tree")
    paths = [level.path(output_format="list") for levels in report.values() for level in levels]
    if any(not path for path in paths):
        keys = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    else:
        keys = {str(path[0]) for path in paths}
    return sorted(keys, key=_field_rank)


def _field_rank(key: str) -> tuple[int, str]:
    order = (*FIELD_ORDER, *KINDS)
    return (order.index(key), key) if key in order else (len(order), key)


def _with_app_names(value: Any, key: str, live: LiveState) -> Any:
    """Add the application's name (when the Application list knows it) for display."""
    if key != "application" or value is None:
        return value
    names = identity.app_names(value["id"], live.applications)
    return {**value, "name": names[0]} if names else value


def _field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], live: LiveState
) -> list[FieldChange]:
    return [
        FieldChange(
            field=k,
            before=_with_app_names(before.get(k), k, live),
            after=_with_app_names(after.get(k), k, live),
        )
        for k in changed_fields(before, after)
    ]


def _create(dp: DesiredPowerpack, desired: dict[str, Any], work: PoolWork, live: LiveState):
    """A create sends the name and the managed fields; `application: none` sends nothing."""
    shown = {k: v for k, v in desired.items() if not (k == "application" and v is None)}
    request = powerpack_request("create", dp.name, None, shown, None)
    assert request is not None
    base = {"moves": work.base["moves"]} if "moves" in work.base else None
    return Change(
        action="create",
        name=dp.name,
        source=dp.loc,
        fields=(*_field_changes({}, shown, live), *work.fields),
        moves=tuple(work.moves_in),
        requests=(request, *work.requests),
        base=fingerprint(base) if base else None,
        base_state=base,
    )


def _update(
    dp: DesiredPowerpack,
    lp: LivePowerpack,
    desired: dict[str, Any],
    work: PoolWork,
    live: LiveState,
) -> Change | None:
    """One POST carrying only the changed fields (all four cells when any cell changed), then
    the pool's requests."""
    if any(is_cell(k) for k in desired) and lp.number_priority is None:
        raise PlanError(
            f"plan: {identity.show_name(lp.name)}: number_priority is managed but was not read "
            f"from the account (uuid {lp.uuid}); refusing to guess"
        )
    before = codec.live_values(lp, list(desired))
    if lp.name != dp.name:
        before, desired = {"name": lp.name, **before}, {"name": dp.name, **desired}
    fields = _field_changes(before, desired, live)
    changed = {f.field: desired[f.field] for f in fields}
    first = powerpack_request("update", dp.name, lp.uuid, changed, lp.number_priority)
    requests = [first] if first is not None else []
    if not fields and not work.fields and not work.requests:
        return None
    state = {**powerpack_state(lp, lp.number_priority is not None), **work.base}
    return Change(
        action="update",
        name=dp.name,
        uuid=lp.uuid,
        pool_uuid=lp.pool_uuid if work.requests else None,
        source=dp.loc,
        fields=(*fields, *work.fields),
        moves=tuple(work.moves_in),
        requests=(*requests, *work.requests),
        base=fingerprint(state),
        base_state=state,
    )


def _delete(lp: LivePowerpack, manifest: Manifest) -> Change:
    state = powerpack_state(lp, include_priority=lp.number_priority is not None)
    return Change(
        action="delete",
        name=lp.name,
        uuid=lp.uuid,
        source=manifest.prune_loc,
        requests=(codec.delete_request(lp.uuid),),
        base=fingerprint(state),
        base_state=state,
    )


def _attach_moves_out(changes: list[Change]) -> None:
    """A source Powerpack that has a change of its own (an update, or the delete of a pruned
    one) shows the members moving out of it."""
    # A move names its source as the pool's holder was read; a source being renamed goes by the
    # name its change carries, so its change finds (and its saved requests keep) the move.
    renamed = {str(f.before): c.name for c in changes for f in c.fields if f.field == "name"}
    for i, change in enumerate(changes):
        if any(m.source in renamed for m in change.moves):
            moves = tuple(m.model_copy(update={"source": renamed.get(m.source, m.source)})
                          for m in change.moves)  # fmt: skip
            changes[i] = change.model_copy(update={"moves": moves})
    moving = [m for c in changes for m in c.moves if m.destination == c.name]
    for i, change in enumerate(changes):
        out = tuple(m for m in moving if m.source == change.name)
        if out and change.action in ("update", "delete"):
            changes[i] = change.model_copy(update={"moves": (*change.moves, *out)})


# --- checks and warnings on the whole plan ------------------------------------------------------


def _refuse_lookalikes(
    changes: list[Change], ctx: _Context, whole: tuple[list[str], list[str]]
) -> None:
    """A delete and a create whose names only look different are one Powerpack, most likely
    (`whole`: the creates and deletes of the untargeted plan; a pair is refused when this plan
    holds either half)."""
    creates = [c.name for c in changes if c.action == "create"]
    deletes = [c.name for c in changes if c.action == "delete"]
    pairs = [
        (new, old)
        for new, old in identity.lookalikes(whole[0], whole[1])
        if new in creates or old in deletes
    ]
    if pairs:
        lines = [
            f"  create {identity.quoted(new)} and delete {identity.quoted(old)}: the names "
            f"differ only in invisible characters, case, blanks or look-alike letters. If it is "
            f"the same Powerpack, rename it: `renamed_from: {_yaml_name(old)}` under "
            f"{identity.quoted(new)}"
            for new, old in pairs
        ]
        raise PlanError(
            "plan: refusing to delete and re-create look-alike Powerpacks (numbers would leave "
            "the pool):\n" + "\n".join(lines)
        )
    others = [n for n in ctx.by_name if n not in deletes]
    for new, old in identity.lookalikes(creates, others):
        ctx.warnings.append(
            f"create {identity.quoted(new)}: a live Powerpack is named "
            f"{identity.quoted(old)}, which looks the same"
        )


def _yaml_name(name: str) -> str:
    """A name as YAML takes it, for a suggestion to paste (double quotes, escapes)."""
    return identity.quoted(name) if identity.name_hazards(name) else f'"{name}"'


def _warn_renames(manifest: Manifest, ctx: _Context, deleted: list[str]) -> None:
    """renamed_from that names nothing live while prune deletes a close name; or ignored."""
    for name, dp in sorted(manifest.powerpacks.items()):
        old = dp.renamed_from
        if old is None or name in ctx.by_name or old in ctx.by_name:
            continue
        close = identity.close_names(old, deleted)
        if close:
            ctx.warnings.append(
                f"{identity.quoted(name)}: renamed_from {identity.quoted(old)} names no "
                f"live Powerpack, and prune deletes {identity.quoted(close[0])}: a typo? "
                f"(the plan creates {identity.quoted(name)} instead of renaming)"
            )
    for new, old in identity.moot_renames(manifest.powerpacks, ctx.by_name):
        ctx.warnings.append(
            f"{identity.quoted(new)}: renamed_from {identity.quoted(old)} is ignored: both "
            "names exist live (remove renamed_from, or delete one of them)"
        )


# --- ordering and summary ------------------------------------------------------------------------


def _order(change: Change) -> tuple[int, str]:
    """Renames, updates, creates, deletes; by name within a kind."""
    is_rename = any(f.field == "name" for f in change.fields)
    kind = {"update": 1, "create": 2, "delete": 3}[change.action]
    return (0 if is_rename else kind, change.name)


def _summary(changes: list[Change], planned: int, not_managed: int) -> Summary:
    counts = {a: sum(1 for c in changes if c.action == a) for a in ("create", "update", "delete")}
    in_scope = counts["create"] + counts["update"]
    return Summary(**counts, unchanged=planned - in_scope, not_managed=not_managed)
