"""The manifest: YAML file -> validated `Manifest`, every problem located, all reported at once.

The walker reads ruamel nodes (see `manifest_yaml`) so each message can say `file:line:col: path`.
Values are collected flat, keyed like the planner's `field_locs` ("sticky_sender",
"number_priority.US.SMS"), which makes merging `defaults` one dict update per Powerpack.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import ManifestError, Problem
from reconciler.manifest_schema import (
    APPLICATION_KEYS,
    DEFAULTS_KEYS,
    POWERPACK_KEYS,
    ROOT_KEYS,
    manifest_json_schema,
)
from reconciler.manifest_yaml import at, compose, describe, is_merge_key, scalar, text_of
from reconciler.models import (
    COUNTRIES,
    SENDER_TYPES,
    SERVICES,
    AppLink,
    DesiredPowerpack,
    Loc,
    Manifest,
)

__all__ = ["load_manifest", "manifest_json_schema", "parse_manifest"]

SUPPORTED_VERSION = 1
Spec = dict[str, tuple[Any, Loc]]  # "sticky_sender" / "number_priority.US.SMS" -> (value, where)
Pairs = dict[str, tuple[Node, Node]]  # key text -> (key node, value node), file order
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ORDER_TEXT = "shortcode, tollfree and longcode"
_TIMES = {2: "twice", 3: "3 times"}


def load_manifest(path: str) -> Manifest:
    """Read and validate a manifest file; raises ManifestError with every problem found."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ManifestError(
            [Problem(path, 1, 1, "", f"cannot read the file: {e.strerror}")]
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[e.start]:02x}): save the file as UTF-8"
        raise ManifestError([Problem(path, line, col, "", message)]) from None
    return _parse(text, path, hashlib.sha256(data).hexdigest())


def parse_manifest(text: str, path: str) -> Manifest:
    """Validate manifest text; `path` names it in messages and in `Manifest.path`."""
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _parse(text, path, sha)


def _parse(text: str, path: str, sha256: str) -> Manifest:
    root = compose(text, path)
    if root is None:
        message = "the file is empty: a manifest needs `version: 1` and `powerpacks:`"
        raise ManifestError([Problem(path, 1, 1, "", message)])
    walker = _Walker(path)
    manifest = walker.manifest(root, sha256)
    if walker.problems or manifest is None:
        raise ManifestError(walker.problems)
    return manifest


def _join(path: str, key: str) -> str:
    """Extend a dotted path; keys that are not simple words are quoted."""
    shown = key if _SIMPLE_KEY.fullmatch(key) else '"' + key.replace('"', '\\"') + '"'
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


def _root_unknown(key: str) -> str:
    if key in POWERPACK_KEYS:
        return f'"{key}" is not a top-level key: put it under `defaults:` or under one Powerpack'
    hint = suggest(key, ROOT_KEYS)
    if hint:
        return f'unknown key "{key}": did you mean "{hint}"?'
    return (
        f'unknown key "{key}" (allowed: {", ".join(ROOT_KEYS)}; Powerpacks go under `powerpacks:`)'
    )


def _defaults_unknown(key: str) -> str:
    if key == "renamed_from":
        return "renamed_from cannot be a default: it is one Powerpack's former name; set it there"
    return _unknown(key, DEFAULTS_KEYS)


def _powerpack_unknown(key: str) -> str:
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


def name_problem(name: str) -> str | None:
    """Why a Powerpack or application name is unusable, or None."""
    if not name.strip():
        return "must not be empty"
    if name != name.strip():
        return "must not start or end with spaces"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "must be one line, without control characters"
    return None


