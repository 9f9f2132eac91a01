"""The file models read as shapes: what the walker expects at each place of a manifest.

Derived once, at import, from the pydantic models of `schema.py` (their fields, types and
markers), so the walker follows the one declaration: a model is a mapping of known keys, a dict a
mapping of names, a list a sequence, a discriminated union one shape per kind of YAML node, a
leaf a scalar, read and worded by its type (or its `Read` marker).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag

from reconciler.manifest.fields import NotADefault, Read
from reconciler.manifest.schema import ManifestFile


@dataclass(eq=False)
class Shape:
    kind: Literal["model", "dict", "list", "union", "leaf"]
    leaf: str = ""  # for leaves: "bool", "int", "str", "literal"
    read: Read | None = None
    model: type[BaseModel] | None = None
    fields: dict[str, Key] = field(default_factory=dict)
    item: Shape | None = None  # a list's items, a dict's values
    key: Shape | None = None  # a dict's keys
    branches: dict[str, Shape] = field(default_factory=dict)  # a union's, by tag
    choices: tuple[Any, ...] = ()  # a literal's
    nullable: bool = False

    def branch_for(self, node_kind: str) -> tuple[str, Shape] | None:
        """The union branch that reads a node of this kind ("map", "seq", "scalar")."""
        for tag, branch in self.branches.items():
            if _reads(branch) == node_kind:
                return tag, branch
        return None


@dataclass(eq=False)
class Key:
    """One key of a model: its shape, whether it is required, and why `defaults` can't hold it."""

    name: str
    shape: Shape
    required: bool
    not_a_default: str | None = None


def _reads(shape: Shape) -> str:
    return {"model": "map", "dict": "map", "list": "seq"}.get(shape.kind, "scalar")


_MODELS: dict[type[BaseModel], Shape] = {}


def model_shape(model: type[BaseModel]) -> Shape:
    if model not in _MODELS:
        shape = _MODELS[model] = Shape("model", model=model)
        for name, info in model.model_fields.items():
            meta = list(info.metadata)
            shape.fields[name] = Key(
                name,
                shape_of(info.annotation, meta),
                info.is_required(),
                next((m.reason for m in meta if isinstance(m, NotADefault)), None),
            )
    return _MODELS[model]


def shape_of(annotation: Any, meta: list[Any] | None = None) -> Shape:
    meta = list(meta or [])
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        meta += more
    shape = _bare(annotation)
    shape.read = next((m for m in meta if isinstance(m, Read)), shape.read)
    return shape


def _bare(annotation: Any) -> Shape:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return Shape(**{**shape_of(options[0]).__dict__, "nullable": True})
        union = Shape("union")
        for option in options:
            _, *meta = get_args(option) if get_origin(option) is Annotated else (option,)
            tag = next(m.tag for m in meta if isinstance(m, Tag))
            union.branches[tag] = shape_of(option)
        return union
    if origin is Literal:
        return Shape("leaf", leaf="literal", choices=get_args(annotation))
    if origin is list:
        return Shape("list", item=shape_of(get_args(annotation)[0]))
    if origin is dict:
        key, value = get_args(annotation)
        return Shape("dict", key=shape_of(key), item=shape_of(value))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_shape(annotation)
    if annotation in (bool, int, str):
        return Shape("leaf", leaf=annotation.__name__)
    raise TypeError(f"no shape for {annotation!r}")  # a type the walker can't read yet


ROOT = model_shape(ManifestFile)
