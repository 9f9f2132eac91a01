"""The planner: a pure function of (manifest, live state) -> Plan. deepdiff lives here only.

Order of the plan: renames, updates, creates, deletes, by name within a kind (names are freed by
renames before creates reuse them). Nothing here reads the network or the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from reconciler.core.models import (
    ApiRequest,
    Change,
    DesiredPowerpack,
    FieldChange,
    LivePowerpack,
    LiveState,
    Manifest,
    Plan,
    Summary,
    fingerprint,
)
from reconciler.core.vocab import CELLS, PRIORITY_PREFIX, SCALARS
from reconciler.errors import PlanError

COLLECTION = "/v1/Account/{auth_id}/Powerpack/"
# A delete never gives numbers up: the tool does not unrent (plivo-api.md section 4.5, Q17).
DELETE_BODY: dict[str, Any] = {"unrent_numbers": False}


@dataclass(frozen=True)
class _Match:
    """A manifest Powerpack and the live one it stands for (None: to be created)."""

    desired: DesiredPowerpack
    live: LivePowerpack | None


def plan(manifest: Manifest, live: LiveState, *, targets: Sequence[str] = ()) -> Plan:
    """Compute the ordered changes that bring `live` to `manifest`; no-ops never appear.

    With `targets`, only the named manifest Powerpacks are planned and prune deletes are not.
    """
    by_name = _live_by_name(live)
    _check_targets(manifest, targets)
    matches, claimed = _match_all(manifest, by_name)
    chosen = [m for m in matches if not targets or m.desired.name in targets]
    changes = [c for c in (_change_for(m, live) for m in chosen) if c is not None]
    unclaimed = sorted(name for name in by_name if name not in claimed)
    deleting = manifest.prune and not targets
    if deleting:
        changes += [_delete(by_name[name], manifest) for name in unclaimed]
    summary = _summary(changes, len(chosen), 0 if deleting else len(unclaimed))
    return Plan(
        changes=tuple(sorted(changes, key=_order)),
        summary=summary,
        manifest_path=manifest.path,
        manifest_sha256=manifest.sha256,
    )


def normalize_live_state(lp: LivePowerpack, include_priority: bool) -> dict[str, Any]:
    """The normalized live state a change is computed from; its fingerprint is `Change.base`."""
    state: dict[str, Any] = {
        "name": lp.name,
        "sticky_sender": lp.sticky_sender,
        "local_connect": lp.local_connect,
        "application_type": lp.application_type.lower() if lp.application_id else "",
        "application_id": lp.application_id,
    }
    if include_priority and lp.number_priority is not None:
        state["number_priority"] = {cell: list(order) for cell, order in lp.number_priority.items()}
    return state


# --- matching manifest names to live Powerpacks -------------------------------------------------


def _live_by_name(live: LiveState) -> dict[str, LivePowerpack]:
    """Index live Powerpacks by name; a name held twice is an error (identity is the name)."""
    seen: dict[str, list[LivePowerpack]] = {}
    for lp in live.powerpacks:
        seen.setdefault(lp.name, []).append(lp)
    dupes = {name: lps for name, lps in seen.items() if len(lps) > 1}
    if dupes:
        what = "; ".join(
            f"{name!r} (uuids {', '.join(sorted(lp.uuid for lp in lps))})"
            for name, lps in sorted(dupes.items())
        )
        raise PlanError(f"plan: live Powerpack names must be unique, but these repeat: {what}")
    return {name: lps[0] for name, lps in seen.items()}


def _check_targets(manifest: Manifest, targets: Sequence[str]) -> None:
    """Every --target must name a Powerpack of the manifest."""
    unknown = sorted(set(targets) - set(manifest.powerpacks))
    if unknown:
        known = ", ".join(sorted(manifest.powerpacks)) or "(none)"
        raise PlanError(
            f"plan: --target {', '.join(unknown)}: not a Powerpack of {manifest.path} "
            f"(known: {known})"
        )


def _renames(manifest: Manifest, by_name: dict[str, LivePowerpack]) -> dict[str, str]:
    """New name -> old name, for each `renamed_from` that applies (new absent live, old present)."""
    renames: dict[str, str] = {}
    for name, dp in sorted(manifest.powerpacks.items()):
        old = dp.renamed_from
        if old is None or name in by_name or old not in by_name:
            continue
        if old in renames.values():
            other = next(new for new, o in renames.items() if o == old)
            raise PlanError(
                f"plan: {other!r} and {name!r} are both renamed_from {old!r}; only one can be"
            )
        renames[name] = old
    return renames


def _match_all(
    manifest: Manifest, by_name: dict[str, LivePowerpack]
) -> tuple[list[_Match], set[str]]:
    """Pair each manifest Powerpack with its live one; return the pairs and the live names used."""
    renames = _renames(manifest, by_name)
    freed = set(renames.values())  # renamed away first: a manifest entry of that name is a create
    matches = []
    for name, dp in sorted(manifest.powerpacks.items()):
        if name in renames:
            matches.append(_Match(dp, by_name[renames[name]]))
            continue
        if name in freed and dp.renamed_from is not None:
            raise PlanError(
                f"plan: {name!r} is renamed_from {dp.renamed_from!r} while live {name!r} is "
                "itself being renamed: chained renames need two applies"
            )
        live = by_name.get(name) if name not in freed else None
        matches.append(_Match(dp, live))
    claimed = set(renames.values()) | {n for n in manifest.powerpacks if n in by_name}
    return matches, claimed


# --- normalized views and field diffs -----------------------------------------------------------


def _app_value(app_type: str, app_id: str) -> dict[str, str] | None:
    """The application as compared and shown: {"type", "id"} in lower case, or None (no app)."""
    return {"type": app_type.lower(), "id": app_id} if app_id else None


def _resolve_app(dp: DesiredPowerpack, live: LiveState) -> dict[str, str] | None:
    """The desired application value; a name is looked up in the live Application list."""
    app = dp.application
    assert app is not None
    if app.kind == "none":
        return None
    if app.id is not None:
        return _app_value(app.kind, app.id)
    if live.applications is None:
        raise PlanError(
            f"plan: {dp.name}: application {app.name!r} is named, but the Application list "
            "was not read"
        )
    found = [a for a in live.applications if a.app_name == app.name]
    if not found:
        raise PlanError(f"plan: {dp.name}: no application named {app.name!r} in the account")
    if len(found) > 1:
        ids = ", ".join(sorted(a.app_id for a in found))
        raise PlanError(
            f"plan: {dp.name}: {len(found)} applications are named {app.name!r} (ids {ids}); "
            "link it by id instead"
        )
    return _app_value(app.kind, found[0].app_id)


def _desired_view(dp: DesiredPowerpack, live: LiveState) -> dict[str, Any]:
    """The managed fields of a manifest Powerpack, normalized; unmanaged fields are absent."""
    view: dict[str, Any] = {f: getattr(dp, f) for f in SCALARS if getattr(dp, f) is not None}
    if dp.application is not None:
        view["application"] = _resolve_app(dp, live)
    for cell in CELLS:
        if cell in dp.number_priority:
            view[PRIORITY_PREFIX + cell] = list(dp.number_priority[cell])
    return view


def _live_view(lp: LivePowerpack, keys: Sequence[str]) -> dict[str, Any]:
    """The live values of exactly the given (managed) keys, normalized like the desired view."""
    view: dict[str, Any] = {}
    for key in keys:
        if key == "application":
            view[key] = _app_value(lp.application_type, lp.application_id)
        elif key.startswith(PRIORITY_PREFIX):
            view[key] = _live_cell(lp, _cell(key))
        else:
            view[key] = getattr(lp, key)
    return view


def _live_cell(lp: LivePowerpack, cell: str) -> list[str] | None:
    """One live priority cell; comparing against a matrix that was never read is an error."""
    if lp.number_priority is None:
        raise PlanError(
            f"plan: {lp.name}: number_priority is managed but was not read from the account "
            f"(uuid {lp.uuid}); refusing to guess"
        )
    order = lp.number_priority.get(cell)
    return list(order) if order is not None else None


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Keys whose normalized values differ, by deepdiff key by key.

    Key by key because deepdiff reports a whole-dict change at the root when nothing matches.
    """
    return {k for k in before.keys() | after.keys() if _differs(before.get(k), after.get(k))}


