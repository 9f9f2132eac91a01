"""What a write's answer proves: the Powerpack or pool member it shows, against what was asked.

Apply counts a change as applied and verified only when the answers prove it: each Powerpack
write answers the whole Powerpack (compared field by field through the codec), each pool add
answers the number object, and a 404 to a removal or a delete is checked by reading the object
(gone: done; there: a failure).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.core import codec
from reconciler.core.models import ApiRequest, Change, LivePowerpack
from reconciler.core.vocab import DEFAULT_SERVICE


def show_value(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def powerpack_problems(change: Change, body: dict[str, Any], lp: LivePowerpack) -> list[str]:
    """What the Powerpack `lp`, as answered, still lacks of what `body` asked for."""
    try:
        want = codec.request_values(body)
    except (ValueError, TypeError, KeyError, AttributeError):
        return [f"{change.action} {change.name}: its request body can't be checked: {body}"]
    got = codec.live_values(lp, want)
    if change.uuid is not None and lp.uuid != change.uuid:
        got["uuid"], want["uuid"] = lp.uuid, change.uuid
    return [
        f"{change.action} {change.name}: after the write, {key} is {show_value(got.get(key))}, "
        f"expected {show_value(value)}"
        for key, value in want.items()
        if got.get(key) != value
    ]


def member_problems(
    change: Change, req: ApiRequest, number: str, pool: str, answer: dict[str, Any]
) -> list[str]:
    """What a pool add's answer (the number object) lacks of what was asked."""
    kind = member_kind(req.path)
    key = "shortcode" if kind == "shortcodes" else "number"
    problems = []
    if answer.get(key) != number:
        problems.append(f"the answer shows {key} {show_value(answer.get(key))}")
    shown_pool = answer.get("number_pool_uuid", answer.get("numberpool_uuid"))
    if shown_pool is not None and shown_pool != pool:
        problems.append(f"the answer shows pool {show_value(shown_pool)}, not {pool}")
    if kind == "numbers":
        wanted = req.body.get("service", DEFAULT_SERVICE)
        if str(answer.get("service") or DEFAULT_SERVICE).lower() != wanted:
            problems.append(f"the answer shows service {show_value(answer.get('service'))}")
    return [f"{change.action} {change.name}: add {number}: {p}" for p in problems]


def member_kind(path: str) -> str:
    """The kind a pool request's path is about ("numbers", "tollfree", "shortcodes")."""
    resource = [p for p in path.split("/") if p][-2]
    return {v: k for k, v in codec.POOL_RESOURCE.items()}[resource]


def member_of(path: str) -> tuple[str, str]:
    """(pool uuid, member) of a pool request's path."""
    parts = [p for p in path.split("/") if p]
    return parts[-3], parts[-1]