class _Walker:
    """Walks the node tree once, collecting values and problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, node: Node, path: str, message: str) -> None:
        line, col = at(node)
        self.problems.append(Problem(self.file, line, col, path, message))

    def loc(self, node: Node) -> Loc:
        line, col = at(node)
        return Loc.model_construct(file=self.file, line=line, col=col)

    # --- structure ---------------------------------------------------------------------------

    def mapping(
        self, node: Node, path: str, allowed: tuple[str, ...], unknown: Callable[[str], str]
    ) -> Pairs:
        """The known keys of a mapping; unknown and duplicate keys are reported."""
        if not isinstance(node, MappingNode):
            self.add(node, path, f"must be a mapping; found {describe(node)}")
            return {}
        found: Pairs = {}
        for key, value in self.pairs(node, path):
            text = key.value if isinstance(key, ScalarNode) else None
            if text is None or text not in allowed:
                self.add(key, _join(path, str(text)), unknown(str(text)) if text else "empty key")
            elif text in found:
                first = at(found[text][0])[0]
                self.add(key, _join(path, text), f'duplicate key "{text}" (first at line {first})')
            else:
                found[text] = (key, value)
        return found

    def pairs(self, node: MappingNode, path: str) -> list[tuple[Node, Node]]:
        """A mapping's own pairs, then those merged in with `<<` for keys it does not set."""
        own: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key, value in node.value:
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
                    if isinstance(key, ScalarNode) and not is_merge_key(key):
                        yield key, item
                for item in nested:  # the source's own keys win over what it merges in
                    yield from self._merged(item, path, seen)

    # --- the document -----------------------------------------------------------------------

    def manifest(self, root: Node, sha256: str) -> Manifest | None:
        """The whole file; None when it cannot be read as a version 1 manifest at all."""
        if not isinstance(root, MappingNode):
            found = describe(root)
            self.add(
                root,
                "",
                f"a manifest is a mapping with `version:` and `powerpacks:`; found {found}",
            )
            return None
        top = self.mapping(root, "", ROOT_KEYS, _root_unknown)
        if not self.version(root, top):
            return None
        prune = self.boolean(top["prune"][1], "prune") if "prune" in top else None
        defaults = self.fields(top["defaults"][1], "defaults", True) if "defaults" in top else {}
        if "powerpacks" not in top:
            self.add(root, "powerpacks", "missing: add `powerpacks:` with your Powerpacks under it")
        specs = self.powerpacks(top["powerpacks"][1]) if "powerpacks" in top else {}
        self.renames(specs)
        powerpacks = {
            name: _desired(name, loc, {**defaults, **own}) for name, (loc, own) in specs.items()
        }
        return Manifest(
            path=self.file,
            sha256=sha256,
            version=SUPPORTED_VERSION,
            prune=bool(prune),
            prune_loc=self.loc(top["prune"][1]) if "prune" in top else None,
            powerpacks=powerpacks,
        )

    def version(self, root: Node, top: Pairs) -> bool:
        """Check `version`; False when the file is of another (future) format: stop there."""
        if "version" not in top:
            self.add(root, "version", "missing: add `version: 1` at the top of the file")
            return True
        node = top["version"][1]
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "int" and value == SUPPORTED_VERSION:
            return True
        if kind == "int":
            self.add(node, "version", f"unsupported version {value}: this tool reads version 1")
            return False
        hint = " (without quotes)" if text_of(node) == "1" else ""
        self.add(node, "version", f"must be the number 1{hint}; found {describe(node)}")
        return True

    def powerpacks(self, node: Node) -> dict[str, tuple[Loc, Spec]]:
        """Name -> (where the name is, own fields); an empty or null body manages no field."""
        if isinstance(node, ScalarNode) and scalar(node)[0] == "null":
            return {}
        if not isinstance(node, MappingNode):
            hint = " (write `name:` keys, not `- ` items)" if isinstance(node, SequenceNode) else ""
            self.add(
                node,
                "powerpacks",
                f"must be a mapping of Powerpack names{hint}; found {describe(node)}",
            )
            return {}
        specs: dict[str, tuple[Loc, Spec]] = {}
        for key, body in self.pairs(node, "powerpacks"):
            name = self.powerpack_name(key, specs)
            if name is None:
                continue
            specs[name] = (self.loc(key), self.powerpack(name, body))
        return specs

    def powerpack_name(self, key: Node, seen: dict[str, tuple[Loc, Spec]]) -> str | None:
        name = text_of(key)
        if name is None:
            self.add(key, "powerpacks", f"a Powerpack name must be a string; found {describe(key)}")
            return None
        path = _join("powerpacks", name)
        problem = name_problem(name)
        if problem:
            self.add(key, path, f"the Powerpack name {problem}")
            return None
        if name in seen:
            self.add(
                key, path, f'duplicate Powerpack "{name}" (first at line {seen[name][0].line})'
            )
            return None
        return name

    def powerpack(self, name: str, body: Node) -> Spec:
        path = _join("powerpacks", name)
        if isinstance(body, ScalarNode) and scalar(body)[0] == "null":
            return {}
        if not isinstance(body, MappingNode) and name in POWERPACK_KEYS:
            self.add(
                body, path, f'"{name}" is a field, not a Powerpack: indent it under a Powerpack'
            )
            return {}
        if not isinstance(body, MappingNode):
            self.add(body, path, f"must be a mapping of fields, or empty; found {describe(body)}")
            return {}
        return self.fields(body, path, False)

    def fields(self, node: Node, path: str, is_defaults: bool) -> Spec:
        """The managed fields of a Powerpack or of `defaults`; cells as "number_priority.US.SMS"."""
        if is_defaults and isinstance(node, ScalarNode) and scalar(node)[0] == "null":
            return {}
        allowed = DEFAULTS_KEYS if is_defaults else POWERPACK_KEYS
        unknown = _defaults_unknown if is_defaults else _powerpack_unknown
        spec: Spec = {}
        for key, (_, value) in self.mapping(node, path, allowed, unknown).items():
            where = _join(path, key)
            if key == "number_priority":
                spec.update(self.priority(value, where))
                continue
            read = {
                "sticky_sender": self.boolean,
                "local_connect": self.boolean,
                "application": self.application,
                "renamed_from": self.name,
            }[key]
            result = read(value, where)
            if result is not None:
                spec[key] = (result, self.loc(value))
        return spec

    # --- values -------------------------------------------------------------------------------

    def boolean(self, node: Node, path: str) -> bool | None:
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "bool":
            return bool(value)
        if kind == "null":
            self.add(
                node,
                path,
                "must be true or false; found nothing: remove the key to leave it unmanaged",
            )
        elif kind == "str" and str(value).lower() in ("true", "false", "yes", "no", "on", "off"):
            self.add(node, path, f"must be true or false, unquoted; found {describe(node)}")
        else:
            self.add(node, path, f"must be true or false; found {describe(node)}")
        return None

    def name(self, node: Node, path: str) -> str | None:
        text = text_of(node)
        if text is None:
            quote = " (quote it)" if isinstance(node, ScalarNode) else ""
            self.add(node, path, f"must be a string{quote}; found {describe(node)}")
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
                f"must be `none` or a mapping such as {{type: xml, name: {describe(node)[11:]}}}"
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
        got = {k: self.name(keys[k][1], _join(path, k)) for k in ("id", "name") if k in keys}
        if app_type is None or None in got.values() or len(keys) < len(got) + 1:
            return None
        if app_type == "phlo" and "name" in got:
            message = "a PHLO is linked by id only (the API cannot look PHLOs up by name)"
            self.add(keys["name"][0], _join(path, "name"), message)
        elif "id" in got and "name" in got:
            self.add(keys["name"][0], _join(path, "name"), "give `id` or `name`, not both")
        elif not got:
            needs = "`id`" if app_type == "phlo" else "`id` or `name`"
            self.add(node, path, f"{app_type} application needs {needs}")
        else:
            return AppLink(kind=app_type, id=got.get("id"), name=got.get("name"))
        return None

    def app_type(self, node: MappingNode, keys: Pairs, path: str) -> str | None:
        if "type" not in keys:
            self.add(node, _join(path, "type"), "missing: add `type: xml` or `type: phlo`")
            return None
        value = keys["type"][1]
        text = text_of(value)
        if text is not None and text.lower() in ("xml", "phlo"):
            return text.lower()  # the API itself answers "XML" for xml
        self.add(value, _join(path, "type"), f"must be xml or phlo; found {describe(value)}")
        return None

    def priority(self, node: Node, path: str) -> Spec:
        """Cells "number_priority.US.SMS" -> (order, where) for the cells written."""
        cells: Spec = {}
        countries = self.mapping(node, path, COUNTRIES, _country_unknown)
        for country, (_, services) in countries.items():
            where = _join(path, country)
            for service, (_, order_node) in self.mapping(
                services, where, SERVICES, _service_unknown
            ).items():
                order = self.order(order_node, _join(where, service))
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
        items = [self.sender(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        if None in items:
            return None
        if sorted(items) == sorted(SENDER_TYPES):  # type: ignore[type-var]
            return (items[0], items[1], items[2])  # type: ignore[return-value]
        self.add(node, path, f"must list {_ORDER_TEXT} once each: {_order_fault(items)}")
        return None

    def sender(self, node: Node, path: str) -> str | None:
        text = text_of(node)
        if text in SENDER_TYPES:
            return text
        hint = suggest(text, SENDER_TYPES) if text is not None else None
        tail = f': did you mean "{hint}"?' if hint else f" (expected {_ORDER_TEXT})"
        what = f'"{text}"' if text is not None else f"({_ORDER_TEXT}); found {describe(node)}"
        self.add(node, path, f"unknown sender type {what}{tail if text is not None else ''}")
        return None

    def renames(self, specs: dict[str, tuple[Loc, Spec]]) -> None:
        """`renamed_from` must name no Powerpack of this file, and each old name only once."""
        used: dict[str, str] = {}
        for name, (_, spec) in specs.items():
            if "renamed_from" not in spec:
                continue
            old, loc = spec["renamed_from"]
            path = _join(_join("powerpacks", name), "renamed_from")
            if old == name:
                message = "is this Powerpack's own name: remove renamed_from"
            elif old in specs:
                line = specs[old][0].line
                message = (
                    f'"{old}" is also a Powerpack of this file (line {line}): it cannot be renamed'
                )
            elif old in used:
                line = specs[used[old]][1]["renamed_from"][1].line
                message = f'"{old}" is already renamed to "{used[old]}" (line {line})'
            else:
                used[old] = name
                continue
            self.problems.append(Problem(self.file, loc.line, loc.col, path, message))


def _order_fault(items: list[Any]) -> str:
    missing = [s for s in SENDER_TYPES if s not in items]
    twice = [s for s in SENDER_TYPES if items.count(s) > 1]
    faults = [f"{s} is missing" for s in missing] + [
        f"{s} is listed {_TIMES.get(items.count(s), 'more than 3 times')}" for s in twice
    ]
    return ", ".join(faults)


def _desired(name: str, loc: Loc, spec: Spec) -> DesiredPowerpack:
    """One Powerpack from its merged fields (defaults first, its own on top)."""
    matrix = {
        key.split(".", 1)[1]: value
        for key, (value, _) in spec.items()
        if key.startswith("number_priority.")
    }
    values = {key: value for key, (value, _) in spec.items() if "." not in key}
    return DesiredPowerpack(
        name=name,
        number_priority=matrix,
        loc=loc,
        field_locs={key: where for key, (_, where) in spec.items()},
        **values,
    )