def _differs(before: Any, after: Any) -> bool:
    """deepdiff's verdict; values of one type that are == are settled without it (most of them:
    5,000 unchanged Powerpacks cost 2 s of DeepDiff calls, 10 ms this way)."""
    if type(before) is type(after) and before == after:
        return False
    return bool(DeepDiff(before, after))


def _field_order(key: str) -> int:
    order = ["name", *SCALARS, "application", *(PRIORITY_PREFIX + c for c in CELLS)]
    return order.index(key)


def _with_app_names(value: Any, key: str, live: LiveState) -> Any:
    """Add the application's name (when the Application list knows it) for display."""
    if key != "application" or value is None or live.applications is None:
        return value
    names = sorted(a.app_name for a in live.applications if a.app_id == value["id"])
    return {**value, "name": names[0]} if names else value


def _field_changes(
    before: dict[str, Any], after: dict[str, Any], live: LiveState
) -> tuple[FieldChange, ...]:
    keys = sorted(_changed_keys(before, after), key=_field_order)
    return tuple(
        FieldChange(
            field=k,
            before=_with_app_names(before.get(k), k, live),
            after=_with_app_names(after.get(k), k, live),
        )
        for k in keys
    )


# --- changes and their requests ------------------------------------------------------------------


def _change_for(match: _Match, live: LiveState) -> Change | None:
    desired = _desired_view(match.desired, live)
    if match.live is None:
        return _create(match.desired, desired, live)
    return _update(match.desired, match.live, desired, live)


