"""A saved plan file -> Plan. The file is untrusted input, data and never a program.

It is read with a strict model of the format (unknown keys refused, every value typed by what
it is), and every request a change states is rebuilt from the change's typed content by the
planner's own code (`core.writes`): a file whose requests say anything else, whose action and
requests disagree, or whose change lacks what its action needs, is refused whole. So editing a
plan can't turn an update into a delete, add a key to a body, point a path at another uuid, or
slip in a request its changes don't show.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from reconciler.core import writes
from reconciler.core.models import (
    ApiRequest,
    Change,
    FieldChange,
    Guards,
    Impact,
    Loc,
    Move,
    Plan,
    Summary,
    canonical_json,
    fingerprint,
)
from reconciler.core.vocab import CELLS, KINDS, MEMBER_SERVICES, SCALARS, SENDER_TYPES, cell_field
from reconciler.errors import PlanFileError
from reconciler.render.plan_json import FORMAT_VERSION, TOOL

Text = Annotated[str, StringConstraints(min_length=1)]
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]{3,15}$")]
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Source(_Strict):
    file: str
    line: int
    col: int = 1


class _Field(_Strict):
    field: str
    before: Any = None
    after: Any = None
    origin: Literal["intent", "drift", "both"] | None = None


class _Move(_Strict):
    number: Digits
    kind: Literal["numbers", "tollfree"]
    service: str = ""
    source: Text
    source_pool: Text
    destination: Text


class _Request(_Strict):
    method: Literal["POST", "DELETE"]
    path: Text
    body: dict[str, Any]
    step: Literal["powerpack", "add", "move", "service", "remove", "delete"] = "powerpack"


class _Change(_Strict):
    action: Literal["create", "update", "delete"]
    name: Text
    uuid: Text | None
    pool_uuid: Text | None = None
    source: _Source | None = None
    fields: list[_Field] = Field(default_factory=list)
    moves: list[_Move] = Field(default_factory=list)
    requests: list[_Request]
    base: Sha | None = None
    base_state: dict[str, Any] | None = None
    origin: Literal["intent", "drift"] | None = None


class _Impact(_Strict):
    cell: Literal[CELLS]  # type: ignore[valid-type]
    before: Literal[SENDER_TYPES] | None = None  # type: ignore[valid-type]
    after: Literal[SENDER_TYPES] | None = None  # type: ignore[valid-type]
    warning: str | None = None


class _Guards(_Strict):
    max_touched_percent: Annotated[int, Field(ge=0, le=100)]
    min_managed: Annotated[int, Field(ge=0)]
    max_pool_removals: Annotated[int, Field(ge=0)]


class _Manifest(_Strict):
    path: str
    sha256: Sha | Literal[""]


class _Tool(_Strict):
    name: Literal["powerpacks"]
    version: str


class _Summary(_Strict):
    create: Annotated[int, Field(ge=0)]
    update: Annotated[int, Field(ge=0)]
    delete: Annotated[int, Field(ge=0)]
    unchanged: Annotated[int, Field(ge=0)]
    not_managed: Annotated[int, Field(ge=0)]


class _PlanFile(_Strict):
    format_version: Literal[1]
    tool: _Tool | None = None
    created_at: str = ""
    account: str
    account_sha256: Sha | Literal[""]
    manifest: _Manifest
    changes: list[_Change]
    summary: _Summary
    warnings: list[str] = Field(default_factory=list)
    sender_impact: dict[str, list[_Impact]] = Field(default_factory=dict)
    guards: _Guards | None = None
    protected: list[str] = Field(default_factory=list)
    base: bool = False


def plan_from_json(text: str, where: str = "the plan") -> Plan:
    """Read a saved plan; anything that is not exactly a plan of this format is a PlanFileError."""
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise PlanFileError(f"{where}: not a powerpacks plan: invalid JSON ({e})") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanFileError(f"{where}: not a powerpacks plan: no format_version")
    if doc["format_version"] != FORMAT_VERSION:
        raise PlanFileError(
            f"{where}: plan format_version {doc['format_version']!r} is not supported "
            f"(this powerpacks reads version {FORMAT_VERSION})"
        )
    try:
        parsed = _PlanFile.model_validate(doc)
    except ValidationError as e:
        raise PlanFileError(f"{where}: not a valid powerpacks plan: {_first(e)}") from None
    except RecursionError:
        raise PlanFileError(f"{where}: not a valid powerpacks plan: nested too deep") from None
    return _plan(parsed, where)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object with a key twice reads as its last value to Python and as its first to some
    readers: a file that says two things is refused, not read one way."""
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"the key {twice[0]!r} appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _first(e: ValidationError) -> str:
    first = e.errors()[0]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    return f"{path}: {first['msg']}"


