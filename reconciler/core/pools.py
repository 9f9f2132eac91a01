"""Pool members: what a Powerpack's declared numbers, toll-free numbers and short codes need.

Pure. For each managed kind of one Powerpack it finds the adds of free numbers, the moves from
another pool (this change sends both requests: the removal from the source, then the add), the
service changes of long codes (a removal then an add: the API has no update), the removals and
short-code unlinks, and the problems (a number the account doesn't rent, a short code the pool
lacks, a member listed under the wrong kind). The tool never rents and never unrents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.core.codec import POOL_PLACEHOLDER, member_values
from reconciler.core.models import (
    ApiRequest,
    DesiredPowerpack,
    FieldChange,
    LiveMember,
    LivePowerpack,
    LiveState,
    Move,
)
from reconciler.core.vocab import DEFAULT_SERVICE, KINDS
from reconciler.core.writes import member_requests

KIND_WORDS = {
    "numbers": "a long code",
    "tollfree": "a toll-free number",
    "shortcodes": "a short code",
}


@dataclass(frozen=True)
class Holder:
    """Where a member is live: the Powerpack whose pool holds it, and the member itself."""

    powerpack: LivePowerpack
    member: LiveMember


@dataclass
class PoolWork:
    """The pool part of one Powerpack's change."""

    fields: list[FieldChange] = field(default_factory=list)
    requests: list[ApiRequest] = field(default_factory=list)
    moves_in: list[Move] = field(default_factory=list)
    moves_out: list[Move] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field_locs key, message)
    base: dict[str, Any] = field(default_factory=dict)  # what the work was computed from
    removals: int = 0  # members that leave the pool (for protection and the mass-change guard)


class PoolsNotRead(Exception):
    """The live state lacks a pool list the plan needs (a fetch that read too little)."""


def holders(live: LiveState) -> dict[str, Holder]:
    """Every member of every pool read, by number (a number sits in one pool only)."""
    found: dict[str, Holder] = {}
    for lp in live.powerpacks:
        pool = live.pools.get(lp.pool_uuid)
        if pool is None:
            continue
        for kind in KINDS:
            for member in pool.kind(kind) or ():
                found[member.number] = Holder(lp, member)
    return found


def declared_elsewhere(
    desired: Mapping[str, DesiredPowerpack],
) -> dict[str, str]:
    """Number (or short code) -> the manifest Powerpack that declares it."""
    return {
        number: name
        for name, dp in desired.items()
        for kind in KINDS
        for number in dp.members(kind) or ()
    }


def plan_pool(
    dp: DesiredPowerpack,
    lp: LivePowerpack | None,
    live: LiveState,
    where: Mapping[str, Holder],
    declared: Mapping[str, str],
) -> PoolWork:
    """The pool work of one Powerpack (lp None: being created, its pool empty)."""
    work = PoolWork()
    for kind in KINDS:
        wanted = dp.members(kind)
        if wanted is None:
            continue
        own = _own_members(lp, live, kind)
        _plan_kind(work, dp, lp, kind, own, live, where, declared)
    return work


def _own_members(lp: LivePowerpack | None, live: LiveState, kind: str) -> tuple[LiveMember, ...]:
    if lp is None:
        return ()
    members = live.pool_of(lp).kind(kind)
    if members is None:
        raise PoolsNotRead(f"the {kind} of {lp.name}'s pool were not read")
    return members


def _services(dp: DesiredPowerpack, kind: str) -> dict[str, str]:
    """Declared number -> the service it is added for ("" for toll-free and short codes)."""
    if kind == "numbers":
        return {m.number: m.service for m in dp.numbers or ()}
    return {n: "" for n in dp.members(kind) or ()}


