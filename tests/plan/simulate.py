"""A small pure stand-in for the Plivo API's writes, used only to check plans by replaying them.

It applies a plan's POST/DELETE bodies to LivePowerpack values the way docs/api.md section 4
describes, with `number_priority` merged by (country, service) or replaced on update (Q1 is open).
"""

from __future__ import annotations

from typing import Any, Literal

from reconciler.core.models import LivePowerpack, LiveState, Plan
from tests.plan.helpers import DEFAULT_MATRIX

COLLECTION = "/v1/Account/{auth_id}/Powerpack/"
Mode = Literal["merge", "replace"]


def simulate(live: LiveState, plan: Plan, mode: Mode) -> LiveState:
    """The live state after the plan's requests, in order."""
    pps = {lp.uuid: lp for lp in live.powerpacks}
    for n, change in enumerate(plan.changes):
        for req in change.requests:
            if req.method == "DELETE":
                assert req.body == {"unrent_numbers": False}
                del pps[_uuid(req.path)]
            elif req.path == COLLECTION:
                _check_free(pps, req.body["name"])
                pps[f"new-{n}"] = _create(f"new-{n}", req.body)
            else:
                uuid = _uuid(req.path)
                if "name" in req.body:
                    _check_free(pps, req.body["name"])
                pps[uuid] = _update(pps[uuid], req.body, mode)
    return LiveState(powerpacks=tuple(pps.values()), applications=live.applications)


def _uuid(path: str) -> str:
    assert path.startswith(COLLECTION) and path.endswith("/")
    return path[len(COLLECTION) : -1]


def _check_free(pps: dict[str, LivePowerpack], name: str) -> None:
    """The API refuses a name another Powerpack holds (docs/api.md Q4)."""
    assert name not in {lp.name for lp in pps.values()}, f"name clash on {name!r}"


def _create(uuid: str, body: dict[str, Any]) -> LivePowerpack:
    assert set(body) <= {
        "name",
        "sticky_sender",
        "local_connect",
        "application_type",
        "application_id",
        "number_priority",
    }
    blank = LivePowerpack(
        uuid=uuid,
        name=body["name"],
        sticky_sender=True,
        local_connect=True,
        number_priority=dict(DEFAULT_MATRIX),
    )
    rest = {k: v for k, v in body.items() if k != "name"}
    return _update(blank, rest, "merge") if rest else blank


def _update(lp: LivePowerpack, body: dict[str, Any], mode: Mode) -> LivePowerpack:
    assert body, "an empty update is a no-op the plan must never contain"
    plain = ("name", "sticky_sender", "local_connect")
    new: dict[str, Any] = {k: body[k] for k in plain if k in body}
    for k in ("sticky_sender", "local_connect"):
        assert k not in body or isinstance(body[k], bool)
    new.update(_app(body))
    if "number_priority" in body:
        sent = _matrix(body["number_priority"])
        kept = dict(lp.number_priority or {}) if mode == "merge" else {}
        new["number_priority"] = {**kept, **sent}
    return lp.model_copy(update=new)


def _app(body: dict[str, Any]) -> dict[str, str]:
    """Link or unlink as the API answers it: type upper case, "" and "" when unlinked."""
    if "application_id" not in body:
        assert "application_type" not in body
        return {}
    if body["application_id"] == "none":
        assert "application_type" not in body
        return {"application_type": "", "application_id": ""}
    assert body["application_type"] in ("xml", "phlo")
    app_type = body["application_type"].upper()
    return {"application_type": app_type, "application_id": body["application_id"]}


def _matrix(entries: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    keys = [f"{e['country_iso']}.{e['service_type']}" for e in entries]
    assert len(keys) == len(set(keys)), "duplicate cell in one request"
    out = {}
    for key, e in zip(keys, entries, strict=True):
        p = e["priority"]
        order = (p["priority1"], p["priority2"], p["priority3"])
        assert sorted(order) == ["longcode", "shortcode", "tollfree"]
        out[key] = order
    return out
