"""Plan -> calls: exactly the plan's requests, in order, each answer checked against its intent."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.api.client import AmbiguousWriteError, PlivoClient
from reconciler.api.pages import IncompleteReadError
from reconciler.core.models import ApiRequest, Change, LivePowerpack, LiveState, Plan
from reconciler.errors import ApiError
from reconciler.ops.fetch import fetch_powerpack, list_powerpacks, parse_powerpack

log = logging.getLogger("reconciler.ops.apply")

EventHook = Callable[[Change, str, str], None]
"""on_event(change, status, detail); status is "start", "applied", "failed" or "not_attempted"."""

LIST_ATTEMPTS = 5  # re-reads of the list while parallel creates make it move


@dataclass
class ApplyResult:
    """What an apply did: every change of the plan is in exactly one of the three lists."""

    applied: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)  # (change, reason)
    not_attempted: list[Change] = field(default_factory=list)
    verified: bool = True  # every applied write's answer showed the intended values
    problems: list[str] = field(default_factory=list)  # what the answers showed left over
    # The Powerpack each applied change's answer showed (None for a delete): the API's own view
    # after the write, so a re-plan can check convergence without reading anything again.
    answers: dict[str, LivePowerpack | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted and not self.problems


@dataclass
class _Run:
    client: PlivoClient
    result: ApplyResult
    on_event: EventHook | None
    order: dict[int, int]  # id(change) -> index in the plan, to report in plan order
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event(self, change: Change, status: str, detail: str = "") -> None:
        if self.on_event is not None:
            self.on_event(change, status, detail)


def apply_plan(
    client: PlivoClient, plan: Plan, *, parallelism: int = 4, on_event: EventHook | None = None
) -> ApplyResult:
    """Send exactly plan.changes[*].requests in plan order; stop starting new ones after a failure.

    Renames run one at a time in plan order (a name may be freed for the next); other updates,
    creates and deletes run up to `parallelism` at once within their kind, kinds one after another.
    """
    run = _Run(client, ApplyResult(), on_event, {id(c): i for i, c in enumerate(plan.changes)})
    for phase, workers in _phases(plan.changes, max(1, parallelism)):
        if run.stop.is_set():
            for change in phase:
                _record(run, change, "not_attempted", "an earlier change failed")
            continue
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda c: _apply_one(run, c), phase))
    _sort(run)
    run.result.verified = not run.result.problems
    return run.result


def _phases(changes: Sequence[Change], parallelism: int) -> Iterator[tuple[list[Change], int]]:
    """Runs of consecutive changes of one kind, with how many of them may run at once."""
    phase: list[Change] = []
    for change in changes:
        if phase and _kind(phase[0]) != _kind(change):
            yield phase, _workers(phase, parallelism)
            phase = []
        phase.append(change)
    if phase:
        yield phase, _workers(phase, parallelism)


def _kind(change: Change) -> str:
    return "rename" if is_rename(change) else change.action


def is_rename(change: Change) -> bool:
    return change.action == "update" and any(f.field == "name" for f in change.fields)


def _workers(phase: list[Change], parallelism: int) -> int:
    return 1 if _kind(phase[0]) == "rename" else min(parallelism, len(phase))


def _record(run: _Run, change: Change, status: str, detail: str = "") -> None:
    with run.lock:
        if status == "applied":
            run.result.applied.append(change)
        elif status == "failed":
            run.result.failed.append((change, detail))
        else:
            run.result.not_attempted.append(change)
    log.info("apply: %s %s: %s %s", change.action, change.name, status, detail)
    run.event(change, status, detail)


def _sort(run: _Run) -> None:
    result, pos = run.result, run.order
    result.applied.sort(key=lambda c: pos[id(c)])
    result.failed.sort(key=lambda cf: pos[id(cf[0])])
    result.not_attempted.sort(key=lambda c: pos[id(c)])


def _apply_one(run: _Run, change: Change) -> None:
    if run.stop.is_set():
        _record(run, change, "not_attempted", "an earlier change failed")
        return
    run.event(change, "start", "")
    problems: list[str] = []
    answer: LivePowerpack | None = None
    try:
        for req in change.requests:
            answer = _send(run.client, change, req)
            problems += verify(change, req.body, answer) if answer is not None else []
    except ApiError as e:
        run.stop.set()
        _record(run, change, "failed", str(e))
        return
    with run.lock:
        run.result.problems.extend(problems)
        run.result.answers[change.name] = answer
    _record(run, change, "applied", "; ".join(problems))


def _send(client: PlivoClient, change: Change, req: ApiRequest) -> LivePowerpack | None:
    """Send one request of a change; return the Powerpack its answer shows (None: deleted)."""
    if req.method == "DELETE":
        try:
            client.request("DELETE", req.path, body=req.body)
        except ApiError as e:
            if e.status != 404:
                raise
            log.info("apply: delete %s: already gone", change.name)
        return None
    if change.action == "create":
        return _create(client, change, req)
    answer = client.request(req.method, req.path, body=req.body)
    return _as_powerpack(client, req.path, answer)


def state_after(live: LiveState, result: ApplyResult) -> LiveState:
    """The live state as the applied changes' answers show it, for a re-plan without re-reading."""
    by_uuid = {lp.uuid: lp for lp in live.powerpacks}
    for change in result.applied:
        answer = result.answers.get(change.name)
        if change.uuid:
            by_uuid.pop(change.uuid, None)
        if answer is not None:
            by_uuid[answer.uuid] = answer
    return live.model_copy(update={"powerpacks": tuple(by_uuid.values())})