def _plan_kind(
    work: PoolWork,
    dp: DesiredPowerpack,
    lp: LivePowerpack | None,
    kind: str,
    own: tuple[LiveMember, ...],
    live: LiveState,
    where: Mapping[str, Holder],
    declared: Mapping[str, str],
) -> None:
    pool = lp.pool_uuid if lp is not None else POOL_PLACEHOLDER
    wanted = _services(dp, kind)
    have = {m.number: m.service or (DEFAULT_SERVICE if kind == "numbers" else "") for m in own}
    moves_in: dict[str, Move] = {}
    for number in sorted(set(wanted) - set(have)):
        problem = _arrival(dp, kind, number, wanted[number], live, where, moves_in)
        if problem is not None:
            work.problems.append((f"{kind}.{number}", problem))
    moving_out = _leaving(kind, have, wanted, dp, declared)
    reachable = {n: s for n, s in wanted.items() if n in have or n in moves_in or (
        kind != "shortcodes" and not _blocked(n, work, kind))}  # fmt: skip
    work.requests += member_requests(kind, have, reachable, moves_in, moving_out, pool)
    work.removals += len(set(have) - set(wanted) - moving_out)
    work.moves_in += moves_in.values()
    for move in moves_in.values():
        work.base.setdefault("moves", []).append(
            {"number": move.number, "source_pool": move.source_pool, "held": True}
        )
    if lp is not None:
        work.base[kind] = member_values(own, kind)
    before = [m for m in own if m.number not in moving_out]
    after = _after_values(kind, wanted)
    if member_values(before, kind) != after:
        work.fields.append(FieldChange(field=kind, before=member_values(own, kind), after=after))
    work.moves_out += [
        Move(
            number=n,
            kind=kind,  # type: ignore[arg-type]
            service=have.get(n, ""),
            source=dp.name,
            source_pool=pool,
            destination=declared[n],
        )
        for n in sorted(moving_out)
    ]


def _blocked(number: str, work: PoolWork, kind: str) -> bool:
    """Whether a declared member has a problem (and so no request)."""
    return any(key == f"{kind}.{number}" for key, _ in work.problems)


def _moving_out(number: str, dp: DesiredPowerpack, declared: Mapping[str, str]) -> bool:
    return declared.get(number, dp.name) != dp.name


def _leaving(
    kind: str,
    have: Mapping[str, str],
    wanted: Mapping[str, str],
    dp: DesiredPowerpack,
    declared: Mapping[str, str],
) -> set[str]:
    """Members this pool holds that another Powerpack declares: they move out (the destination
    sends both requests). Never short codes: they can't be added anywhere, so they can't move (a
    short code declared where it isn't is a problem of that Powerpack)."""
    if kind == "shortcodes":
        return set()
    return {n for n in set(have) - set(wanted) if _moving_out(n, dp, declared)}


def _after_values(kind: str, wanted: Mapping[str, str]) -> list[Any]:
    if kind == "numbers":
        return [{"number": n, "service": wanted[n]} for n in sorted(wanted)]
    return sorted(wanted)


def _arrival(
    dp: DesiredPowerpack,
    kind: str,
    number: str,
    service: str,
    live: LiveState,
    where: Mapping[str, Holder],
    moves_in: dict[str, Move],
) -> str | None:
    """How a declared member comes into the pool (a move, or an add); or why it can't."""
    holder = where.get(number)
    if kind == "shortcodes":
        held = f" (it is in the pool of {holder.powerpack.name})" if holder else ""
        return (
            f"short code {number} is not in this Powerpack's pool{held}: short codes are "
            "provisioned by Plivo, and this tool can only keep or unlink them"
        )
    if holder is not None:
        if holder.member.kind != kind:
            where_text = f"in the pool of {holder.powerpack.name}"
            return _wrong_kind(number, kind, holder.member.kind, where_text)
        moves_in[number] = Move(
            number=number,
            kind=kind,  # type: ignore[arg-type]
            service=service,
            source=holder.powerpack.name,
            source_pool=holder.powerpack.pool_uuid,
            destination=dp.name,
        )
        return None
    if number not in live.rented:
        raise PoolsNotRead(f"{number} was not looked up in the account's numbers")
    rented = live.rented[number]
    if rented is None:  # in no pool, then: a pool holds only the account's numbers
        return f"{number} is not rented by this account: this tool never buys numbers"
    if not all_read(live, kind):
        raise PoolsNotRead(f"the {kind} of every pool must be read before {number} is added")
    if rented.kind != kind:
        return _wrong_kind(number, kind, rented.kind, "rented by the account")
    return None


def all_read(live: LiveState, kind: str) -> bool:
    """Whether every live pool's members of `kind` were read (no member's pool is unknown)."""
    return all(live.pool_of(lp).kind(kind) is not None for lp in live.powerpacks)


def _wrong_kind(number: str, kind: str, actual: str, where: str) -> str:
    return (
        f"{number} is {KIND_WORDS[actual]} ({where}), not {KIND_WORDS[kind]}: "
        f"list it under `{actual}`"
    )
