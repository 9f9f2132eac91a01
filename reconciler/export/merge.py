"""The live account folded into an existing manifest file: comments, layout and pending work kept.

Pure: takes the file's text and a LiveState, returns text; no HTTP, no printing.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from reconciler.core import codec, identity
from reconciler.core.codec import member_values
from reconciler.core.models import AppLink, LivePool, LivePowerpack, LiveState, Manifest
from reconciler.core.vocab import COUNTRIES, KINDS, SERVICES
from reconciler.export.build import (
    FIELDS,
    check_unique_names,
    dump,
    field_node,
    flow_map,
    flow_seq,
    matrix_node,
    members_node,
    name_key,
    new_yaml,
)
from reconciler.export.yamledit import (
    blank_line_between,
    delete_key,
    insert_ordered,
    keep_original_lines,
    put_rest,
    tail,
    take_rest,
)
from reconciler.manifest import parse_manifest

BODY_ORDER: tuple[str, ...] = ("renamed_from", *FIELDS, *KINDS)


def merge_manifest(text: str, live: LiveState, *, path: str = "powerpacks.yaml") -> str:
    """Rewrite manifest `text` to describe `live`, keeping comments, order, layout and pending work.

    Entries not live (pending creates) stay as written; a pending rename keeps its new name and
    `renamed_from` and takes the fields of the live Powerpack it renames.
    """
    manifest = parse_manifest(text, path)  # a file the tool would refuse is refused, located
    check_unique_names(live)
    newline = "\r\n" if "\r\n" in text else "\n"
    source = text.replace("\r\n", "\n")
    source = source if source.endswith("\n") else source + "\n"
    yaml, doc = load_round_trip(source)
    baseline = dump(doc, yaml)
    fold_live(doc, live, manifest)
    edited = dump(doc, yaml)
    if edited == baseline:
        return text  # nothing differs: not one byte rewritten
    return keep_original_lines(source, baseline, edited).replace("\n", newline)


def fold_live(doc: Any, live: LiveState, manifest: Manifest) -> None:
    """Edit the round-trip tree in place until it describes `live`, pending work kept."""
    pps = powerpacks_node(doc)
    by_name = identity.live_by_name(live.powerpacks, step="export")
    renames = identity.renames(manifest.powerpacks, by_name)  # the plan's own rule
    for new, _old in identity.moot_renames(manifest.powerpacks, by_name):
        drop_renamed_from(pps, new)
    defaults = doc.get("defaults") or {}
    pending = {name for name in pps if by_name.get(renames.get(name, name)) is None}
    # A member a pending create declares is pending work (a move into it): not adopted into the
    # list of the pool that holds it live, which would declare it twice.
    live = without_members(live, {n for name in pending for n in declared_members(manifest, name)})
    for name in list(pps):
        source = by_name.get(renames.get(name, name))
        if source is not None:  # else a pending create: left exactly as written
            update_powerpack(pps, name, source, defaults, live)
    claimed = set(pps) | set(renames.values())
    missing = [by_name[n] for n in sorted(by_name) if n not in claimed]
    if missing and not pps:  # `powerpacks: {}` becomes a block; lines after it stay after it
        pps.fa.set_block_style()
        rest = take_rest((doc, "powerpacks"))
        add_powerpacks(pps, missing, defaults, live)
        put_rest(tail(pps, missing[-1].name), rest)
    else:
        add_powerpacks(pps, missing, defaults, live)


def declared_members(manifest: Manifest, name: str) -> set[str]:
    """Every number and short code a manifest entry declares."""
    dp = manifest.powerpacks.get(str(name))
    return {n for kind in KINDS for n in (dp.members(kind) or ())} if dp is not None else set()


def without_members(live: LiveState, numbers: set[str]) -> LiveState:
    """The live state with `numbers` taken out of every pool read."""
    if not numbers:
        return live
    pools = {uuid: _pool_without(pool, numbers) for uuid, pool in live.pools.items()}
    return live.model_copy(update={"pools": pools})


def _pool_without(pool: LivePool, numbers: set[str]) -> LivePool:
    kept = {k: tuple(m for m in pool.kind(k) or () if m.number not in numbers) for k in KINDS}
    return pool.model_copy(update={k: v for k, v in kept.items() if pool.kind(k) is not None})


def pending_work(text: str, live: LiveState, path: str) -> tuple[list[str], list[tuple[str, str]]]:
    """What a merged file still asks for: (pending creates, pending renames as (old, new))."""
    manifest = parse_manifest(text, path)
    return identity.pending(manifest.powerpacks, identity.live_by_name(live.powerpacks, "export"))


def load_round_trip(text: str) -> tuple[YAML, Any]:
    """Load `text` for round-tripping, with the file's own indentation for what gets added."""
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence, offset = load_yaml_guess_indent(text)
    mapping = mapping_indent(text)
    yaml = new_yaml(mapping, sequence, offset) if offset is not None else new_yaml(mapping)
    return yaml, yaml.load(text)