def _create(dp: DesiredPowerpack, desired: dict[str, Any], live: LiveState) -> Change:
    """A create sends the name and the managed fields; `application: none` sends nothing."""
    shown = {k: v for k, v in desired.items() if not (k == "application" and v is None)}
    fields = _field_changes({}, shown, live)
    body = {"name": dp.name, **_body(shown, {})}
    return Change(
        action="create",
        name=dp.name,
        source=dp.loc,
        fields=fields,
        requests=(ApiRequest(method="POST", path=COLLECTION, body=body),),
    )


def _update(
    dp: DesiredPowerpack, lp: LivePowerpack, desired: dict[str, Any], live: LiveState
) -> Change | None:
    """One POST carrying only the changed fields (all four cells when any cell changed)."""
    before = _live_view(lp, list(desired))
    if lp.name != dp.name:
        before, desired = {"name": lp.name, **before}, {"name": dp.name, **desired}
    fields = _field_changes(before, desired, live)
    if not fields:
        return None
    changed = {f.field: desired[f.field] for f in fields}
    body = _body(changed, _full_matrix(lp, desired) if _touches_matrix(changed) else {})
    return Change(
        action="update",
        name=dp.name,
        uuid=lp.uuid,
        source=dp.loc,
        fields=fields,
        requests=(ApiRequest(method="POST", path=f"{COLLECTION}{lp.uuid}/", body=body),),
        **_based_on(lp),
    )


def _delete(lp: LivePowerpack, manifest: Manifest) -> Change:
    return Change(
        action="delete",
        name=lp.name,
        uuid=lp.uuid,
        source=manifest.prune_loc,
        requests=(ApiRequest(method="DELETE", path=f"{COLLECTION}{lp.uuid}/", body=DELETE_BODY),),
        **_based_on(lp),
    )


def _based_on(lp: LivePowerpack) -> dict[str, Any]:
    """A change's `base` fingerprint and the normalized live state it hashes."""
    state = normalize_live_state(lp, include_priority=lp.number_priority is not None)
    return {"base": fingerprint(state), "base_state": state}


def _touches_matrix(values: dict[str, Any]) -> bool:
    return any(k.startswith(PRIORITY_PREFIX) for k in values)


def _full_matrix(lp: LivePowerpack, desired: dict[str, Any]) -> dict[str, Any]:
    """All four cells: managed ones from the manifest, the rest as read live (merge == replace)."""
    cells: dict[str, Any] = {}
    for cell in CELLS:
        key = PRIORITY_PREFIX + cell
        live_order = (lp.number_priority or {}).get(cell)
        value = desired.get(key, list(live_order) if live_order is not None else None)
        if value is not None:
            cells[key] = value
    return cells


def _body(values: dict[str, Any], matrix: dict[str, Any]) -> dict[str, Any]:
    """The API body for normalized field values; `matrix` overrides the cells when given."""
    body: dict[str, Any] = {f: values[f] for f in ("name", *SCALARS) if f in values}
    if "application" in values:
        app = values["application"]
        body.update(
            {"application_id": "none"}
            if app is None
            else {"application_type": app["type"], "application_id": app["id"]}
        )
    cells = matrix or {k: v for k, v in values.items() if k.startswith(PRIORITY_PREFIX)}
    if cells:
        body["number_priority"] = [
            _api_cell(k[len(PRIORITY_PREFIX) :], v) for k, v in cells.items()
        ]
    return body


def _cell(key: str) -> str:
    """ "number_priority.US.SMS" -> "US.SMS"."""
    return key[len(PRIORITY_PREFIX) :]


def _api_cell(cell: str, order: Sequence[str]) -> dict[str, Any]:
    """One priority cell in the API's shape."""
    country, service = cell.split(".")
    return {
        "country_iso": country,
        "service_type": service,
        "priority": {f"priority{i}": order[i - 1] for i in (1, 2, 3)},
    }


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
