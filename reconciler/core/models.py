"""Values shared by every step: desired and live Powerpacks, their pools, and the plan. No I/O."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.core.vocab import Matrix
from reconciler.errors import Problem

Kind = Literal["numbers", "tollfree", "shortcodes"]
Origin = Literal["intent", "drift", "both"]


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


class Member(_Value):
    """A long code declared in a pool, with the service it is added for."""

    number: str
    service: Literal["sms", "mms"] = "sms"


class DesiredPowerpack(_Value):
    """One Powerpack of the manifest, defaults merged in. None means "not managed"."""

    name: str
    renamed_from: str | None = None
    sticky_sender: bool | None = None
    local_connect: bool | None = None
    application: AppLink | None = None
    number_priority: Matrix = Field(default_factory=dict)
    # Pool members, each kind managed on its own: None leaves that kind as it is live.
    numbers: tuple[Member, ...] | None = None
    tollfree: tuple[str, ...] | None = None
    shortcodes: tuple[str, ...] | None = None
    protect: bool = False
    loc: Loc | None = None
    # Where each managed field was set: "sticky_sender", "application", "number_priority.US.SMS",
    # "protect", a kind ("numbers"), and each member ("numbers.14155550100"); the Powerpack's own
    # line, or the line in `defaults` it inherited from. Plan-time problems are located by it.
    field_locs: dict[str, Loc] = Field(default_factory=dict)

    def members(self, kind: str) -> tuple[str, ...] | None:
        """The declared numbers (or short codes) of one kind, None when it is unmanaged."""
        if kind == "numbers":
            return None if self.numbers is None else tuple(m.number for m in self.numbers)
        return getattr(self, kind)


class Guards(_Value):
    """The mass-change guard: what one apply may touch before it needs --allow-mass-change."""

    max_touched_percent: int = 30
    min_managed: int = 10
    max_pool_removals: int = 10


class Manifest(_Value):
    """A validated manifest: what the account should look like."""

    path: str
    sha256: str
    version: int = 1
    prune: bool = False
    prune_loc: Loc | None = None
    powerpacks: dict[str, DesiredPowerpack] = Field(default_factory=dict)
    guards: Guards = Guards()
    guards_loc: Loc | None = None
    account: tuple[str, ...] = ()  # the auth ids it is pinned to; () pins nothing
    account_loc: Loc | None = None
    warnings: tuple[Problem, ...] = ()  # located, not fatal: validate and plan show them


class LivePowerpack(_Value):
    """A Powerpack as read from the API, normalized (application_type lower case, "" = none)."""

    uuid: str
    name: str
    sticky_sender: bool
    local_connect: bool
    application_type: str = ""
    application_id: str = ""
    number_priority: Matrix | None = None  # None: not read (the list didn't carry it)
    pool_uuid: str = ""  # from its number_pool path


class LiveMember(_Value):
    """One member of a pool as the pool's list shows it."""

    number: str
    kind: Kind
    service: str = ""  # a long code's service (sms or mms); "" for toll-free and short codes
    country: str = ""  # country_iso2 ("US", "CA"), "" when the API didn't say


class LivePool(_Value):
    """The members of one pool, per kind; a kind is None when it was not read."""

    numbers: tuple[LiveMember, ...] | None = None
    tollfree: tuple[LiveMember, ...] | None = None
    shortcodes: tuple[LiveMember, ...] | None = None

    def kind(self, kind: str) -> tuple[LiveMember, ...] | None:
        return getattr(self, kind)


class RentedNumber(_Value):
    """A number the account rents (the account's number lookup)."""

    number: str
    kind: Literal["numbers", "tollfree"]
    country: str = ""


class LiveApplication(_Value):
    app_id: str
    app_name: str


class LiveState(_Value):
    """The live account as far as the plan needs it."""

    powerpacks: tuple[LivePowerpack, ...] = ()
    applications: tuple[LiveApplication, ...] | None = None  # None: not read (not needed)
    pools: dict[str, LivePool] = Field(default_factory=dict)  # by pool uuid; only those read
    # The account's lookups of declared numbers: a record, or None when it does not rent it.
    rented: dict[str, RentedNumber | None] = Field(default_factory=dict)

    def pool_of(self, lp: LivePowerpack) -> LivePool:
        """What was read of a live Powerpack's pool (an empty LivePool when nothing was)."""
        return self.pools.get(lp.pool_uuid) or LivePool()


class FieldChange(_Value):
    field: str  # "sticky_sender", "application", "name", "number_priority.US.SMS", "numbers"
    before: Any = None
    after: Any = None
    origin: Origin | None = None  # with --base: this change's intent, drift, or both


class Move(_Value):
    """A member leaving one pool for another: the destination's change sends both requests."""

    number: str
    kind: Literal["numbers", "tollfree"]
    service: str = ""  # the service it is added for in the destination (long codes)
    source: str  # the Powerpack whose pool holds it live
    source_pool: str
    destination: str


Step = Literal["powerpack", "add", "move", "service", "remove", "delete"]
"""When a request runs: Powerpack writes, then adds, moves, service changes, removals, deletes."""


class ApiRequest(_Value):
    """One write, exactly as apply sends it; `path` keeps the literal "{auth_id}" placeholder
    (and "{pool_uuid}" for the pool of a Powerpack being created)."""

    method: Literal["POST", "DELETE"]
    path: str
    body: dict[str, Any] = Field(default_factory=dict)
    step: Step = "powerpack"


class Change(_Value):
    action: Literal["create", "update", "delete"]
    name: str
    uuid: str | None = None
    pool_uuid: str | None = None  # the Powerpack's pool, when the change has pool requests
    source: Loc | None = None
    fields: tuple[FieldChange, ...] = ()
    moves: tuple[Move, ...] = ()  # members moving in (requests here) or out (shown only)
    requests: tuple[ApiRequest, ...] = ()
    origin: Origin | None = None  # with --base, on creates and deletes
    # Fingerprint of the live object this change was computed from (None for a create), and the
    # normalized state it hashes, so a stale saved plan can say what moved.
    base: str | None = None
    base_state: dict[str, Any] | None = None


class Impact(_Value):
    """One managed priority cell: the sender type that sends now and after the apply."""

    cell: str  # "US.SMS"
    before: str | None = None  # None: no member of any type serves it
    after: str | None = None
    warning: str | None = None


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
    warnings: tuple[str, ...] = ()
    sender_impact: dict[str, tuple[Impact, ...]] = Field(default_factory=dict)
    guards: Guards | None = None  # the guards (and protections) apply --plan enforces
    protected: tuple[str, ...] = ()  # uuids of protected Powerpacks and their pools
    has_base: bool = False  # made with --base: fields carry their origin
    created_at: str = ""  # RFC 3339 UTC
    tool_version: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the form fingerprints are taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(state: dict[str, Any]) -> str:
    """sha256 of a normalized live state; equal states give equal fingerprints."""
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()
