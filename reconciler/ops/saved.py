"""A saved plan against the live account: refuse another account's plan or a stale one, and
find what of it is left to send (re-running a saved plan after a crash finishes it).

Reads: one GET per Powerpack the plan updates or deletes; the Powerpack list when it creates or
renames (a name taken since the plan, or a create that already landed); the pools whose members
it changes, and each moving member's source pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.api.client import PlivoClient
from reconciler.core.models import ApiRequest, Change, LivePool, LivePowerpack, LiveState, Plan
from reconciler.core.resume import resume
from reconciler.core.vocab import KINDS
from reconciler.errors import ApiError, StalePlanError
from reconciler.ops.apply import is_rename
from reconciler.ops.fetch import fetch_powerpack, list_powerpacks, read_pool
from reconciler.secrets import account_sha256, mask_account


@dataclass
class SavedRun:
    """What of a saved plan is left: requests per change (by id), pools of creates that landed."""

    left: dict[int, list[ApiRequest]] = field(default_factory=dict)
    pools: dict[str, str] = field(default_factory=dict)
    already: list[Change] = field(default_factory=list)


def check_account(plan: Plan, auth_id: str) -> None:
    """Refuse a plan made for another account, before any call."""
    if not plan.account_sha256 or plan.account_sha256 != account_sha256(auth_id):
        raise StalePlanError(
            f"apply: the saved plan was made for account {plan.account or '(unknown)'}, "
            f"not {mask_account(auth_id)}: refusing to apply it"
        )


def check_saved_plan(client: PlivoClient, plan: Plan, auth_id: str) -> SavedRun:
    """StalePlanError naming each change the account moved away from; else what is left."""
    check_account(plan, auth_id)
    touched = [c for c in plan.changes if c.uuid]
    current = dict(zip((c.uuid for c in touched), client.map(lambda c: _read(client, c), touched),
                       strict=True))  # fmt: skip
    named = {c.name for c in plan.changes if c.action == "create" or is_rename(c) or c.moves}
    listed = {lp.name: lp for lp in list_powerpacks(client)} if named else {}
    run, stale = SavedRun(), []
    found: dict[str, LivePowerpack | None] = {}
    for change in plan.changes:
        if change.action == "create":
            found[change.name] = listed.get(change.name)
        else:
            found[change.name] = current.get(change.uuid)
    live = LiveState(pools=_pools(client, plan, found))
    stale += _pool_problems(plan, found, listed)
    for change in plan.changes:
        lp = found[change.name]
        done = resume(change, lp, live)
        since = "" if change.action == "create" else "changed since the plan: "
        stale += [f"{change.action} {change.name}: {since}{m}" for m in done.stale]
        holder = listed.get(change.name)
        if is_rename(change) and holder is not None and holder.uuid != change.uuid:
            stale.append(f"{change.action} {change.name}: a Powerpack with that name now exists "
                         f"({holder.uuid})")  # fmt: skip
        run.left[id(change)] = done.left
        if change.action == "create" and lp is not None:
            run.pools[change.name] = lp.pool_uuid
        if done.done:
            run.already.append(change)
    if stale:
        lines = "\n".join(f"  {m}" for m in dict.fromkeys(stale))
        raise StalePlanError(
            f"apply: the saved plan is stale ({len(set(stale))} change(s)); re-run plan:\n{lines}"
        )
    return run


def _pool_problems(
    plan: Plan, found: dict[str, LivePowerpack | None], listed: dict[str, LivePowerpack]
) -> list[str]:
    """The pools a plan's member requests name must be those of the Powerpacks it names: the
    change's own pool, and each move's source pool that of its source Powerpack (else an edited
    plan could add to, or take from, the pool of a Powerpack it doesn't show)."""
    problems = []
    names = {lp.pool_uuid: {lp.name} for lp in listed.values()}
    for change in plan.changes:  # a Powerpack the plan renames is its source under either name
        lp = found.get(change.name)
        if lp is not None and is_rename(change):
            names.setdefault(lp.pool_uuid, set()).update(
                {change.name, *(str(f.before) for f in change.fields if f.field == "name")}
            )
    # A source the plan deletes that is gone already (a re-run): its pool went with it, and
    # each move out of it is judged by where its number is now (resume).
    gone = {c.name for c in plan.changes if c.action == "delete" and found.get(c.name) is None}
    for change in plan.changes:
        lp = found.get(change.name)
        pool = change.pool_uuid
        if change.action == "update" and pool and lp is not None and lp.pool_uuid != pool:
            problems.append(
                f"update {change.name}: its number pool is {lp.pool_uuid}, not {pool} as the "
                "plan says"
            )
        problems += [
            f"{change.action} {change.name}: {m.number} moves from pool {m.source_pool}, "
            f"which is not the pool of {m.source}"
            for m in change.moves
            if m.source not in names.get(m.source_pool, set()) and m.source not in gone
        ]
    return problems


def _read(client: PlivoClient, change: Change) -> LivePowerpack | None:
    try:
        return fetch_powerpack(client, change.uuid or "")
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def _pools(
    client: PlivoClient, plan: Plan, found: dict[str, LivePowerpack | None]
) -> dict[str, LivePool]:
    """The pools the plan's member changes name, and the source pools of its moves, read now."""
    jobs: dict[str, tuple[LivePowerpack, set[str]]] = {}
    for change in plan.changes:
        lp = found.get(change.name)
        kinds = {f.field for f in change.fields if f.field in KINDS}
        if lp is not None and kinds:
            jobs.setdefault(lp.pool_uuid, (lp, set()))[1].update(kinds)
        for move in change.moves:
            source = LivePowerpack(uuid="?", name=move.source, sticky_sender=True,
                                   local_connect=True, pool_uuid=move.source_pool)  # fmt: skip
            jobs.setdefault(move.source_pool, (source, set()))[1].add("numbers")
    read = client.map(lambda job: (job[0].pool_uuid, _read_pool(client, *job)), list(jobs.values()))
    return dict(read)


def _read_pool(client: PlivoClient, lp: LivePowerpack, kinds: set[str]) -> LivePool:
    """A pool's members now; a pool that is gone (its Powerpack deleted) holds none."""
    try:
        return read_pool(client, lp, tuple(sorted(kinds)))
    except ApiError as e:
        if e.status != 404:
            raise
        return LivePool(numbers=(), tollfree=(), shortcodes=())
