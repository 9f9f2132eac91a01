"""Reading manifest nodes: mappings (unknown, duplicate and merged keys) and field values.

Every reader reports problems at the node they are about and returns None for a bad value, so one
walk finds every problem of a file.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.core.models import AppLink, Loc
from reconciler.core.vocab import COUNTRIES, SENDER_TYPES, SERVICES
from reconciler.errors import Problem
from reconciler.manifest.keys import (
    APPLICATION_KEYS,
    BLANK_CHARS,
    CONTROL_CHARS,
    DEFAULTS_KEYS,
    NAME_PATTERN,
    POWERPACK_KEYS,
    ROOT_KEYS,
)
from reconciler.manifest.yamlnodes import (
    at,
    describe,
    is_merge_key,
    lines,
    quote,
    scalar,
    settle_empty,
    text_of,
)

Spec = dict[str, tuple[Any, Loc]]  # "sticky_sender" / "number_priority.US.SMS" -> (value, where)
Pairs = dict[str, tuple[Node, Node]]  # key text -> (key node, value node), file order
_NAME_RE = re.compile(NAME_PATTERN.replace("$", r"\Z"))  # `$` would allow a final newline
_BLANK_RE = re.compile(f"[{BLANK_CHARS}]*")
_CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]")
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ORDER_TEXT = "shortcode, tollfree and longcode"
_TIMES = {2: "twice", 3: "3 times"}
_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off", "y", "n")
_COUNTRIES_WHAT = f"a mapping of countries ({', '.join(COUNTRIES)})"
_SERVICES_WHAT = f"a mapping of services ({', '.join(SERVICES)})"
AppKind = Literal["xml", "phlo"]


def join(path: str, key: str) -> str:
    """Extend a dotted path; keys that are not simple words are quoted."""
    shown = key if _SIMPLE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{shown}" if path else shown


def suggest(key: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed key a mistyped one most likely meant, if any is close."""
    folded = {a.lower().replace("-", "_"): a for a in allowed}
    if key.lower().replace("-", "_") in folded:
        return folded[key.lower().replace("-", "_")]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    hint = suggest(key, allowed)
    if hint:
        return f'unknown key "{key}": did you mean "{hint}"?'
    return f'unknown key "{key}" (allowed: {", ".join(allowed)})'


def root_unknown(key: str) -> str:
    if key in POWERPACK_KEYS:
        return f'"{key}" is not a top-level key: put it under `defaults:` or under one Powerpack'
    hint = suggest(key, ROOT_KEYS)
    if hint:
        return f'unknown key "{key}": did you mean "{hint}"?'
    return (
        f'unknown key "{key}" (allowed: {", ".join(ROOT_KEYS)}; Powerpacks go under `powerpacks:`)'
    )


def defaults_unknown(key: str) -> str:
    if key == "renamed_from":
        return "renamed_from cannot be a default: it is one Powerpack's former name; set it there"
    return _unknown(key, DEFAULTS_KEYS)


def powerpack_unknown(key: str) -> str:
    if key == "name":
        return "a Powerpack's name is its key under `powerpacks:`: remove `name:`"
    return _unknown(key, POWERPACK_KEYS)


def _country_unknown(key: str) -> str:
    if key.upper() in COUNTRIES:
        return f'country codes are upper case: did you mean "{key.upper()}"?'
    return f'unknown country "{key}" (supported: {", ".join(COUNTRIES)})'


def _service_unknown(key: str) -> str:
    if key.upper() in SERVICES:
        return f'services are upper case: did you mean "{key.upper()}"?'
    return f'unknown service "{key}" (supported: {", ".join(SERVICES)})'


def _found(node: Node) -> str:
    """What was found instead, with the way out when it is an empty value."""
    if isinstance(node, ScalarNode) and scalar(node)[0] == "null":
        return "nothing: fill it in, or remove the key to leave it unmanaged"
    return describe(node)


