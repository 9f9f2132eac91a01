"""Live account -> a fresh manifest YAML, and the YAML nodes the merge reuses.

Pure: takes a LiveState (and the file's text for a merge), returns text; no HTTP, no printing.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.core import identity
from reconciler.core.codec import member_values
from reconciler.core.models import LivePowerpack, LiveState
from reconciler.core.vocab import COUNTRIES, KINDS, SERVICES, Matrix

MODELINE = "yaml-language-server: $schema=powerpacks.schema.json"
HEADER = (
    f"{MODELINE}\n"
    "Exported from the live account by `powerpacks export`. Every field is written, so every\n"
    "field is managed: delete a field (or a priority cell) to leave it as it is live."
)
FIELDS: tuple[str, ...] = ("sticky_sender", "local_connect", "application", "number_priority")
POOL_FIELDS = KINDS  # written for every Powerpack whose pool was read
WIDTH = 4096  # never fold a line: a re-wrapped flow matrix would be a diff nobody asked for


def export_manifest(live: LiveState) -> str:
    """The live account as a manifest: every Powerpack, every field explicit, sorted by name."""
    check_unique_names(live)
    doc = CommentedMap()
    doc["version"] = 1
    doc["prune"] = False
    doc["powerpacks"] = pps = CommentedMap()
    for pp in sorted(live.powerpacks, key=lambda p: p.name):
        key = name_key(pp.name)
        pps[key] = powerpack_body(pp, live)
        if len(pps) > 1:  # a blank line between Powerpacks, as people write them
            pps.yaml_set_comment_before_after_key(key, before="\n")
    if not pps:
        pps.fa.set_flow_style()  # `powerpacks: {}`: still a mapping, as the schema requires
    doc.yaml_set_start_comment(HEADER)
    return dump(doc, new_yaml())


def check_unique_names(live: LiveState) -> None:
    """Refuse what no manifest can say: two live Powerpacks with one name."""
    identity.live_by_name(live.powerpacks, step="export")


def export_warnings(live: LiveState) -> list[str]:
    """Live names a reader could mistake (blanks at the ends, invisible characters...)."""
    return [
        f"the live Powerpack name {identity.show_name(pp.name)} {', '.join(hazards)}: it is "
        "written quoted, so it round-trips; consider renaming it in the Plivo console"
        for pp in sorted(live.powerpacks, key=lambda p: p.name)
        if (hazards := identity.name_hazards(pp.name))
    ]


def name_key(name: str) -> str:
    """A Powerpack name as a key: double-quoted (escapes included) when it could be misread."""
    return DoubleQuotedScalarString(name) if identity.name_hazards(name) else name


def powerpack_body(pp: LivePowerpack, live: LiveState) -> CommentedMap:
    """Every field of one live Powerpack; the matrix and the pool when they were read."""
    body = CommentedMap()
    for field in (*FIELDS, *POOL_FIELDS):
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
    if field in POOL_FIELDS:
        members = live.pool_of(pp).kind(field)
        return None if members is None else members_node(field, member_values(members, field))
    return bool(getattr(pp, field))


def members_node(kind: str, values: list[Any]) -> CommentedSeq:
    """Pool members as the manifest writes them, sorted: an sms long code as a plain string,
    an mms one as `{number, service: mms}`; toll-free numbers and short codes as strings."""
    items: list[Any] = []
    for value in values:
        if kind == "numbers" and value["service"] != "sms":
            items.append(flow_map({"number": DoubleQuotedScalarString(value["number"]),
                                   "service": value["service"]}))  # fmt: skip
        else:
            number = value["number"] if isinstance(value, dict) else value
            items.append(DoubleQuotedScalarString(number))
    node = CommentedSeq(items)
    if len(items) <= 4 and all(not isinstance(i, CommentedMap) for i in items):
        node.fa.set_flow_style()  # a short list on one line; longer ones one member a line
    return node


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
    name = identity.unique_app_name(app_id, live.applications)
    if name is None or identity.name_hazards(name) or not name.strip():
        return None  # by id: a name that could be misread is no use
    return name


def resolve_app_name(name: str, live: LiveState) -> str | None:
    """The id of the one application called `name` (None: no match or several), as the plan does."""
    from reconciler.core.models import AppLink

    try:
        value = identity.resolve_app(AppLink(kind="xml", name=name), live.applications)
    except ValueError:
        return None
    return value["id"] if value else None


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