def _plan(doc: _PlanFile, where: str) -> Plan:
    if doc.tool is not None and doc.tool.name != TOOL:
        raise PlanFileError(f"{where}: made by {doc.tool.name!r}, not by powerpacks")
    changes = [_change(c, i, where) for i, c in enumerate(doc.changes)]
    names = [c.name for c in changes]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise PlanFileError(f"{where}: a Powerpack has two changes: {', '.join(dupes)}")
    # The same Powerpack under two names (a second rename of one uuid), or one pool twice.
    for key in ("uuid", "pool_uuid"):
        values = [getattr(c, key) for c in changes if getattr(c, key) is not None]
        if len(set(values)) != len(values):
            dupes = sorted({v for v in values if values.count(v) > 1})
            raise PlanFileError(f"{where}: two changes of one Powerpack ({key} {', '.join(dupes)})")
    counts = {a: sum(c.action == a for c in changes) for a in ("create", "update", "delete")}
    summary = Summary(**doc.summary.model_dump())
    if {a: getattr(summary, a) for a in counts} != counts:
        raise PlanFileError(f"{where}: its summary does not count its changes ({counts})")
    return Plan(
        changes=tuple(changes),
        summary=summary,
        manifest_path=doc.manifest.path,
        manifest_sha256=doc.manifest.sha256,
        account=doc.account,
        account_sha256=doc.account_sha256,
        warnings=tuple(doc.warnings),
        sender_impact={
            name: tuple(Impact(**i.model_dump()) for i in cells)
            for name, cells in doc.sender_impact.items()
        },
        guards=Guards(**doc.guards.model_dump()) if doc.guards is not None else None,
        protected=tuple(doc.protected),
        has_base=doc.base,
        created_at=doc.created_at,
        tool_version=doc.tool.version if doc.tool is not None else "",
    )


def _change(raw: _Change, index: int, where: str) -> Change:
    label = f"{where}: changes[{index}] ({raw.action} {raw.name})"
    for i, f in enumerate(raw.fields):
        problem = _field_problem(raw.action, f)
        if problem:
            raise PlanFileError(f"{label}: fields[{i}] ({f.field}): {problem}")
    _check_base(raw, label)
    _check_name(raw, label)
    src = raw.source
    change = Change(
        action=raw.action,
        name=raw.name,
        uuid=raw.uuid,
        pool_uuid=raw.pool_uuid,
        source=Loc(file=src.file, line=src.line, col=src.col) if src else None,
        fields=tuple(FieldChange(**f.model_dump()) for f in raw.fields),
        moves=tuple(Move(**m.model_dump()) for m in raw.moves),
        requests=tuple(ApiRequest(**r.model_dump()) for r in raw.requests),
        origin=raw.origin,
        base=raw.base,
        base_state=raw.base_state,
    )
    if any(m.destination != raw.name and m.source != raw.name for m in change.moves):
        raise PlanFileError(f"{label}: a move that neither leaves nor enters this Powerpack")
    _check_moves(change, label)
    try:
        rebuilt = writes.change_requests(change)
    except (ValueError, KeyError, TypeError) as e:
        raise PlanFileError(f"{label}: {e}") from None
    if raw.pool_uuid is not None and (
        raw.action != "update" or all(r.step in ("powerpack", "delete") for r in rebuilt)
    ):
        raise PlanFileError(f"{label}: a pool_uuid, but no pool request of its own")
    stated = list(change.requests)
    # Compared as JSON, not as Python values: 0 == False and 1.0 == True in Python, so a body
    # {"unrent_numbers": 0} would pass for {"unrent_numbers": false} and be sent as it is.
    if [_exact(r) for r in stated] != [_exact(r) for r in rebuilt]:
        raise PlanFileError(f"{label}: {_difference(stated, rebuilt)}: refusing the whole plan")
    return change


def _check_moves(change: Change, label: str) -> None:
    """A move into this Powerpack is of a number its fields add, for the service they say."""
    after = {f.field: f.after for f in change.fields if f.field in KINDS}
    numbers = [m.number for m in change.moves]
    if len(set(numbers)) != len(numbers):
        raise PlanFileError(f"{label}: a number moves twice")
    for move in change.moves:
        if move.destination != change.name:
            continue
        wanted = writes.services(after.get(move.kind) or [], move.kind)
        service = wanted.get(move.number) if move.kind == "numbers" else ""
        if move.number not in wanted or move.service != service:
            raise PlanFileError(
                f"{label}: the move of {move.number} is not one its {move.kind} field makes"
            )


