"""A human summary of a sandbox state (for `powerpacks sandbox show`); never the token."""

from __future__ import annotations

from typing import Any


def _app_label(state: dict[str, Any], pp: dict[str, Any]) -> str:
    """The linked app as `xml:Name` / `phlo:Name`, or `-`."""
    kind, target = pp["application_type"], pp["application_id"]
    if not kind:
        return "-"
    pool = state["applications"] if kind == "xml" else state["phlos"]
    key, label = ("app_id", "app_name") if kind == "xml" else ("phlo_id", "name")
    names = [item[label] for item in pool if item[key] == target]
    return f"{kind}:{names[0] if names else target}"


def _powerpack_lines(state: dict[str, Any]) -> list[str]:
    """One line per Powerpack: name, uuid, flags, app, pool size."""
    lines = []
    for pp in state["powerpacks"]:
        pool = pp["number_pool"]
        lines.append(
            f"  {pp['name']:<24} {pp['uuid']}  sticky={str(pp['sticky_sender']).lower():<5} "
            f"local={str(pp['local_connect']).lower():<5} app={_app_label(state, pp)}  "
            f"numbers={len(pool['numbers'])} shortcodes={len(pool['shortcodes'])}"
        )
    return lines


def describe(state: dict[str, Any]) -> str:
    """A few lines: account, switches, Powerpacks, applications, PHLOs, free numbers."""
    in_pools = {m["number"] for pp in state["powerpacks"] for m in pp["number_pool"]["numbers"]}
    spare = [n["number"] for n in state["numbers"] if n["number"] not in in_pools]
    settings = state["settings"]
    lines = [
        f"account {state['auth_id']} (token hidden)",
        f"settings: priority_update={settings['priority_update']} "
        f"list_includes_priority={str(settings['list_includes_priority']).lower()} "
        f"rate_limit={settings['rate_limit'] or 'off'}",
        f"powerpacks ({len(state['powerpacks'])}):",
        *_powerpack_lines(state),
        f"applications ({len(state['applications'])}):",
        *(f"  {a['app_id']}  {a['app_name']}" for a in state["applications"]),
        f"phlos ({len(state['phlos'])}):",
        *(f"  {p['phlo_id']}  {p['name']}" for p in state["phlos"]),
        f"rented numbers: {len(state['numbers'])} ({len(spare)} in no pool: {', '.join(spare)})",
    ]
    return "\n".join(lines)