def mapping_indent(text: str) -> int:
    """How far the file indents a nested mapping (2 when it has none)."""
    parent = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if parent is not None and depth > parent and not stripped.startswith("-"):
            return depth - parent
        parent = depth if stripped.endswith(":") else None
    return 2


def powerpacks_node(doc: Any) -> CommentedMap:
    """The `powerpacks` mapping (a validated file has one, possibly `{}`)."""
    pps = doc.get("powerpacks")
    if not isinstance(pps, CommentedMap):
        doc["powerpacks"] = pps = CommentedMap()
    return pps


def drop_renamed_from(pps: CommentedMap, name: str) -> None:
    """Drop `renamed_from: OLD` when both names are live: it can't apply, and OLD gets an entry.

    A valid file never names another of its Powerpacks in `renamed_from`, so the key must go
    before OLD is added; the plan ignores it anyway (the new name is already live).
    """
    body = pps[name]
    delete_key(body, "renamed_from")
    if not body:
        pps[name] = None  # `name:` alone, as an empty body is written


def update_powerpack(
    pps: CommentedMap, name: str, pp: LivePowerpack, defaults: Any, live: LiveState
) -> None:
    """Fix each managed field (and cell) that differs from live; unmanaged ones stay unmanaged."""
    for field in FIELDS[:3]:
        body = pps[name]
        if isinstance(body, CommentedMap) and field in body:
            if not same(field, body[field], pp, live):
                body[field] = field_node(field, pp, live)
        elif field in defaults and not same(field, defaults[field], pp, live):
            # Inherited from `defaults` but live differs: override here, never touch the others.
            set_field(pps, name, field, field_node(field, pp, live))
    for cell, order in sorted((pp.number_priority or {}).items()):
        update_cell(pps, name, cell, order, defaults)
    for kind in KINDS:
        body = pps[name]
        members = live.pool_of(pp).kind(kind)
        if isinstance(body, CommentedMap) and kind in body and members is not None:
            wanted = member_values(members, kind)
            if written_members(kind, body[kind]) != wanted:
                body[kind] = members_node(kind, wanted)


def update_cell(pps: CommentedMap, name: str, cell: str, order: Any, defaults: Any) -> None:
    """One priority cell: rewritten in place when set here, overridden when inherited and wrong."""
    own = cell_node(pps[name], cell)
    if own is not None:
        if tuple(own) != tuple(order):
            for i, sender in enumerate(order):
                own[i] = sender  # element by element: the list keeps its flow/block style
        return
    inherited = cell_node(defaults, cell)
    if inherited is not None and tuple(inherited) != tuple(order):
        set_cell(pps, name, cell, order)


def cell_node(body: Any, cell: str) -> Any:
    """The list written for `cell` ("US.SMS") in a body or `defaults`, or None."""
    country, service = cell.split(".")
    matrix = body.get("number_priority") if isinstance(body, dict) else None
    row = matrix.get(country) if isinstance(matrix, dict) else None
    return row.get(service) if isinstance(row, dict) else None


