"""Plan -> API calls: exactly the plan's requests, in its steps, each answer checked.

Steps, one after another: (1) Powerpack writes: renames one at a time in plan order, then the
other updates, then creates (a new Powerpack's pool requests use the pool uuid its create
answers); (2) adds of free numbers; (3) moves (each a removal from the source pool, then the
add); (4) service changes (a removal, then the add); (5) removals and short-code unlinks; (6)
Powerpack deletes. Within a step up to `parallelism` run at once. After a failure (or a signal)
nothing new starts; every change ends in exactly one of applied, failed or not attempted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.core import codec
from reconciler.core.models import (
    ApiRequest,
    Change,
    LiveMember,
    LivePool,
    LivePowerpack,
    LiveState,
    Plan,
)
from reconciler.errors import AmbiguousWriteError, ApiError, RunInterrupted
from reconciler.ops.fetch import fetch_powerpack, list_powerpacks
from reconciler.ops.verify import member_kind, member_of, member_problems, powerpack_problems

log = logging.getLogger("reconciler.apply")

EventHook = Callable[[Change, str, str], None]
"""on_event(change, status, detail); status is "start", "applied", "failed" or "not_attempted"."""

LIST_ATTEMPTS = 5  # re-reads of the list while parallel creates make it move


@dataclass(frozen=True)
class MemberOp:
    """A pool request that landed: a member added to or removed from a pool."""

    pool: str
    kind: str
    number: str
    added: bool
    service: str = ""


@dataclass
class ApplyResult:
    """What an apply did: every change of the plan is in exactly one of the three lists."""

    applied: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)  # (change, reason)
    not_attempted: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the answers showed left over
    # The Powerpack each applied change's answer showed (None for a delete): the API's own view
    # after the write, so a re-plan can check convergence without reading anything again.
    answers: dict[str, LivePowerpack | None] = field(default_factory=dict)
    members: list[MemberOp] = field(default_factory=list)
    already: list[Change] = field(default_factory=list)  # saved-plan changes found applied
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted and not self.problems


@dataclass
class _Unit:
    """Requests of one change sent in order by one worker (a move: the removal, then the add)."""

    change: Change
    requests: list[ApiRequest]


@dataclass
class _Run:
    client: PlivoClient
    result: ApplyResult
    on_event: EventHook | None
    pending: dict[int, int]  # id(change) -> requests not yet answered
    started: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    pools: dict[str, str] = field(default_factory=dict)  # created Powerpack -> its pool uuid
    requests: Mapping[int, list[ApiRequest]] = field(default_factory=dict)  # id(change) -> to send
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self, change: Change, status: str, detail: str = "") -> None:
        # debug: the CLI prints a line per change already; words, not identifiers, in logs too
        shown = status.replace("_", " ") + (f": {detail}" if detail else "")
        log.debug("apply: %s %s: %s", change.action, change.name, shown)
        if self.on_event is not None:
            self.on_event(change, status, detail)


def apply_plan(
    client: PlivoClient,
    plan: Plan,
    *,
    parallelism: int = 4,
    on_event: EventHook | None = None,
    left: Mapping[int, list[ApiRequest]] | None = None,
    pools: Mapping[str, str] | None = None,
) -> ApplyResult:
    """Send exactly the requests of plan.changes; with `left` (a saved plan re-run), only the
    requests left of each change (by id), the pools of creates that landed in `pools`."""
    todo_requests = {id(c): list(c.requests if left is None else left[id(c)]) for c in plan.changes}
    result = ApplyResult()
    todo = [c for c in plan.changes if todo_requests[id(c)]]
    run = _Run(client, result, on_event, {id(c): len(todo_requests[id(c)]) for c in todo})
    run.requests = todo_requests
    run.pools.update(pools or {})
    for change in plan.changes:
        if not todo_requests[id(change)]:
            result.already.append(change)
            run.event(change, "already applied")
    for units, workers in _phases(todo, max(1, parallelism), todo_requests):
        if run.stop.is_set() or client.cancelled:
            break
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda unit: _run_unit(run, unit), units))
    _finish(run, todo)
    return result


def send_order(
    plan: Plan, left: Mapping[int, list[ApiRequest]] | None = None
) -> list[tuple[Change, ApiRequest]]:
    """Every request of the plan (or, with `left`, what is left of each change) in the order
    apply starts them: its phases one after another, plan order within a phase."""
    todo = {id(c): list(c.requests if left is None else left[id(c)]) for c in plan.changes}
    changes = [c for c in plan.changes if todo[id(c)]]
    phases = _phases(changes, 1, todo)
    return [(unit.change, req) for units, _ in phases for unit in units for req in unit.requests]


def _phases(
    changes: list[Change], parallelism: int, todo: Mapping[int, list[ApiRequest]]
) -> Iterator[tuple[list[_Unit], int]]:
    """The units of each phase, with how many may run at once."""
    first = {id(c): [r for r in todo[id(c)] if r.step == "powerpack"] for c in changes}
    for change in (c for c in changes if is_rename(c) and first[id(c)]):
        yield [_Unit(change, first[id(change)])], 1  # one at a time: a name may be freed
    for action in ("update", "create"):
        group = [c for c in changes if c.action == action and not is_rename(c)]
        units = [_Unit(c, [r]) for c in group for r in first[id(c)]]
        if units:
            yield units, min(parallelism, len(units))
    for step in ("add", "move", "service", "remove", "delete"):
        units = [u for c in changes for u in _units(c, step, todo[id(c)])]
        if units:
            yield units, min(parallelism, len(units))


def _units(change: Change, step: str, requests: list[ApiRequest]) -> list[_Unit]:
    """A change's requests of one step, each pool member's in order (a move or a service
    change: the removal, then the add; a re-run may have only the add left)."""
    mine = [r for r in requests if r.step == step]
    if step not in ("move", "service"):
        return [_Unit(change, [r]) for r in mine]
    by_member: dict[str, list[ApiRequest]] = {}
    for r in mine:
        by_member.setdefault(r.path.rstrip("/").rsplit("/", 1)[-1], []).append(r)
    return [_Unit(change, group) for group in by_member.values()]


def is_rename(change: Change) -> bool:
    return change.action == "update" and any(f.field == "name" for f in change.fields)


def _run_unit(run: _Run, unit: _Unit) -> None:
    change = unit.change
    if run.stop.is_set() or id(change) in run.failed:
        return
    with run.lock:
        first = id(change) not in run.started
        run.started.add(id(change))
    if first:
        run.event(change, "start")
    for req in unit.requests:
        if run.stop.is_set() or run.client.cancelled:
            return
        try:
            _send(run, change, req)
        except ApiError as e:
            run.stop.set()
            with run.lock:
                run.failed.add(id(change))
                run.result.interrupted |= isinstance(e, RunInterrupted)
                run.result.failed.append((change, str(e)))
            run.event(change, "failed", str(e))
            return
        with run.lock:
            run.pending[id(change)] -= 1
            done = run.pending[id(change)] == 0
        if done:
            with run.lock:
                run.result.applied.append(change)
            run.event(change, "applied")


def _finish(run: _Run, changes: list[Change]) -> None:
    """Every change in one list, in plan order; a change stopped part-way counts as failed."""
    result = run.result
    for change in changes:
        if id(change) in run.failed or run.pending[id(change)] == 0:
            continue
        total = len(run.requests[id(change)])
        sent = total - run.pending[id(change)]
        if sent:
            why = f"stopped after {sent} of its {total} requests"
            result.failed.append((change, why))
            run.event(change, "failed", why)
        else:
            result.not_attempted.append(change)
            run.event(change, "not_attempted", "an earlier change failed")
    order = {id(c): i for i, c in enumerate(changes)}
    result.applied.sort(key=lambda c: order[id(c)])
    result.failed.sort(key=lambda cf: order[id(cf[0])])


# --- one request -------------------------------------------------------------------------------


def _send(run: _Run, change: Change, req: ApiRequest) -> None:
    client = run.client
    if req.step == "powerpack":
        answer = _create(client, change, req) if change.action == "create" else _update(client, req)
        problems = powerpack_problems(change, req.body, answer)
        with run.lock:
            run.result.problems.extend(problems)
            run.result.answers[change.name] = answer
            run.pools[change.name] = answer.pool_uuid
        if change.action == "create" and not answer.pool_uuid:
            raise ApiError(f"create {change.name}: the answer shows no number pool")
        return
    if req.step == "delete":
        _delete_checked(client, req, req.path, "the Powerpack")
        with run.lock:
            run.result.answers[change.name] = None
        return
    path = req.path.replace(codec.POOL_PLACEHOLDER, run.pools.get(change.name, ""))
    pool, number = member_of(path)
    kind = member_kind(path)
    if req.method == "DELETE":
        _delete_checked(client, req, path, f"{number} in pool {pool}")
        op = MemberOp(pool, kind, number, added=False)
    else:
        shown = _add(client, change, req, path, number)
        with run.lock:
            run.result.problems.extend(member_problems(change, req, number, pool, shown))
        op = MemberOp(pool, kind, number, added=True, service=str(req.body.get("service", "")))
    with run.lock:
        run.result.members.append(op)


def _update(client: PlivoClient, req: ApiRequest) -> LivePowerpack:
    """The Powerpack an update answered; an API that answers less is read back once instead."""
    answer = client.request(req.method, req.path, body=req.body)
    try:
        return codec.parse_powerpack(answer, client.auth_id)
    except ApiError:
        log.info("apply: %s: the answer is not the Powerpack; reading it back", req.path)
        return codec.parse_powerpack(client.request("GET", req.path), client.auth_id)


def _delete_checked(client: PlivoClient, req: ApiRequest, path: str, what: str) -> None:
    """DELETE; a 404 counts as done only once a read shows the thing is gone."""
    try:
        client.request("DELETE", path, body=req.body)
        return
    except ApiError as e:
        if e.status != 404:
            raise
    try:
        client.request("GET", path)
    except ApiError as e:
        if e.status == 404:
            log.info("apply: DELETE %s: answered 404, and %s is gone", path, what)
            return
        raise
    raise ApiError(f"DELETE {client.mask(path)}: answered 404, but {what} is still there")


def _add(client: PlivoClient, change: Change, req: ApiRequest, path: str, number: str) -> dict:
    """POST a pool add, never blindly twice: after an ambiguous failure or a 400, read the
    member; there, it is done; absent after an ambiguous failure, stop (it may yet land)."""
    try:
        return client.request("POST", path, body=req.body, retry=False)
    except AmbiguousWriteError as e:
        found = _member(client, path)
        if found is None:
            raise AmbiguousWriteError(
                f"{change.action} {change.name}: add {number}: {e}; the number is not in the "
                "pool (yet): the add may still land, so it is not sent again in this run. "
                "Re-run plan to see where it is",
                status=e.status, method="POST", path=e.path,
            ) from None  # fmt: skip
        return found
    except ApiError as e:
        if e.status != 400 or (found := _member(client, path)) is None:
            raise
        return found


def _member(client: PlivoClient, path: str) -> dict[str, Any] | None:
    try:
        return client.request("GET", path)
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def _create(client: PlivoClient, change: Change, req: ApiRequest) -> LivePowerpack:
    """POST a create, never twice in one run: after an ambiguous failure, look the name up;
    found, it is done; not found, stop with an error (it may have landed: the next run sees)."""
    name = str(req.body.get("name", ""))
    try:
        answer = client.request("POST", req.path, body=req.body, retry=False)
    except AmbiguousWriteError as e:
        log.info("apply: create %s: %s; checking whether it exists", name, e)
        try:
            found = _find(client, name)
            absent = "it is not in the Powerpack list (yet)"
        except ApiError as lookup:
            found, absent = None, f"the Powerpack list could not be read to check ({lookup})"
        if found is not None:
            return found
        raise AmbiguousWriteError(
            f"create {name}: {e}; {absent}: it may have been created, so it is not sent again "
            "in this run. Re-run plan: it shows the Powerpack if it landed",
            status=e.status, method="POST", path=e.path,
        ) from None  # fmt: skip
    except ApiError as e:
        # A 400 may be "name taken": by a concurrent run with the same intent. The create's goal
        # holds if a Powerpack of that name matches its body.
        if e.status != 400 or (found := _find(client, name)) is None:
            raise
        if powerpack_problems(change, req.body, found):
            raise
        log.info("apply: create %s: it exists already (another run?) as intended", name)
        return found
    try:
        return codec.parse_powerpack(answer, client.auth_id)
    except ApiError:
        if (found := _find(client, name)) is None:
            raise ApiError(
                f"create {name}: the API accepted it but it is not in the list"
            ) from None
        return found


def _find(client: PlivoClient, name: str) -> LivePowerpack | None:
    """The Powerpack named `name` (read back with its matrix), or None."""
    for lp in list_powerpacks(client, attempts=LIST_ATTEMPTS):
        if lp.name == name:
            return fetch_powerpack(client, lp.uuid)
    return None


def state_after(live: LiveState, result: ApplyResult) -> LiveState:
    """The live state as the applied writes' answers show it, for a re-plan without reading."""
    by_uuid = {lp.uuid: lp for lp in live.powerpacks}
    for change in result.applied:
        answer = result.answers.get(change.name, change)
        if change.uuid and answer is not change:
            by_uuid.pop(change.uuid, None)
        if isinstance(answer, LivePowerpack):
            by_uuid[answer.uuid] = answer
    pools = dict(live.pools)
    for change in result.applied:
        answer = result.answers.get(change.name)
        if change.action == "create" and answer is not None:
            pools[answer.pool_uuid] = LivePool(numbers=(), tollfree=(), shortcodes=())
    known = {m.number: m for pool in live.pools.values() for k in ("numbers", "tollfree",
             "shortcodes") for m in pool.kind(k) or ()}  # fmt: skip
    for op in result.members:
        pool = pools.get(op.pool) or LivePool()
        members = [m for m in pool.kind(op.kind) or () if m.number != op.number]
        if op.added:
            rented = live.rented.get(op.number)
            country = known[op.number].country if op.number in known else (
                rented.country if rented else "")  # fmt: skip
            members.append(LiveMember(number=op.number, kind=op.kind, service=op.service,  # type: ignore[arg-type]
                                      country=country))  # fmt: skip
        pools[op.pool] = pool.model_copy(update={op.kind: tuple(members)})
    return live.model_copy(update={"powerpacks": tuple(by_uuid.values()), "pools": pools})
