"""Each pydantic error of `ManifestFile.model_validate`, told at its node.

`located(errors, slots, file)` maps an error to the node of the value (or key) it is about and
asks `messages.py` for the words, by the shape expected there (`shapes.py`): the node says how
the value was written, pydantic says what is wrong with it.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Problem
from reconciler.manifest import schema
from reconciler.manifest.keys import POWERPACK_KEYS
from reconciler.manifest.messages import (
    MAPPING_OF,
    MISSING,
    application,
    auth_id,
    boolean,
    choice,
    digits,
    digits_list,
    found,
    integer,
    order,
    sender,
    shown_path,
    suggest,
    text,
    unknown_key,
    version,
)
from reconciler.manifest.names import powerpack_name_problem
from reconciler.manifest.shapes import ROOT, Shape
from reconciler.manifest.yamlnodes import at, describe


class Where:
    """One pydantic error's place: the data path, the shape expected there, and its context."""

    def __init__(self, loc: tuple[Any, ...]):
        self.path: tuple[Any, ...] = ()
        self.shape: Shape | None = ROOT
        self.parent: Shape = ROOT  # the model the last key belongs to
        self.union: Shape | None = None  # the union the shape is a branch of
        self.key = False  # the error is about a dict's key (a Powerpack name)
        for i, part in enumerate(loc):
            shape = self.shape
            if shape is None:
                self.path += (part,)
            elif shape.kind == "union":
                self.union, self.shape = shape, shape.branches.get(part)
            elif shape.kind == "dict" and loc[i + 1 : i + 2] == ("[key]",):
                self.key, self.shape = True, shape.key  # pydantic: (..., name, "[key]")
                self.path += (part,)
                break
            else:
                if shape.kind == "model":
                    self.parent = shape
                    field = shape.fields.get(part)
                    self.shape = field.shape if field else None
                else:
                    self.shape = shape.item
                self.union = None
                self.path += (part,)


def located(
    errors: list[dict[str, Any]], slots: dict[Any, Any], file: str, end: tuple[int, int]
) -> list[Problem]:
    problems = []
    for error in errors:
        where = Where(tuple(error["loc"]))
        found_at = _message(error, where, slots)
        if found_at is None:
            continue
        node, path, message = found_at
        line, col = min(at(node), end)
        problems.append(Problem(file, line, col, path, message))
    return problems


def _slot(slots: dict[Any, Any], path: tuple[Any, ...]) -> tuple[Node | None, Node]:
    while path not in slots:  # not read that deep (never expected): the nearest place read
        path = path[:-1]
    return slots[path]


def _message(
    error: dict[str, Any], where: Where, slots: dict[Any, Any]
) -> tuple[Node, str, str] | None:
    kind, path = error["type"], where.path
    if kind == "missing":
        parent_path, key = path[:-1], path[-1]
        mapping = _slot(slots, parent_path)[1]
        if _misspelled(mapping, key, where.parent):
            return None  # the misspelled key is reported, with a "did you mean" this one
        return mapping, shown_path(path), MISSING.get(key, f"missing: add `{key}:`")
    key_node, node = _slot(slots, path)
    shown_at = shown_path(path)
    if kind == "extra_forbidden":
        assert key_node is not None
        return key_node, shown_at, unknown_key(where.parent.model, str(path[-1]))
    if kind == "rule":
        ctx = error["ctx"]
        target = _slot(slots, (*path, ctx["at"]))[0] if ctx["at"] else None
        if target is not None:
            return target, shown_path((*path, ctx["at"])), ctx["message"]
        return node, shown_at, ctx["message"]
    if where.key:
        assert key_node is not None
        name = str(path[-1])
        return key_node, shown_at, f"the Powerpack name {powerpack_name_problem(name)}"
    shape = where.shape
    union = where.union if shape is None or shape.kind == "leaf" else None
    if shape is not None and shape.kind == "union":
        union = shape
    if union is not None and union.read and union.read.kind == "application":
        return node, shown_at, application(node)
    if shape is None or shape.kind == "union":
        return node, shown_at, f"is not valid here; found {describe(node)}"
    if shape.kind == "model":
        return _mapping_problem(shape, node, key_node, path)
    if shape.kind == "dict":
        hint = " (write `name:` keys, not `- ` items)" if isinstance(node, SequenceNode) else ""
        return node, shown_at, f"must be a mapping of Powerpack names{hint}; found {describe(node)}"
    if shape.kind == "list":
        return node, shown_at, _list_problem(shape, node, kind)
    return node, shown_at, _leaf_problem(shape, node, error)


def _mapping_problem(
    shape: Shape, node: Node, key_node: Node | None, path: tuple[Any, ...]
) -> tuple[Node, str, str]:
    where = shown_path(path)
    if shape.model is schema.PowerpackSpec:
        name = str(path[-1])
        if name in POWERPACK_KEYS and key_node is not None:
            message = f'"{name}" is a field, not a Powerpack: indent it under a Powerpack'
            return key_node, where, message
        return node, where, f"must be a mapping of fields, or empty; found {describe(node)}"
    what = MAPPING_OF.get(shape.model, "a mapping")  # type: ignore[arg-type]
    return node, where, f"must be {what}; found {found(node)}"


def _list_problem(shape: Shape, node: Node, kind: str) -> str:
    item = shape.item
    assert item is not None
    if item.read and item.read.kind == "sender":
        return order(node, kind)
    if item.read and item.read.kind == "auth_id":
        if kind == "too_short":
            return "must name at least one auth id (remove `account:` to pin none)"
        return f"must be an auth id or a list of them; found {describe(node)}"
    digits_read = item.read
    if item.kind == "union":  # numbers: digits or {number, service}
        digits_read = item.branches["digits"].read
    return digits_list(node, digits_read)


def _leaf_problem(shape: Shape, node: Node, error: dict[str, Any]) -> str:
    read = shape.read.kind if shape.read else ""
    if read == "version":
        return version(node)
    if read == "app_type":
        return f"must be xml or phlo; found {describe(node)}"
    if read == "sender":
        return sender(node)
    if read == "service":
        return choice(node, shape.choices)
    if read in ("text", "name"):
        return text(node, error["type"], lenient=read == "name")
    if read == "digits":
        assert shape.read is not None
        return digits(node, shape.read)
    if read == "auth_id":
        return auth_id(node)
    if shape.leaf == "bool":
        return boolean(node)
    if shape.leaf == "int":
        return integer(node, error)
    if shape.leaf == "literal":
        return choice(node, shape.choices)
    return f"{error.get('msg', 'is not valid')}; found {describe(node)}"


def _misspelled(mapping: Node, key: str, model: Shape) -> bool:
    """Whether some unknown key of the mapping is a misspelling of `key` (reported as such)."""
    if not isinstance(mapping, MappingNode):
        return False
    return any(
        isinstance(k, ScalarNode)
        and k.value not in model.fields
        and suggest(str(k.value), tuple(model.fields)) == key
        for k, _ in mapping.value
    )
