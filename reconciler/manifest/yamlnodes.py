"""YAML text -> a ruamel node tree that keeps the line and column of every key and value.

Only the composer runs (no constructor): the manifest walker reads nodes, so every value keeps its
place and duplicate keys stay visible. Plain scalars are typed here by the YAML 1.2 core schema
rather than by ruamel's resolver, which is most of ruamel's load time on large files.

Syntax errors get hints where the cause is likely: a tab in indentation, a key indented deeper
than the one above it, a known key glued to its value (`sticky_sender:true`), a key past YAML's
1,024 characters. libyaml's YAML 1.1 reading of a colon in a flow scalar is brought to YAML 1.2.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from reconciler.errors import ManifestError, Problem
from reconciler.manifest.yamlerrors import (
    LINE_BREAK,
    glued_fix,
    position,
    quote,
    shorten,
    yaml_problems,
)

CORE = "tag:yaml.org,2002:"
_PLAIN = Tag(suffix="!powerpacks-plain")  # untyped plain scalar: typed later by `scalar()`
_STR = Tag(suffix=CORE + "str")
_SEQ = Tag(suffix=CORE + "seq")
_MAP = Tag(suffix=CORE + "map")

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class _Resolver(VersionedResolver):
    """Tags plain scalars as untyped, quoted ones as strings; YAML 1.2 always."""

    processing_version = (1, 2)  # a fixed version: ruamel's lookup of it costs ~40% of a load

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP


def compose(text: str, file: str) -> Node | None:
    """Parse one YAML document into nodes (None for an empty document); raises ManifestError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns on reused anchors; YAML allows them
            return _compose(text, file)
    except ReaderError as e:
        line, col = position(text, e.position)
        char = chr(e.character) if isinstance(e.character, int) else str(e.character)
        message = f"invalid YAML: control character U+{ord(char[:1] or '?'):04X} is not allowed"
        raise ManifestError([Problem(file, line, col, "", message)]) from None
    except MarkedYAMLError as e:
        raise ManifestError(yaml_problems(text, file, e)) from None
    except YAMLError as e:  # unmarked: rare, but still one clean message
        raise ManifestError([Problem(file, 1, 1, "", f"invalid YAML: {e}")]) from None
    except UnicodeEncodeError as e:  # a lone surrogate in text handed to parse_manifest
        line, col = position(text, e.start)
        message = f"character U+{ord(text[e.start]):04X} is not valid Unicode"
        raise ManifestError([Problem(file, line, col, "", message)]) from None
    except RecursionError:  # the pure-Python parser on a short but deeply nested text
        raise ManifestError([Problem(file, 1, 1, "", _TOO_DEEP)]) from None


def _compose(text: str, file: str) -> Node | None:
    """libyaml reads flow collections as YAML 1.1 does: `{url: http://x}` and `{a:b}` are errors
    there ("found unexpected ':'"), where YAML 1.2 (and ruamel's own parser) reads a plain scalar
    with a colon in it. Such a colon is swapped for a character the text lacks (same length, so
    every position holds), the text parsed again, and the colon put back in the scalars."""
    patched, swapped = text, ""
    for attempt in range(_SWAPS + 1):
        try:
            if len(patched) > SHALLOW_TEXT:
                _check_depth(patched, file)
            root = _yaml().compose(patched)
            break
        except MarkedYAMLError as e:
            index = _flow_colon(patched, e)
            stand_in = swapped or next((c for c in _STAND_INS if c not in text), "")
            if index is None or not stand_in or attempt == _SWAPS:
                raise
            swapped = stand_in
            patched = patched[:index] + stand_in + patched[index + 1 :]
    if swapped and root is not None:
        _put_back(root, swapped)
    return root


_SWAPS = 50  # colons swapped at most: each costs a parse of the whole text
_STAND_INS = [chr(c) for c in range(0xE000, 0xE010)]  # private use: no file means them


def _flow_colon(text: str, e: MarkedYAMLError) -> int | None:
    """Where libyaml refused a colon inside a flow plain scalar, or None for any other error."""
    if "found unexpected ':'" not in (e.problem or "") or e.problem_mark is None:
        return None
    if "plain scalar" not in (e.context or ""):
        return None
    line, col = e.problem_mark.line, e.problem_mark.column
    breaks = list(LINE_BREAK.finditer(text))
    start = breaks[line - 1].end() if 0 < line <= len(breaks) else 0
    index = start + col
    return index if text[index : index + 1] == ":" else None