def _bool_hint(node: Node) -> str:
    """Why a value that reads like a boolean is not one."""
    if not isinstance(node, ScalarNode):
        return ""
    kind, value = scalar(node)
    if kind != "str" or str(value).lower() not in _BOOL_WORDS:
        return ""
    if node.style and str(value).lower() in ("true", "false"):
        return ": write it without quotes"
    return " (YAML 1.2 reads yes, no, on and off as strings): write true or false"


def name_problem(name: str) -> str | None:
    """Why a Powerpack or application name is unusable, or None."""
    if _NAME_RE.match(name):
        return None
    if not name or _BLANK_RE.fullmatch(name):
        return "must not be empty"
    if _CONTROL_RE.search(name):
        return "must be one line, without control characters"
    return "must not start or end with spaces"


class NodeReader:
    """Reads nodes into values, collecting a located Problem for each bad one."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.problems: list[Problem] = []
        all_lines = lines(text)
        self.end = (len(all_lines), len(all_lines[-1]) + 1)  # where the last line ends

    def add(self, node: Node, path: str, message: str) -> None:
        line, col = min(at(node), self.end)  # an empty value at the very end is marked past it
        self.problems.append(Problem(self.file, line, col, path, message))

    def loc(self, node: Node) -> Loc:
        line, col = at(node)
        return Loc.model_construct(file=self.file, line=line, col=col)

    # --- structure ---------------------------------------------------------------------------

    def mapping(
        self,
        node: Node,
        path: str,
        allowed: tuple[str, ...],
        unknown: Callable[[str], str],
        what: str = "a mapping",
    ) -> Pairs:
        """The known keys of a mapping; unknown and duplicate keys are reported."""
        if not isinstance(node, MappingNode):
            self.add(node, path, f"must be {what}; found {_found(node)}")
            return {}
        found: Pairs = {}
        for key, value in self.pairs(node, path):
            text = key.value if isinstance(key, ScalarNode) else None
            if text is None:
                self.add(key, path, f"a key must be a name; found {describe(key)}")
            elif text not in allowed:
                self.add(key, join(path, text), unknown(text) if text else "empty key")
            elif text in found:
                first = at(found[text][0])[0]
                self.add(key, join(path, text), f'duplicate key "{text}" (first at line {first})')
            else:
                found[text] = (key, value)
        return found

    def pairs(self, node: MappingNode, path: str) -> list[tuple[Node, Node]]:
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

    def _merged(self, value: Node, path: str, seen: set[int]) -> Iterator[tuple[Node, Node]]:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.add(source, path, f"`<<` merges mappings only; found {describe(source)}")
            elif id(source) not in seen:  # each mapping once: no loops, no blow-up
                seen.add(id(source))
                nested = [item for key, item in source.value if is_merge_key(key)]
                for key, item in source.value:
                    settle_empty(key, item)
                    if isinstance(key, ScalarNode) and not is_merge_key(key):
                        yield key, item
                for item in nested:  # the source's own keys win over what it merges in
                    yield from self._merged(item, path, seen)

    # --- values -------------------------------------------------------------------------------

    def boolean(self, node: Node, path: str) -> bool | None:
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "bool":
            return bool(value)
        self.add(node, path, f"must be true or false; found {_found(node)}{_bool_hint(node)}")
        return None

    def name(self, node: Node, path: str) -> str | None:
        text = text_of(node)
        if text is None:
            number = isinstance(node, ScalarNode) and scalar(node)[0] in ("int", "float", "bool")
            hint = f" (quote it: {quote(node.value)})" if number else ""
            self.add(node, path, f"must be a string{hint}; found {describe(node)}")
            return None
        problem = name_problem(text)
        if problem:
            self.add(node, path, problem)
            return None
        return text

    def application(self, node: Node, path: str) -> AppLink | None:
        """`none`, {type: xml|phlo, id}, or {type: xml, name}."""
        if isinstance(node, MappingNode):
            return self.app_mapping(node, path)
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "str" and value == "none":
            return AppLink(kind="none")
        if kind == "null":
            message = "is empty: write `none` to unlink, or remove the key to leave it unmanaged"
        elif kind == "str" and str(value).lower() == "none":
            message = "write `none` in lower case"
        elif kind == "str":
            message = (
                f"must be `none` or a mapping such as {{type: xml, name: {quote(str(value))}}}"
            )
        else:
            message = (
                f"must be `none` or a mapping {{type: xml|phlo, id: ...}}; found {describe(node)}"
            )
        self.add(node, path, message)
        return None

    def app_mapping(self, node: MappingNode, path: str) -> AppLink | None:
        keys = self.mapping(node, path, APPLICATION_KEYS, lambda k: _unknown(k, APPLICATION_KEYS))
        app_type = self.app_type(node, keys, path)
        got = {k: self.name(keys[k][1], join(path, k)) for k in ("id", "name") if k in keys}
        if app_type is None or None in got.values():
            return None
        if app_type == "phlo" and "name" in got:
            message = "a PHLO is linked by id only (the API cannot look PHLOs up by name)"
            self.add(keys["name"][0], join(path, "name"), message)
        elif "id" in got and "name" in got:
            self.add(keys["name"][0], join(path, "name"), "give `id` or `name`, not both")
        elif not got:
            needs = "`id`" if app_type == "phlo" else "`id` or `name`"
            self.add(node, path, f"{app_type} application needs {needs}")
        else:
            return AppLink(kind=app_type, id=got.get("id"), name=got.get("name"))
        return None

    def app_type(self, node: MappingNode, keys: Pairs, path: str) -> AppKind | None:
        if "type" not in keys:
            self.add(node, join(path, "type"), "missing: add `type: xml` or `type: phlo`")
            return None
        value = keys["type"][1]
        text = text_of(value)
        if text is not None and text.lower() == "xml":  # the API itself answers "XML"
            return "xml"
        if text is not None and text.lower() == "phlo":
            return "phlo"
        self.add(value, join(path, "type"), f"must be xml or phlo; found {describe(value)}")
        return None

    def priority(self, node: Node, path: str) -> Spec:
        """Cells "number_priority.US.SMS" -> (order, where) for the cells written."""
        cells: Spec = {}
        countries = self.mapping(node, path, COUNTRIES, _country_unknown, _COUNTRIES_WHAT)
        for country, (_, services) in countries.items():
            where = join(path, country)
            for service, (_, order_node) in self.mapping(
                services, where, SERVICES, _service_unknown, _SERVICES_WHAT
            ).items():
                order = self.order(order_node, join(where, service))
                if order is not None:
                    cells[f"number_priority.{country}.{service}"] = (order, self.loc(order_node))
        return cells

    def order(self, node: Node, path: str) -> tuple[str, str, str] | None:
        """A permutation of the three sender types."""
        if not isinstance(node, SequenceNode):
            self.add(
                node, path, f"must be a list of {_ORDER_TEXT} in order; found {describe(node)}"
            )
            return None
        read = [self.sender(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        items = [item for item in read if item is not None]
        if len(items) < len(read):  # a bad item is reported already: no permutation noise
            return None
        if sorted(items) == sorted(SENDER_TYPES):
            return (items[0], items[1], items[2])
        self.add(node, path, f"must list {_ORDER_TEXT} once each: {_order_fault(items)}")
        return None

    def sender(self, node: Node, path: str) -> str | None:
        text = text_of(node)
        if text in SENDER_TYPES:
            return text
        if text is None:
            self.add(node, path, f"must be shortcode, tollfree or longcode; found {describe(node)}")
            return None
        hint = suggest(text, SENDER_TYPES)
        tail = f': did you mean "{hint}"?' if hint else f" (expected {_ORDER_TEXT})"
        self.add(node, path, f'unknown sender type "{text}"{tail}')
        return None


def _order_fault(items: list[Any]) -> str:
    missing = [s for s in SENDER_TYPES if s not in items]
    twice = [s for s in SENDER_TYPES if items.count(s) > 1]
    faults = [f"{s} is missing" for s in missing] + [
        f"{s} is listed {_TIMES.get(items.count(s), 'more than 3 times')}" for s in twice
    ]
    return ", ".join(faults)
