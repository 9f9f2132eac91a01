"""Reading manifest nodes into the file models' input, following their shapes (`shapes.py`).

`NodeReader.read` turns a node into plain data for `ManifestFile.model_validate`: mappings become
dicts (merge keys resolved), sequences lists, scalars typed by YAML 1.2 (`values.py` for what
Python would lose). It goes only as deep as the shapes do: an unknown key's value, or a list where
a scalar goes, is not read further (an alias bomb under an unknown key costs nothing). Each value
read is kept with its node (`slots`, by data path), so a pydantic error is located at its node.

What data cannot carry is reported here, located: keys that are not scalars, duplicate keys,
Powerpack names that are not strings, `<<` of something that is not a mapping, and aliases
expanding past a bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.core.models import Loc
from reconciler.errors import ManifestError, Problem
from reconciler.manifest.messages import shown_path as _shown
from reconciler.manifest.shapes import Shape
from reconciler.manifest.values import UNREAD, Opaque, WrittenInt
from reconciler.manifest.yamlerrors import lines, quote, shorten
from reconciler.manifest.yamlnodes import at, describe, is_merge_key, scalar, settle_empty, text_of

MAX_PROBLEMS = 1000
"""Problems kept per file; past it they are counted and one last problem says how many more (a
file with a million bad keys is told in a second, not in a million lines)."""
Path = tuple[Any, ...]  # a data path: ("powerpacks", "a", "numbers", 0)
Slot = tuple["Node | None", Node]  # (the key node, or None for a list item; the value node)
_MAP, _SEQ = Opaque("map"), Opaque("seq")


class NodeReader:
    """Reads nodes into data, collecting a located Problem for what data cannot say."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.problems: list[Problem] = []
        self.dropped = 0  # problems past MAX_PROBLEMS, counted, not kept
        self.slots: dict[Path, Slot] = {}
        all_lines = lines(text)
        self.end = (len(all_lines), len(all_lines[-1]) + 1)  # where the last line ends
        # Each node of the file is read about once; aliases may repeat a node, within bounds.
        self.budget = 4 * len(text) + 10_000

    def add(self, node: Node, path: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        line, col = min(at(node), self.end)  # an empty value at the very end is marked past it
        self.problems.append(Problem(self.file, line, col, path, message))

    @property
    def room(self) -> int:
        """How many more problems are kept."""
        return max(0, MAX_PROBLEMS - len(self.problems))

    def loc(self, node: Node) -> Loc:
        line, col = at(node)
        return Loc.model_construct(file=self.file, line=line, col=col)

    # --- nodes -> data ---------------------------------------------------------------------

    def read(self, node: Node, shape: Shape, path: Path, key: Node | None = None) -> Any:
        """The data of one node where `shape` is expected."""
        self.slots[path] = (key, node)
        self.budget -= 1
        if self.budget < 0:
            message = "aliases expand this file past what a manifest can hold (an alias bomb?)"
            raise ManifestError([Problem(self.file, *min(at(node), self.end), "", message)])
        if shape.kind == "union":  # the branch that reads this kind of node
            branch = shape.branch_for(_node_kind(node))
            if branch is None:
                return self.scalar(node)
            shape = branch[1]
        kind = shape.kind
        if isinstance(node, MappingNode):
            if kind == "model":
                return self.fields(node, shape, path)
            if kind == "dict":
                return self.names(node, shape, path)
            return _MAP
        if isinstance(node, SequenceNode):
            if kind == "list":
                item = shape.item
                assert item is not None
                return [self.read(v, item, (*path, i)) for i, v in enumerate(node.value)]
            return _SEQ
        return self.scalar(node)

    def fields(self, node: MappingNode, shape: Shape, path: Path) -> dict[str, Any]:
        """A mapping of known keys: unknown ones are passed on unread (the model rejects them)."""
        data: dict[str, Any] = {}
        firsts: dict[str, Node] = {}
        for key, value in self.pairs(node, path):
            text = key.value if isinstance(key, ScalarNode) else None
            if text is None:
                self.add(key, _shown(path), f"a key must be a name; found {describe(key)}")
            elif text in firsts:
                first = at(firsts[text])[0]
                message = f'duplicate key "{text}" (first at line {first})'
                self.add(key, _shown((*path, text)), message)
            else:
                firsts[text] = key
                known = shape.fields.get(text)
                if known is None:
                    unknown = (*path, text)
                    self.slots[unknown] = (key, value)
                    data[text] = UNREAD
                else:
                    data[text] = self.read(value, known.shape, (*path, text), key)
        return data

    def names(self, node: MappingNode, shape: Shape, path: Path) -> dict[str, Any]:
        """A mapping of names (`powerpacks:`): each key is a string, once."""
        data: dict[str, Any] = {}
        firsts: dict[str, Node] = {}
        item = shape.item
        assert item is not None
        for key, value in self.pairs(node, path):
            name = text_of(key)
            if name is None:
                hint = f" (quote it: {quote(key.value)})" if isinstance(key, ScalarNode) else ""
                message = f"a Powerpack name must be a string{hint}; found {describe(key)}"
                self.add(key, _shown(path), message)
            elif name in firsts:
                first = at(firsts[name])[0]
                message = f'duplicate Powerpack "{shorten(name, 80)}" (first at line {first})'
                self.add(key, _shown((*path, name)), message)
            else:
                firsts[name] = key
                data[name] = self.read(value, item, (*path, name), key)
        return data

    def scalar(self, node: Node) -> Any:
        """A scalar's value by the YAML 1.2 core schema, for a strict model to judge."""
        if not isinstance(node, ScalarNode):
            return _opaque(node)
        kind, value = scalar(node)
        if kind == "str" or kind == "bool":
            return value
        if kind == "null":
            return None
        if kind == "int":
            return Opaque("int", node.value) if value is None else WrittenInt(value, node.value)
        return Opaque(kind, node.value)  # a float, or a value tagged with another type

    # --- mappings ------------------------------------------------------------------------------

    def pairs(self, node: MappingNode, path: Path) -> list[tuple[Node, Node]]:
        """A mapping's own pairs, then those merged in with `<<` for keys it does not set."""
        own: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key, value in node.value:
            settle_empty(key, value)
            if is_merge_key(key):
                merged.extend(self._merged(value, path, {id(node)}))
            else:
                own.append((key, value))
        taken = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        for key, value in merged:
            if key.value not in taken:  # the mapping's own keys win, then earlier merges
                taken.add(key.value)
                own.append((key, value))
        return own

    def _merged(self, value: Node, path: Path, seen: set[int]) -> Iterator[tuple[Node, Node]]:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, MappingNode):
                message = f"`<<` merges mappings only; found {describe(source)}"
                self.add(source, _shown(path), message)
            elif id(source) not in seen:  # each mapping once: no loops, no blow-up
                seen.add(id(source))
                nested = [item for key, item in source.value if is_merge_key(key)]
                for key, item in source.value:
                    settle_empty(key, item)
                    if isinstance(key, ScalarNode) and not is_merge_key(key):
                        yield key, item
                for item in nested:  # the source's own keys win over what it merges in
                    yield from self._merged(item, path, seen)


def _opaque(node: Node) -> Opaque:
    return _MAP if isinstance(node, MappingNode) else _SEQ


def _node_kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "map"
    return "seq" if isinstance(node, SequenceNode) else "scalar"
