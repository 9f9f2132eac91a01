"""YAML text -> a ruamel node tree that keeps the line and column of every key and value.

Only the composer runs (no constructor): the manifest walker reads nodes, so every value keeps its
place and duplicate keys stay visible. Plain scalars are typed here by the YAML 1.2 core schema
rather than by ruamel's resolver, which is most of ruamel's load time on large files.
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

CORE = "tag:yaml.org,2002:"
_PLAIN = Tag(suffix="!powerpacks-plain")  # untyped plain scalar: typed later by `scalar()`
_STR = Tag(suffix=CORE + "str")
_SEQ = Tag(suffix=CORE + "seq")
_MAP = Tag(suffix=CORE + "map")

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
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
            if len(text) > SHALLOW_TEXT:
                _check_depth(text, file)
            return _yaml().compose(text)
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


def lines(text: str) -> list[str]:
    """The text's lines as YAML counts them (CR, LF, CRLF, NEL, LS and PS all end a line)."""
    return LINE_BREAK.split(text)


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    index = max(0, min(index, len(text)))
    breaks = list(LINE_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


def yaml_problems(text: str, file: str, e: MarkedYAMLError) -> list[Problem]:
    """Problems for a YAML syntax error: tabs get their own message, one per indented line."""
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    line, col, at_end = _clamp(text, line, col)
    tabs = _tab_lines(text)
    if line in tabs or _char_at(text, line, col) == "\t":
        return [
            Problem(file, ln, c, "", "tab in indentation: YAML indents with spaces only")
            for ln, c in tabs.items()
        ] or [Problem(file, line, col, "", "tab character here: YAML indents with spaces only")]
    message = _yaml_message(e, text) + (" at the end of the file" if at_end else "")
    if "undefined alias" in message:
        name = re.match(r"\*[^\s,\[\]{}]+", lines(text)[line - 1][col - 1 :])
        message = f"undefined alias {name.group() if name else ''}: define its &anchor before use"
    return [Problem(file, line, col, "", "invalid YAML: " + message)]


def _clamp(text: str, line: int, col: int) -> tuple[int, int, bool]:
    """Keep a mark inside the text: libyaml may point one line past the end."""
    all_lines = lines(text)
    if line <= len(all_lines):
        return line, min(col, len(all_lines[line - 1]) + 1), False
    return len(all_lines), len(all_lines[-1]) + 1, True


def _yaml_message(e: MarkedYAMLError, text: str) -> str:
    problem, context, cmark = e.problem or "", e.context or "", e.context_mark
    if "another document" in problem:
        return "more than one YAML document (---): a manifest is a single document"
    if "duplicate anchor" in context:
        return (
            f"anchor defined twice (first at line {cmark.line + 1})"
            if cmark
            else "anchor defined twice"
        )
    for clue, hint in _HINTS.items():
        if clue in problem:
            problem += hint
    if context and cmark is not None:
        line, col, _ = _clamp(text, cmark.line + 1, cmark.column + 1)
        return f"{problem} ({context} at line {line}, column {col})"
    return f"{problem} ({context})" if context else problem


_HINTS = {
    "expected key": ": check the indentation",
    "expected <block end>": ": check the indentation",
    "mapping values are not allowed": ": quote a value that contains ': '",
}


def _tab_lines(text: str) -> dict[int, int]:
    """Line -> column of the first tab in each line's leading whitespace."""
    found = {}
    for n, raw in enumerate(lines(text), 1):
        lead = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in lead and raw.strip():
            found[n] = lead.index("\t") + 1
    return found


def _char_at(text: str, line: int, col: int) -> str:
    all_lines = lines(text)
    if 1 <= line <= len(all_lines) and 1 <= col <= len(all_lines[line - 1]):
        return all_lines[line - 1][col - 1]
    return ""


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


def _typed(text: str) -> tuple[str, Any]:
    if _NULL.fullmatch(text):
        return "null", None
    if _BOOL.fullmatch(text):
        return "bool", text.lower() == "true"
    if _INT.fullmatch(text):
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
        return f"the number {node.value}"
    if kind == "bad-tag":
        return f"a value tagged {value}"
    return f"the string {quote(value)}"


def quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


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