def _put_back(root: Node, stand_in: str) -> None:
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if stand_in in node.value:
                node.value = node.value.replace(stand_in, ":")
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                todo += (key, value)


def _yaml() -> YAML:
    yaml = YAML(typ="safe")  # the C parser when ruamel.yaml.clib is installed, else pure Python
    yaml.Resolver = _Resolver
    return yaml


# libyaml composes recursively in C and crashes the process past ~20,000 levels of nesting, so a
# text long enough to nest that deep is first checked by its (iterative) event stream. Each level
# takes at least one character, so shorter texts are safe as they are.
SHALLOW_TEXT = 5000
MAX_DEPTH = 100  # a manifest needs 7 levels
_TOO_DEEP = f"invalid YAML: nested more than {MAX_DEPTH} levels deep (a manifest needs 7)"


_NESTING = {MappingStartEvent: 1, SequenceStartEvent: 1, MappingEndEvent: -1, SequenceEndEvent: -1}


def _check_depth(text: str, file: str) -> None:
    depth = 0
    for event in _yaml().parse(text):
        depth += _NESTING.get(type(event), 0)
        if depth > MAX_DEPTH:
            line, col = at(event)
            raise ManifestError([Problem(file, line, col, "", _TOO_DEEP)])


def scalar(node: ScalarNode) -> tuple[str, Any]:
    """(kind, value) of a scalar by the YAML 1.2 core schema: null, bool, int, float or str."""
    tag, text = str(node.tag), node.value
    if tag == str(_PLAIN):
        return _typed(text)
    if tag == CORE + "str":
        return "str", text
    kind = tag[len(CORE) :] if tag.startswith(CORE) else ""
    typed = _typed(text)
    if kind in ("null", "bool", "int", "float") and typed[0] == kind:
        return typed
    return "bad-tag", tag


INT_DIGITS = 100
"""Longer integers are not converted (no field takes one; Python refuses past 4,300 digits and is
slow well before): their kind is "int", their value None, their text kept."""


def _typed(text: str) -> tuple[str, Any]:
    if _NULL.fullmatch(text):
        return "null", None
    if _BOOL.fullmatch(text):
        return "bool", text.lower() == "true"
    if _INT.fullmatch(text):
        if len(text) > INT_DIGITS:
            return "int", None
        return "int", int(text, 0) if text[:2] in ("0o", "0x") else int(text)
    if _FLOAT.fullmatch(text):
        return "float", text  # no field takes a float: only its kind matters
    return "str", text


def at(node: Any) -> tuple[int, int]:
    """1-based (line, column) where a node (or event) starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def describe(node: Node) -> str:
    """A node as a user would name it: 'a list', 'the string "x"', 'the number 3', 'null'."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind, value = scalar(node) if isinstance(node, ScalarNode) else ("bad-tag", str(node.tag))
    if kind == "null":
        return "nothing (null)"
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "float"):
        return f"the number {shorten(node.value)}"
    if kind == "bad-tag":
        return f"a value tagged {shorten(value)}"
    return f"the string {quote(value)}{glued_hint(node)}"


def glued_hint(node: Node) -> str:
    """The hint for a plain scalar that reads `known_key:value`, or ""."""
    return glued_fix(node.value) if isinstance(node, ScalarNode) and not node.style else ""


def is_merge_key(node: Node) -> bool:
    """A plain `<<` key: YAML's merge of an anchored mapping into this one."""
    return isinstance(node, ScalarNode) and node.value == "<<" and str(node.tag) == str(_PLAIN)


def text_of(node: Node) -> str | None:
    """A scalar as text where a string is expected: strings, and plain digit runs (ids, names)."""
    if not isinstance(node, ScalarNode):
        return None
    kind, value = scalar(node)
    if kind == "str":
        return str(value)
    if kind == "int" and node.value.isdigit() and node.value.isascii():
        return str(node.value)  # the digits as written: "0123" stays "0123"
    return None


class _Mark:
    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column


def settle_empty(key: Node, value: Node) -> None:
    """Place an empty value just after its key's colon.

    The parsers disagree (libyaml and ruamel mark it at the colon or at the next token, which may
    be lines below, after comments); right after the colon is where the value is missing.
    """
    if isinstance(value, ScalarNode) and value.value == "" and not value.style:
        value.start_mark = _Mark(key.end_mark.line, key.end_mark.column + 1)