def _exact(req: ApiRequest) -> str:
    return canonical_json(req.model_dump())


def _difference(stated: list[ApiRequest], rebuilt: list[ApiRequest]) -> str:
    """Say where the stated requests leave what the change's content makes."""
    for i, (a, b) in enumerate(zip(stated, rebuilt, strict=False)):
        if _exact(a) != _exact(b):
            return f"requests[{i}] is {_show(a)}, but the change's content makes {_show(b)}"
    if len(stated) > len(rebuilt):
        return f"requests[{len(rebuilt)}] ({_show(stated[len(rebuilt)])}) is not in its content"
    return f"its requests stop before {_show(rebuilt[len(stated)])}, which its content makes"


def _show(req: ApiRequest) -> str:
    body = json.dumps(req.body, sort_keys=True, ensure_ascii=False)
    return f"{req.method} {req.path} {body} ({req.step})"


def _check_base(raw: _Change, label: str) -> None:
    if raw.action != "create" and (raw.base is None or raw.base_state is None):
        raise PlanFileError(f"{label}: an {raw.action} needs the state it was computed from")
    if (raw.base is None) != (raw.base_state is None):
        raise PlanFileError(f"{label}: base and base_state go together")
    if raw.base_state is not None:
        try:
            ok = fingerprint(raw.base_state) == raw.base
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise PlanFileError(f"{label}: base is not the fingerprint of base_state")


def _check_name(raw: _Change, label: str) -> None:
    """The name a change shows is the name of the Powerpack it was computed from (a rename: its
    old name the before, its new name the change's): else the plan shows one Powerpack and
    writes another. A create has no Powerpack yet: its base, if any, is its moves' sources."""
    if raw.base_state is None or raw.action == "create":
        return
    renames = [f for f in raw.fields if f.field == "name"]
    was = renames[0].before if renames else raw.name
    if renames and renames[0].after != raw.name:
        raise PlanFileError(f"{label}: it renames to {renames[0].after!r}, not to its own name")
    if raw.base_state.get("name") != was:
        raise PlanFileError(
            f"{label}: it was computed from the Powerpack named {raw.base_state.get('name')!r}, "
            f"not {was!r}"
        )


_APP_TYPES = ("xml", "phlo")


def _field_problem(action: str, f: _Field) -> str | None:
    """Why a field change's values can't be what the planner writes (None: they can)."""
    values = [f.after] if action == "create" else [f.before, f.after]
    if action == "delete":
        return "a delete changes no field"
    if f.field == "name":
        ok = action == "update" and all(isinstance(v, str) and v for v in values)
    elif f.field in SCALARS:
        ok = isinstance(f.after, bool) and all(isinstance(v, bool) or v is None for v in values)
    elif f.field == "application":
        ok = all(_app_ok(v) for v in values)
    elif f.field in (cell_field(c) for c in CELLS):
        ok = _order_ok(f.after) and all(v is None or _order_ok(v) for v in values)
    elif f.field in KINDS:
        ok = all(_members_ok(f.field, v) for v in values)
    else:
        return "not a field powerpacks plans"
    if action == "create" and f.before not in (None, []):
        return "a create's field has no before value"
    return None if ok else "its values are not of that field's type"


def _app_ok(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, dict) or not set(value) <= {"type", "id", "name"}:
        return False
    return (
        value.get("type") in _APP_TYPES and isinstance(value.get("id"), str) and bool(value["id"])
    )


def _order_ok(value: Any) -> bool:
    return (
        isinstance(value, list)
        and sorted(map(str, value)) == sorted(SENDER_TYPES)
        and all(isinstance(v, str) for v in value)
    )


def _members_ok(kind: str, value: Any) -> bool:
    if not isinstance(value, list):
        return False
    if kind == "numbers":
        if not all(
            isinstance(v, dict) and set(v) == {"number", "service"}
            and isinstance(v["number"], str) and v["number"].isdigit()
            and v["service"] in MEMBER_SERVICES
            for v in value
        ):  # fmt: skip
            return False
        numbers = [v["number"] for v in value]
    else:
        if not all(isinstance(v, str) and v.isdigit() for v in value):
            return False
        numbers = list(value)
    return numbers == sorted(set(numbers))
