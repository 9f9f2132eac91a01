"""Live account -> a fresh manifest YAML, and the YAML nodes the merge reuses.

Pure: takes a LiveState (and the file's text for a merge), returns text; no HTTP, no printing.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.core.models import LivePowerpack, LiveState
from reconciler.core.vocab import COUNTRIES, SERVICES, Matrix
from reconciler.errors import PlanError
from reconciler.manifest import name_problem

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
