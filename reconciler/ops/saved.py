"""A saved plan against the live account: refuse another account's plan, or a stale one."""

from __future__ import annotations

from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.core.models import Change, LivePowerpack, Plan, fingerprint
from reconciler.core.planner import normalize_live_state
from reconciler.errors import ApiError, StalePlanError
from reconciler.ops.apply import is_rename, show_value
from reconciler.ops.fetch import fetch_powerpack, list_powerpacks
from reconciler.secrets import account_sha256, mask_account


def check_saved_plan(client: PlivoClient, plan: Plan, auth_id: str) -> None:
    """Refuse (StalePlanError) another account's plan, or one the live account moved away from."""
    if not plan.account_sha256 or plan.account_sha256 != account_sha256(auth_id):
        raise StalePlanError(
            f"apply: the saved plan was made for account {plan.account or '(unknown)'}, "
            f"not {mask_account(auth_id)}: refusing to apply it"
        )
    touched = [c for c in plan.changes if c.uuid]
    current = client.map(lambda c: _read_current(client, c), touched)
    stale = [m for c, lp in zip(touched, current, strict=True) if (m := _staleness(c, lp))]
    stale += _name_clashes(client, plan)
    if stale:
        lines = "\n".join(f"  {m}" for m in stale)
        raise StalePlanError(
            f"apply: the saved plan is stale ({len(stale)} change(s)); re-run plan:\n{lines}"
        )


def _read_current(client: PlivoClient, change: Change) -> LivePowerpack | None:
    try:
        return fetch_powerpack(client, change.uuid or "")
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def _staleness(change: Change, lp: LivePowerpack | None) -> str | None:
    """Why `change` no longer applies to `lp` (None: it still does)."""
    what = f"{change.action} {change.name}"
    if lp is None:
        return f"{what}: Powerpack {change.uuid} no longer exists"
    base = change.base_state
    with_matrix = [True, False] if base is None else ["number_priority" in base]
    states = [normalize_live_state(lp, include_priority=m) for m in with_matrix]
    if any(fingerprint(s) == change.base for s in states):
        return None
    moved = _moved(base or {}, states[0]) if base is not None else []
    return f"{what}: changed since the plan: {', '.join(moved) or 'its content differs'}"


def _moved(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """`field: before -> now` for each field (and priority cell) that differs."""
    flat_before, flat_now = _flatten(before), _flatten(now)
    keys = sorted(flat_before.keys() | flat_now.keys())
    return [
        f"{k}: {show_value(flat_before.get(k))} -> {show_value(flat_now.get(k))}"
        for k in keys
        if flat_before.get(k) != flat_now.get(k)
    ]


def _flatten(state: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in state.items() if k != "number_priority"}
    for cell, order in (state.get("number_priority") or {}).items():
        flat[f"number_priority.{cell}"] = list(order)
    return flat


def _name_clashes(client: PlivoClient, plan: Plan) -> list[str]:
    """Creates (and renames) whose name another Powerpack took since the plan."""
    targets = {c.name: c for c in plan.changes if c.action == "create" or is_rename(c)}
    if not targets:
        return []
    live = list_powerpacks(client)
    return [
        f"{targets[lp.name].action} {lp.name}: a Powerpack with that name now exists ({lp.uuid})"
        for lp in live
        if lp.name in targets and lp.uuid != targets[lp.name].uuid
    ]
