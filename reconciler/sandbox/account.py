"""The account in memory: the state dict plus indexes, and the Powerpack operations on it."""

from __future__ import annotations

import uuid
from typing import Any

from .state import DEFAULT_MATRIX, matrix_to_api, now_iso
from .validate import (
    ApiFail,
    Matrix,
    app_link,
    bad,
    loose_flag,
    name_param,
    page,
    priority_param,
    strict_bool,
)


def not_found(what: str) -> ApiFail:
    """A 404 in Plivo's words."""
    return ApiFail(404, f"{what} not found")


def to_matrix(entries: list[dict[str, Any]]) -> Matrix:
    """A stored number_priority list as a (country, service) -> order mapping."""
    return {
        (e["country_iso"], e["service_type"]): tuple(
            e["priority"][f"priority{i}"] for i in (1, 2, 3)
        )
        for e in entries
    }


class Account:
    """One account's state, indexed for O(1) lookups; every mutation sets `dirty`."""

    def __init__(self, state: dict[str, Any], auth_id: str) -> None:
        self.state = state
        self.auth_id = auth_id
        self.dirty = False
        # The behaviour switches (priority_update, list_includes_priority, rate_limit) of this run.
        self.settings: dict[str, Any] = dict(state["settings"])
        self.by_uuid = {pp["uuid"]: pp for pp in state["powerpacks"]}
        self.uuid_by_name = {pp["name"]: pp["uuid"] for pp in state["powerpacks"]}
        self.by_pool = {pp["number_pool"]["uuid"]: pp for pp in state["powerpacks"]}
        self.numbers = {n["number"]: n for n in state["numbers"]}
        self.apps = {a["app_id"]: a for a in state["applications"]}
        self.phlos = {p["phlo_id"]: p for p in state["phlos"]}
        self.pool_of = {
            m["number"]: pp["number_pool"]["uuid"]
            for pp in state["powerpacks"]
            for m in pp["number_pool"]["numbers"]
        }

    def pool_path(self, pool_uuid: str) -> str:
        """The number_pool path as the API shows it."""
        return f"/v1/Account/{self.auth_id}/NumberPool/{pool_uuid}/"

    def render(self, pp: dict[str, Any], with_priority: bool = True) -> dict[str, Any]:
        """A Powerpack as the API answers it (application_type upper-case, Q9)."""
        out = {
            "application_id": pp["application_id"],
            "application_type": pp["application_type"].upper(),
            "created_on": pp["created_on"],
            "local_connect": pp["local_connect"],
            "name": pp["name"],
            "number_pool": self.pool_path(pp["number_pool"]["uuid"]),
            "sticky_sender": pp["sticky_sender"],
            "uuid": pp["uuid"],
        }
        if with_priority:
            out["number_priority"] = [
                dict(e, priority=dict(e["priority"])) for e in pp["number_priority"]
            ]
        return out

    def powerpack(self, pp_uuid: str) -> dict[str, Any]:
        """The stored Powerpack with this uuid, or 404."""
        pp = self.by_uuid.get(pp_uuid)
        if pp is None:
            raise not_found("Powerpack")
        return pp

    def check_link(self, link: tuple[str, str] | None) -> None:
        """The linked app or PHLO must belong to the account (Q11: 400 otherwise)."""
        if not link or not link[0]:
            return
        kind, target = link
        known = self.apps if kind == "xml" else self.phlos
        if target not in known:
            raise bad(
                f"application_id {target!r} is not a {kind.upper()} application of this account"
            )

    def check_name(self, name: str | None, own_uuid: str | None = None) -> None:
        """Names are unique in the account, case-sensitive (Q4); renaming onto oneself is fine."""
        holder = self.uuid_by_name.get(name) if name is not None else None
        if holder is not None and holder != own_uuid:
            raise bad(f"Powerpack with name {name!r} already exists")

    def list_powerpacks(self, query: dict[str, str]) -> dict[str, Any]:
        """One page of Powerpacks in creation order, with offset pagination meta (Q8)."""
        limit, offset = page(query)
        items = self.state["powerpacks"]
        with_priority = bool(self.settings.get("list_includes_priority"))
        objects = [self.render(pp, with_priority) for pp in items[offset : offset + limit]]
        return {"meta": self.meta("Powerpack", limit, offset, len(items), None), "objects": objects}

    def meta(
        self, resource: str, limit: int, offset: int, total: int, empty: Any
    ) -> dict[str, Any]:
        """Pagination meta; `empty` is what next/previous are when there is no such page."""
        base = f"/v1/Account/{self.auth_id}/{resource}/?limit={limit}&offset="
        nxt = base + str(offset + limit) if offset + limit < total else empty
        prev = base + str(max(offset - limit, 0)) if offset > 0 else empty
        return {
            "limit": limit,
            "next": nxt,
            "offset": offset,
            "previous": prev,
            "total_count": total,
        }

    def create_powerpack(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a Powerpack and its empty number pool; validation first, then one mutation."""
        name = name_param(body, required=True)
        sticky, local = strict_bool(body, "sticky_sender"), strict_bool(body, "local_connect")
        link, matrix = app_link(body), priority_param(body)
        self.check_name(name)
        self.check_link(link)
        pp = {
            "uuid": str(uuid.uuid4()),
            "name": name,
            "sticky_sender": True if sticky is None else sticky,
            "local_connect": True if local is None else local,
            "application_type": link[0] if link else "",
            "application_id": link[1] if link else "",
            # A partial matrix on create fills the rest from the default, under either switch
            # (Q2: the default applies to whatever the request leaves out).
            "number_priority": matrix_to_api({**DEFAULT_MATRIX, **(matrix or {})}),
            "created_on": now_iso(),
            "number_pool": {"uuid": str(uuid.uuid4()), "numbers": [], "shortcodes": []},
        }
        self.state["powerpacks"].append(pp)
        self._index(pp)
        return self.render(pp)

    def _index(self, pp: dict[str, Any]) -> None:
        """Add a new Powerpack to the indexes."""
        self.by_uuid[pp["uuid"]] = pp
        self.uuid_by_name[pp["name"]] = pp["uuid"]
        self.by_pool[pp["number_pool"]["uuid"]] = pp
        self.dirty = True

    def update_powerpack(self, pp_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Partial update: only the keys sent change; `{}` changes nothing (Q13)."""
        pp = self.powerpack(pp_uuid)
        name = name_param(body, required=False)
        sticky, local = strict_bool(body, "sticky_sender"), strict_bool(body, "local_connect")
        link, matrix = app_link(body), priority_param(body)
        self.check_name(name, own_uuid=pp_uuid)
        self.check_link(link)
        if name is not None and name != pp["name"]:
            del self.uuid_by_name[pp["name"]]
            self.uuid_by_name[name] = pp_uuid
            pp["name"] = name
        self._set(pp, "sticky_sender", sticky)
        self._set(pp, "local_connect", local)
        if link is not None:
            self._set(pp, "application_type", link[0])
            self._set(pp, "application_id", link[1])
        if matrix is not None:
            self._set_priority(pp, matrix)
        self.dirty = True
        return self.render(pp)

    @staticmethod
    def _set(pp: dict[str, Any], key: str, value: Any) -> None:
        """Set one field when a value was given."""
        if value is not None:
            pp[key] = value

    def _set_priority(self, pp: dict[str, Any], matrix: Matrix) -> None:
        """Merge by (country, service) or replace the whole matrix, per the switch (Q1)."""
        if self.settings.get("priority_update") == "replace":
            pp["number_priority"] = matrix_to_api(matrix)
        else:
            pp["number_priority"] = matrix_to_api({**to_matrix(pp["number_priority"]), **matrix})

    def delete_powerpack(self, pp_uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Delete a Powerpack and its pool; `unrent_numbers` also unrents the pool's numbers."""
        pp = self.powerpack(pp_uuid)
        unrent = loose_flag(body, "unrent_numbers")
        for member in pp["number_pool"]["numbers"]:
            self.pool_of.pop(member["number"], None)
            if unrent:
                self.unrent(member["number"])
        self.state["powerpacks"].remove(pp)
        del self.by_uuid[pp_uuid]
        del self.uuid_by_name[pp["name"]]
        del self.by_pool[pp["number_pool"]["uuid"]]
        self.dirty = True
        return {"response": "success"}

    def unrent(self, number: str) -> None:
        """Remove a number from the account's rented numbers."""
        record = self.numbers.pop(number, None)
        if record is not None:
            self.state["numbers"].remove(record)
            self.dirty = True