def same(field: str, node: Any, pp: LivePowerpack, live: LiveState) -> bool:
    """Does the written value of `field` already give what is live? Compared as the plan does:
    through the codec's field values, an application named through the identity rules."""
    return written_value(field, node, live) == codec.live_values(pp, [field])[field]


_UNRESOLVED = object()


def written_value(field: str, node: Any, live: LiveState) -> Any:
    """A written field as a plan field value (an application that doesn't resolve: no value)."""
    if field != "application":
        return node
    if not isinstance(node, dict):  # `none`
        return None
    kind = str(node.get("type", "")).lower()
    link = AppLink(kind=kind if kind in ("xml", "phlo") else "xml",  # type: ignore[arg-type]
                   id=str(node["id"]) if "id" in node else None,
                   name=str(node["name"]) if "name" in node else None)  # fmt: skip
    try:
        return identity.resolve_app(link, live.applications)
    except ValueError:
        return _UNRESOLVED


def written_members(kind: str, node: Any) -> list[Any]:
    """A written pool list as the plan's field values (normalised, sorted)."""
    items = node if isinstance(node, list) else []
    if kind != "numbers":
        return sorted(str(i).removeprefix("+") for i in items)
    out = []
    for item in items:
        number = item.get("number") if isinstance(item, dict) else item
        service = item.get("service", "sms") if isinstance(item, dict) else "sms"
        out.append({"number": str(number).removeprefix("+"), "service": str(service).lower()})
    return sorted(out, key=lambda v: v["number"])


def ensure_body(pps: CommentedMap, name: str) -> CommentedMap:
    """The Powerpack's body as a mapping, made one when it was empty (`name:`)."""
    if not isinstance(pps[name], CommentedMap):
        pps[name] = CommentedMap()
    return pps[name]


def set_field(pps: CommentedMap, name: str, field: str, node: Any) -> None:
    """Add `field` to a Powerpack, at its usual place among the keys already there."""
    insert_ordered(ensure_body(pps, name), field, node, BODY_ORDER)


def set_cell(pps: CommentedMap, name: str, cell: str, order: Any) -> None:
    """Add a priority cell to a Powerpack, creating its matrix and row as needed."""
    country, service = cell.split(".")
    body = ensure_body(pps, name)
    # Each new node is built whole before it is inserted, so trailing comments land after it.
    matrix = body.get("number_priority")
    if not isinstance(matrix, CommentedMap):
        set_field(pps, name, "number_priority", matrix_node({cell: order}))
    elif not isinstance(matrix.get(country), CommentedMap):
        insert_ordered(matrix, country, flow_map({service: flow_seq(order)}), COUNTRIES)
    else:
        insert_ordered(matrix[country], service, flow_seq(order), SERVICES)


def new_body(pp: LivePowerpack, defaults: Any, live: LiveState) -> CommentedMap | None:
    """A Powerpack added by a merge: every field, except what `defaults` already gives."""
    body = CommentedMap()
    for field in FIELDS[:3]:
        if field not in defaults or not same(field, defaults[field], pp, live):
            body[field] = field_node(field, pp, live)
    matrix = pp.number_priority or {}
    cells = {c: o for c, o in matrix.items() if tuple(cell_node(defaults, c) or ()) != tuple(o)}
    if cells:
        body["number_priority"] = matrix_node(cells)
    for kind in KINDS:
        node = field_node(kind, pp, live)
        if node is not None:
            body[kind] = node
    return body or None


def add_powerpacks(
    pps: CommentedMap, missing: list[LivePowerpack], defaults: Any, live: LiveState
) -> None:
    """Append the live Powerpacks absent from the file, sorted, spaced like those there."""
    spaced = blank_line_between(pps)
    for pp in missing:
        key = name_key(pp.name)
        insert_ordered(pps, key, new_body(pp, defaults, live), None)
        if spaced and len(pps) > 1:
            pps.yaml_set_comment_before_after_key(key, before="\n")
