"""Live account -> manifest YAML: a fresh export, or merged into an existing file, comments kept.

Pure: takes a LiveState (and the file's text for a merge), returns text; no HTTP, no printing.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.errors import PlanError
from reconciler.manifest import name_problem, parse_manifest
from reconciler.models import COUNTRIES, SERVICES, LivePowerpack, LiveState, Matrix
from reconciler.yamledit import (
    blank_line_between,
    delete_key,
    insert_ordered,
    keep_original_lines,
    put_rest,
    tail,
    take_rest,
)

MODELINE = "yaml-language-server: $schema=powerpacks.schema.json"
HEADER = (
    f"{MODELINE}\n"
    "Exported from the live account by `powerpacks export`. Every field is written, so every\n"
    "field is managed: delete a field (or a priority cell) to leave it as it is live."
)
FIELDS: tuple[str, ...] = ("sticky_sender", "local_connect", "application", "number_priority")
WIDTH = 4096  # never fold a line: a re-wrapped flow matrix would be a diff nobody asked for


def export_manifest(live: LiveState) -> str:
    """The live account as a manifest: every Powerpack, every field explicit, sorted by name."""
    check_unique_names(live)
    doc = CommentedMap()
    doc["version"] = 1
    doc["prune"] = False
    doc["powerpacks"] = pps = CommentedMap()
    for pp in sorted(live.powerpacks, key=lambda p: p.name):
        pps[pp.name] = powerpack_body(pp, live)
        if len(pps) > 1:  # a blank line between Powerpacks, as people write them
            pps.yaml_set_comment_before_after_key(pp.name, before="\n")
    if not pps:
        pps.fa.set_flow_style()  # `powerpacks: {}`: still a mapping, as the schema requires
    doc.yaml_set_start_comment(HEADER)
    return dump(doc, new_yaml())


def check_unique_names(live: LiveState) -> None:
    """Refuse what no valid manifest can say: one name twice, or a name the manifest rejects."""
    dupes = sorted(n for n, k in Counter(p.name for p in live.powerpacks).items() if k > 1)
    if dupes:
        raise PlanError(f"export: several live Powerpacks are named {', '.join(map(repr, dupes))}")
    for name in sorted(p.name for p in live.powerpacks):
        problem = name_problem(name)
        if problem:
            raise PlanError(
                f"export: the live Powerpack name {name!r} cannot be a manifest key (it {problem});"
                " rename it in the Plivo console first"
            )


def powerpack_body(pp: LivePowerpack, live: LiveState) -> CommentedMap:
    """Every field of one live Powerpack; the matrix only when it was read."""
    body = CommentedMap()
    for field in FIELDS:
        node = field_node(field, pp, live)
        if node is not None:
            body[field] = node
    return body


def field_node(field: str, pp: LivePowerpack, live: LiveState) -> Any:
    """One field of a live Powerpack as the manifest writes it (None: not known)."""
    if field == "application":
        return app_node(pp, live)
    if field == "number_priority":
        return matrix_node(pp.number_priority) if pp.number_priority else None
    return bool(getattr(pp, field))


def is_linked(pp: LivePowerpack) -> bool:
    """An app is linked only when both type and id are set ("" is the API's "none")."""
    return bool(pp.application_type and pp.application_id)


def app_node(pp: LivePowerpack, live: LiveState) -> Any:
    """`none`; `{type: xml, name}` when the name is unique; else `{type, id}` (PHLO: by id)."""
    if not is_linked(pp):
        return "none"
    kind = pp.application_type.lower()
    name = unique_app_name(pp.application_id, live) if kind == "xml" else None
    if name is not None:
        return flow_map({"type": "xml", "name": DoubleQuotedScalarString(name)})
    return flow_map({"type": kind, "id": DoubleQuotedScalarString(pp.application_id)})


def unique_app_name(app_id: str, live: LiveState) -> str | None:
    """The name of application `app_id` if no other application shares it, else None."""
    apps = live.applications or ()
    names = [a.app_name for a in apps if a.app_id == app_id]
    if len(names) != 1 or name_problem(names[0]):
        return None  # by id: a name the manifest would refuse is no use
    return names[0] if sum(a.app_name == names[0] for a in apps) == 1 else None


def resolve_app_name(name: str, live: LiveState) -> str | None:
    """The id of the one application called `name` (None: no match or several), as the plan does."""
    ids = [a.app_id for a in live.applications or () if a.app_name == name]
    return ids[0] if len(ids) == 1 else None


def matrix_node(matrix: Matrix) -> CommentedMap:
    """`US: {SMS: [...], MMS: [...]}` rows, one flow mapping per country, in display order."""
    out = CommentedMap()
    for country in COUNTRIES:
        cells = [(s, matrix.get(f"{country}.{s}")) for s in SERVICES]
        row = {s: flow_seq(order) for s, order in cells if order}
        if row:
            out[country] = flow_map(row)
    return out


def flow_map(items: dict[str, Any]) -> CommentedMap:
    """A mapping written on one line: `{type: xml, id: "..."}`."""
    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


def flow_seq(items: Any) -> CommentedSeq:
    """A list written on one line: `[shortcode, tollfree, longcode]`."""
    node = CommentedSeq(list(items))
    node.fa.set_flow_style()
    return node


def new_yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    """A round-trip YAML that keeps quotes and never folds long lines."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def dump(doc: Any, yaml: YAML) -> str:
    """Serialise a round-trip document to text."""
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


# --- merge: the live account folded into an existing file, comments and layout kept ---------------

BODY_ORDER: tuple[str, ...] = ("renamed_from", *FIELDS)


def merge_manifest(text: str, live: LiveState, *, path: str = "powerpacks.yaml") -> str:
    """Rewrite manifest `text` to describe `live`, keeping comments, order, layout and pending work.

    Entries not live (pending creates) stay as written; a pending rename keeps its new name and
    `renamed_from` and takes the fields of the live Powerpack it renames.
    """
    validate(text, path)
    check_unique_names(live)
    newline = "\r\n" if "\r\n" in text else "\n"
    source = text.replace("\r\n", "\n")
    source = source if source.endswith("\n") else source + "\n"
    yaml, doc = load_round_trip(source)
    baseline = dump(doc, yaml)
    fold_live(doc, live)
    edited = dump(doc, yaml)
    if edited == baseline:
        return text  # nothing differs: not one byte rewritten
    return keep_original_lines(source, baseline, edited).replace("\n", newline)


def fold_live(doc: Any, live: LiveState) -> None:
    """Edit the round-trip tree in place until it describes `live`, pending work kept."""
    pps = powerpacks_node(doc)
    by_name = {p.name: p for p in live.powerpacks}
    renames = pending_renames(pps, by_name)
    drop_moot_renames(pps, by_name, renames)
    defaults = doc.get("defaults") or {}
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


def pending_work(text: str, live: LiveState, path: str) -> tuple[list[str], list[tuple[str, str]]]:
    """What a merged file still asks for: (pending creates, pending renames as (old, new))."""
    manifest = parse_manifest(text, path)
    names = {p.name for p in live.powerpacks}
    renames = [
        (dp.renamed_from, new)
        for new, dp in sorted(manifest.powerpacks.items())
        if new not in names and dp.renamed_from is not None and dp.renamed_from in names
    ]
    renamed = {new for _, new in renames}
    creates = sorted(n for n in manifest.powerpacks if n not in names and n not in renamed)
    return creates, renames


def validate(text: str, path: str) -> None:
    """Refuse a file the tool would refuse: every problem located, nothing rewritten."""
    parse_manifest(text, path)


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


def renamed_from(body: Any) -> Any:
    """The entry's `renamed_from`, or None."""
    return body.get("renamed_from") if isinstance(body, CommentedMap) else None


def pending_renames(pps: CommentedMap, by_name: dict[str, LivePowerpack]) -> dict[str, str]:
    """New name -> old name for each rename the plan would make (new not live, old live)."""
    pairs = {name: renamed_from(pps[name]) for name in pps}
    return {new: old for new, old in pairs.items() if new not in by_name and old in by_name}


def drop_moot_renames(
    pps: CommentedMap, by_name: dict[str, LivePowerpack], renames: dict[str, str]
) -> None:
    """Drop `renamed_from: OLD` when both names are live: it can't apply, and OLD gets an entry.

    A valid file never names another of its Powerpacks in `renamed_from`, so the key must go
    before OLD is added; the plan ignores it anyway (the new name is already live).
    """
    for name in list(pps):
        old = renamed_from(pps[name])
        if old is None or name in renames or old not in by_name:
            continue  # pending (the plan renames it) or inert (nothing live is called OLD)
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
    """Does the written value of `field` already give what is live? Compared as the plan does."""
    if field != "application":
        return node is getattr(pp, field) or node == getattr(pp, field)
    if not isinstance(node, dict):  # `none`
        return not is_linked(pp)
    if not is_linked(pp) or str(node.get("type", "")).lower() != pp.application_type.lower():
        return False
    if "id" in node:
        return str(node["id"]) == pp.application_id
    return resolve_app_name(str(node.get("name")), live) == pp.application_id


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
    return body or None


def add_powerpacks(
    pps: CommentedMap, missing: list[LivePowerpack], defaults: Any, live: LiveState
) -> None:
    """Append the live Powerpacks absent from the file, sorted, spaced like those there."""
    spaced = blank_line_between(pps)
    for pp in missing:
        insert_ordered(pps, pp.name, new_body(pp, defaults, live), None)
        if spaced and len(pps) > 1:
            pps.yaml_set_comment_before_after_key(pp.name, before="\n")