def _as_powerpack(client: PlivoClient, path: str, answer: dict[str, Any]) -> LivePowerpack:
    """The Powerpack an update answered; an API that answers less is read back once instead."""
    try:
        return parse_powerpack(answer)
    except ApiError:
        log.info("apply: %s: the answer is not the Powerpack; reading it back", client.mask(path))
        return parse_powerpack(client.request("GET", path))


def _create(client: PlivoClient, change: Change, req: ApiRequest) -> LivePowerpack:
    """POST a create, never blindly twice: after an ambiguous failure, look the name up first."""
    name = str(req.body.get("name", ""))
    attempts = client.max_retries + 1
    for attempt in range(attempts):
        try:
            answer = client.request("POST", req.path, body=req.body, retry=False)
            return _created(client, name, answer)
        except AmbiguousWriteError as e:
            log.info("apply: create %s: %s; checking whether it exists", name, e)
            if (found := _find(client, name)) is not None:
                return found
            if attempt == attempts - 1:
                raise
            time.sleep(client.backoff_delay(attempt))
        except ApiError as e:
            # A 400 may be "name taken": by our own lost attempt, or by a concurrent run with the
            # same intent. The create's goal holds if a Powerpack of that name matches its body.
            if e.status != 400 or (found := _find(client, name)) is None:
                raise
            if attempt == 0 and verify(change, req.body, found):
                raise
            log.info("apply: create %s: it exists already (another run?) as intended", name)
            return found
    raise AssertionError("unreachable")  # pragma: no cover


def _created(client: PlivoClient, name: str, answer: dict[str, Any]) -> LivePowerpack:
    try:
        return parse_powerpack(answer)
    except ApiError:
        found = _find(client, name)
        if found is None:
            raise ApiError(
                f"create {name}: the API accepted it but it is not in the list"
            ) from None
        return found


def _find(client: PlivoClient, name: str) -> LivePowerpack | None:
    """The Powerpack named `name` (read back with its matrix), or None."""
    for lp in _list_settled(client):
        if lp.name == name:
            return fetch_powerpack(client, lp.uuid)
    return None


def _list_settled(client: PlivoClient) -> list[LivePowerpack]:
    """The Powerpack list, re-read while our own parallel creates make it move under the pages."""
    for attempt in range(LIST_ATTEMPTS):
        try:
            return list_powerpacks(client)
        except IncompleteReadError:
            if attempt == LIST_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.01, 0.1) * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


# --- verification ------------------------------------------------------------------------------


def verify(change: Change, body: dict[str, Any], lp: LivePowerpack) -> list[str]:
    """What the Powerpack `lp`, as answered, still lacks of what `body` asked for."""
    got = _answered_view(lp)
    try:
        want = _wanted_view(body)
    except (KeyError, TypeError, AttributeError):  # a hand-edited saved plan, say
        return [f"{change.action} {change.name}: its request body can't be checked: {body}"]
    if change.uuid is not None and lp.uuid != change.uuid:
        got["uuid"], want["uuid"] = lp.uuid, change.uuid
    return [
        f"{change.action} {change.name}: after the write, {k} is {show_value(got.get(k))}, "
        f"expected {show_value(v)}"
        for k, v in want.items()
        if got.get(k) != v
    ]


def _wanted_view(body: dict[str, Any]) -> dict[str, Any]:
    want: dict[str, Any] = {
        k: body[k] for k in ("name", "sticky_sender", "local_connect") if k in body
    }
    if "application_id" in body:
        app_id = body["application_id"]
        none = app_id in ("none", "")
        want["application"] = (
            None if none else f"{body.get('application_type', '').lower()}:{app_id}"
        )
    for entry in body.get("number_priority") or ():
        cell = f"{entry['country_iso'].upper()}.{entry['service_type'].upper()}"
        want[f"number_priority.{cell}"] = [entry["priority"][f"priority{i}"] for i in (1, 2, 3)]
    return want


def _answered_view(lp: LivePowerpack) -> dict[str, Any]:
    got: dict[str, Any] = {"name": lp.name, "sticky_sender": lp.sticky_sender}
    got["local_connect"] = lp.local_connect
    got["application"] = f"{lp.application_type}:{lp.application_id}" if lp.application_id else None
    for cell, order in (lp.number_priority or {}).items():
        got[f"number_priority.{cell}"] = list(order)
    return got


def show_value(value: Any) -> str:
    return "none" if value is None else json.dumps(value)
