"""Sender impact: which sender type will actually send, per managed priority cell. Pure.

The priority matrix is a list of words; what a message does depends on the pool too: the first
type of the cell's order that the pool holds for that country and service sends. A long code
serves the service it was added for; toll-free numbers and short codes serve both; a member's
country is its `country_iso2`. Shown for a Powerpack only when all three kinds of its pool are
known (read live, or about to be created empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from reconciler.core.identity import Match
from reconciler.core.models import DesiredPowerpack, Impact, LiveMember, LiveState
from reconciler.core.pools import Holder
from reconciler.core.vocab import CELLS, KINDS, SENDER_OF_KIND


def sender_impact(
    matches: Iterable[Match],
    live: LiveState,
    where: Mapping[str, Holder],
    declared: Mapping[str, str],
) -> dict[str, tuple[Impact, ...]]:
    """Powerpack name -> the impact of each of its managed cells (those whose pools are known);
    `declared`: number -> the manifest Powerpack that declares it (a move takes it there)."""
    out: dict[str, tuple[Impact, ...]] = {}
    for match in matches:
        dp, lp = match.desired, match.live
        if not dp.number_priority:
            continue
        if lp is None:
            if all(dp.members(k) is None for k in KINDS):
                continue  # a new, empty pool nobody fills here: nothing to say yet
            before: list[LiveMember] | None = None
            after = _after(dp, [], live, where, declared)
        else:
            pool = live.pool_of(lp)
            if any(pool.kind(k) is None for k in KINDS):
                continue
            before = [m for k in KINDS for m in pool.kind(k) or ()]
            after = _after(dp, before, live, where, declared)
        out[dp.name] = tuple(_cell(dp, lp_order(match, c), c, before, after) for c in _cells(dp))
    return out


def lp_order(match: Match, cell: str) -> Sequence[str] | None:
    matrix = match.live.number_priority if match.live is not None else None
    return (matrix or {}).get(cell)


def _cells(dp: DesiredPowerpack) -> list[str]:
    return [c for c in CELLS if c in dp.number_priority]


def _after(
    dp: DesiredPowerpack,
    own: list[LiveMember],
    live: LiveState,
    where: Mapping[str, Holder],
    declared: Mapping[str, str],
) -> list[LiveMember]:
    """The pool as it will be: declared kinds as declared, the others as they are but for the
    numbers another Powerpack declares (they move out, whether this one manages them or not)."""
    by_number = {m.number: m for m in own}
    members = [
        m
        for m in own
        if dp.members(m.kind) is None
        and (m.kind == "shortcodes" or declared.get(m.number, dp.name) == dp.name)
    ]
    services = {m.number: m.service for m in dp.numbers or ()}
    for kind in KINDS:
        for number in dp.members(kind) or ():
            members.append(
                LiveMember(
                    number=number,
                    kind=kind,  # type: ignore[arg-type]
                    service=services.get(number, ""),
                    country=_country(number, by_number, live, where),
                )
            )
    return members


def _country(
    number: str, own: Mapping[str, LiveMember], live: LiveState, where: Mapping[str, Holder]
) -> str:
    if number in own:
        return own[number].country
    if number in where:
        return where[number].member.country
    rented = live.rented.get(number)
    return rented.country if rented is not None else ""


def _sender(order: Sequence[str] | None, members: list[LiveMember] | None, cell: str) -> str | None:
    """The first type of `order` that some member serves for the cell's country and service."""
    if order is None or members is None:
        return None
    country, service = cell.split(".")
    for sender in order:
        for m in members:
            serves = m.kind != "numbers" or (m.service or "sms") == service.lower()
            if SENDER_OF_KIND[m.kind] == sender and m.country == country and serves:
                return sender
    return None


def _cell(
    dp: DesiredPowerpack,
    live_order: Sequence[str] | None,
    cell: str,
    before: list[LiveMember] | None,
    after: list[LiveMember],
) -> Impact:
    order = dp.number_priority[cell]
    now, then = _sender(live_order, before, cell), _sender(order, after, cell)
    warning = None
    if then != order[0]:
        country, service = cell.split(".")
        lacks = f"the pool holds no {country} {_word(order[0])}"
        if order[0] == "longcode":
            lacks += f" for {service}"
        goes = f"messages go from {then}" if then else f"no member serves {country} {service}"
        warning = f"{country} {service}: {order[0]} first, but {lacks}: {goes}"
    return Impact(cell=cell, before=now, after=then, warning=warning)


def _word(sender: str) -> str:
    return {"shortcode": "short code", "tollfree": "toll-free number", "longcode": "long code"}[
        sender
    ]
