"""Values shared by every step: desired and live Powerpacks, and the plan. No I/O here."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.core.vocab import Matrix


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Loc(_Value):
    """Where something was written in a manifest (1-based line and column)."""

    file: str
    line: int
    col: int


class AppLink(_Value):
    """The desired application link: unlink ("none"), or an xml/phlo app by id or by name."""

    kind: Literal["none", "xml", "phlo"]
    id: str | None = None
    name: str | None = None


class DesiredPowerpack(_Value):
    """One Powerpack of the manifest, defaults merged in. None means "not managed"."""

    name: str
    renamed_from: str | None = None
    sticky_sender: bool | None = None
    local_connect: bool | None = None
    application: AppLink | None = None
    number_priority: Matrix = Field(default_factory=dict)
    loc: Loc | None = None
    # Where each managed field was set ("sticky_sender", "application", "number_priority.US.SMS"):
    # the Powerpack's own line, or the line in `defaults` it inherited from.
    field_locs: dict[str, Loc] = Field(default_factory=dict)


class Manifest(_Value):
    """A validated manifest: what the account should look like."""

    path: str
    sha256: str
    version: int = 1
    prune: bool = False
    prune_loc: Loc | None = None
    powerpacks: dict[str, DesiredPowerpack] = Field(default_factory=dict)


class LivePowerpack(_Value):
    """A Powerpack as read from the API, normalized (application_type lower case, "" = none)."""

    uuid: str
    name: str
    sticky_sender: bool
    local_connect: bool
    application_type: str = ""
    application_id: str = ""
    number_priority: Matrix | None = None  # None: not read (the list didn't carry it)
    number_pool: str = ""
    created_on: str = ""


class LiveApplication(_Value):
    app_id: str
    app_name: str


class LiveState(_Value):
    """The live account as far as the plan needs it."""

    powerpacks: tuple[LivePowerpack, ...] = ()
    applications: tuple[LiveApplication, ...] | None = None  # None: not read (not needed)


class FieldChange(_Value):
    field: str  # "sticky_sender", "application", "name", "number_priority.US.SMS"
    before: Any = None
    after: Any = None


class ApiRequest(_Value):
    """One write, exactly as apply sends it; `path` keeps the literal "{auth_id}" placeholder."""

    method: Literal["POST", "DELETE"]
    path: str
    body: dict[str, Any] = Field(default_factory=dict)


class Change(_Value):
    action: Literal["create", "update", "delete"]
    name: str
    uuid: str | None = None
    source: Loc | None = None
    fields: tuple[FieldChange, ...] = ()
    requests: tuple[ApiRequest, ...] = ()
    # Fingerprint of the live object this change was computed from (None for a create), and the
    # normalized state it hashes, so a stale saved plan can say what moved.
    base: str | None = None
    base_state: dict[str, Any] | None = None


class Summary(_Value):
    create: int = 0
    update: int = 0
    delete: int = 0
    unchanged: int = 0
    not_managed: int = 0


class Plan(_Value):
    """Ordered typed changes: renames, updates, creates, deletes; by name within a kind."""

    changes: tuple[Change, ...] = ()
    summary: Summary = Summary()
    manifest_path: str = ""
    manifest_sha256: str = ""
    account: str = ""  # masked auth id, e.g. "MA**************AB12"
    account_sha256: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the form fingerprints are taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(state: dict[str, Any]) -> str:
    """sha256 of a normalized live state; equal states give equal fingerprints."""
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()
