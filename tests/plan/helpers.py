"""Small builders of manifest and live values for the planner's tests."""

from __future__ import annotations

from typing import Any

from reconciler.core.models import (
    AppLink,
    DesiredPowerpack,
    LiveApplication,
    LivePowerpack,
    LiveState,
    Loc,
    Manifest,
)

ORDER_A = ("shortcode", "tollfree", "longcode")
ORDER_B = ("longcode", "tollfree", "shortcode")
ORDER_C = ("tollfree", "longcode", "shortcode")
# The matrix the JAVA/PHP fixtures show (docs/api.md section 5): the sandbox's create default.
DEFAULT_MATRIX = {
    "US.SMS": ORDER_A,
    "US.MMS": ORDER_A,
    "CA.SMS": ("shortcode", "longcode", "tollfree"),
    "CA.MMS": ("shortcode", "longcode", "tollfree"),
}


def loc(line: int) -> Loc:
    return Loc(file="powerpacks.yaml", line=line, col=3)


def desired(name: str, line: int = 10, **fields: Any) -> DesiredPowerpack:
    return DesiredPowerpack(name=name, loc=loc(line), **fields)


def manifest(*pps: DesiredPowerpack, prune: bool = False) -> Manifest:
    return Manifest(
        path="powerpacks.yaml",
        sha256="0" * 64,
        prune=prune,
        prune_loc=loc(2) if prune else None,
        powerpacks={p.name: p for p in pps},
    )


def live_pp(name: str, uuid: str | None = None, **fields: Any) -> LivePowerpack:
    base: dict[str, Any] = {
        "uuid": uuid or f"uuid-{name}",
        "name": name,
        "sticky_sender": True,
        "local_connect": True,
        "number_priority": dict(DEFAULT_MATRIX),
    }
    return LivePowerpack(**{**base, **fields})


def live(*pps: LivePowerpack, apps: dict[str, str] | None = None) -> LiveState:
    applications = (
        None
        if apps is None
        else tuple(LiveApplication(app_id=i, app_name=n) for i, n in apps.items())
    )
    return LiveState(powerpacks=pps, applications=applications)


def xml(app_id: str | None = None, name: str | None = None) -> AppLink:
    return AppLink(kind="xml", id=app_id, name=name)


NONE_APP = AppLink(kind="none")
