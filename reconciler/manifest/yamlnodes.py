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
from reconciler.manifest.keys import ALL_KEYS

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
    hinted = _hinted(text, e, line, col)
    if hinted is not None:
        hint_line, hint_col, hint = hinted
        return [Problem(file, hint_line, hint_col, "", "invalid YAML: " + hint)]
    message = _yaml_message(e, text) + (" at the end of the file" if at_end else "")
    if "undefined alias" in message:
        name = re.match(r"\*[^\s,\[\]{}]+", lines(text)[line - 1][col - 1 :])
        message = f"undefined alias {name.group() if name else ''}: define its &anchor before use"
    return [Problem(file, line, col, "", "invalid YAML: " + message)]


_PROPS = r"(?:[!&][^\s]*\s+)*"  # a tag or an anchor before a key: `!tag key:`, `&a key:`
_KEY_HEAD = re.compile(rf"(\s*(?:-\s+)*{_PROPS})([^\s#][^#]*?)\s*")  # `  - key` before its colon
_ROW_KEY = re.compile(rf"\s*(?:-\s+)*{_PROPS}([^\s#:][^:#]*?):(?:\s|$)")  # a row's `key: ...`
_GLUED_ROW = re.compile(r"(\s*(?:-\s+)*)(\S+)\s*(?:#.*)?")


def _hinted(text: str, e: MarkedYAMLError, line: int, col: int) -> tuple[int, int, str] | None:
    """A better message for two syntax errors with a likely cause: a key glued to its value
    (`sticky_sender:true`), and a key indented deeper than the one above it."""
    rows = lines(text)
    problem = e.problem or ""
    long_key = _long_key(rows, line, col, e.context_mark)
    if long_key is not None:
        return long_key
    if "could not find expected ':'" in problem or "found unexpected ':'" in problem:
        cmark = e.context_mark
        if cmark is not None and cmark.line < len(rows):
            return _glued_row(rows, cmark.line)
        return None
    if line > len(rows):
        return None
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        return _glued_flow_key(rows[line - 1], line, col)
    if "did not find expected key" in problem or "expected <block end>" in problem:
        return _deeper_key(rows, line, col)
    if "mapping values are not allowed" not in problem:
        return None
    row = rows[line - 1]
    head = _KEY_HEAD.fullmatch(row[: col - 1])
    if head is None or ": " in row[: col - 1]:
        return None  # a colon after a key on the same line: a value with ': ' in it
    above = _content_above(rows, line)
    if above is None:
        return None
    glued_above = _glued_row(rows, above)
    if glued_above is not None:
        return glued_above
    key, at_col = head.group(2), len(head.group(1)) + 1
    indent, indent_above = (
        len(row) - len(row.lstrip(" ")),
        len(rows[above]) - len(rows[above].lstrip(" ")),
    )
    key_above = _ROW_KEY.match(rows[above])
    if key_above is not None and not _has_value(rows[above], key_above):
        return None  # a key with its value below: not what made this one part of a value
    if indent > indent_above:
        than = f"{quote(key_above.group(1))} on line" if key_above else "line"
        hint = f"{quote(key)} is indented more than {than} {above + 1}: check the indentation"
        hint += " (YAML reads it as part of the value above)"
    else:
        hint = f"{quote(key)} reads as part of the value on line {above + 1}: check the "
        hint += "indentation, or quote that value"
    return line, at_col, hint


MAX_KEY = 1024  # YAML reads at most this many characters of a key written `key: value`
_KEY_START = re.compile(r"[{\[,]\s*")


def _long_key(rows: list[str], line: int, col: int, cmark: Any) -> tuple[int, int, str] | None:
    """A syntax error caused by a key longer than YAML allows for `key: value`."""
    candidates = []
    if 1 <= line <= len(rows):
        head = rows[line - 1][: col - 1].rstrip()
        starts = [m.end() for m in _KEY_START.finditer(head)]
        start = starts[-1] if starts else len(head) - len(head.lstrip(" -?"))
        candidates.append((line, start, head[start:]))
    if cmark is not None and cmark.line < len(rows):
        row = rows[cmark.line]
        candidates.append((cmark.line + 1, cmark.column, row[cmark.column :].split(": ", 1)[0]))
    for at_line, start, key in candidates:
        if len(key) > MAX_KEY:
            message = f"a key of {len(key):,} characters: YAML reads at most {MAX_KEY} before "
            message += "the colon (write a longer one as `? key` on its own line, then `: value`)"
            return at_line, start + 1, message
    return None


def _has_value(row: str, key: re.Match[str]) -> bool:
    rest = row[key.end() :].strip()
    return bool(rest) and not rest.startswith("#")


_FLOW_KEY = re.compile(r"[A-Za-z_]{1,40}:\Z")  # bounded: a row may be megabytes long


def _glued_flow_key(row: str, line: int, col: int) -> tuple[int, int, str] | None:
    """`{SMS:[...]}`: a known key, its colon, and a flow collection with no space between."""
    head = row[max(0, col - 42) : col - 1]
    m = _FLOW_KEY.search(head)
    if m is None or m.group()[:-1] not in ALL_KEYS:
        return None
    key, opener = m.group()[:-1], row[col - 1 : col]
    fix = f"add a space after the colon: `{key}: {opener}`"
    return line, col - len(head) + m.start(), f"{quote(key + ':' + opener)}: {fix}"


def _deeper_key(rows: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """A key where a mapping's next key was expected, indented more than the key above it."""
    row = rows[line - 1]
    key = _ROW_KEY.match(row)
    indent = len(row) - len(row.lstrip(" "))
    above = _content_above(rows, line)
    if key is None or col != indent + 1 or above is None:
        return None
    key_above = _ROW_KEY.match(rows[above])
    if key_above is None or indent <= len(rows[above]) - len(rows[above].lstrip(" ")):
        return None
    hint = f"{quote(key.group(1))} is indented more than {quote(key_above.group(1))} on line "
    return line, col, f"{hint}{above + 1}: check the indentation"


def _content_above(rows: list[str], line: int) -> int | None:
    """The index of the nearest row above `line` that is neither blank nor only a comment."""
    for n in range(line - 2, -1, -1):
        if rows[n].strip() and not rows[n].lstrip().startswith("#"):
            return n
    return None


def _glued_row(rows: list[str], index: int) -> tuple[int, int, str] | None:
    """(line, col, message) when row `index` is one plain `known_key:value`."""
    m = _GLUED_ROW.fullmatch(rows[index])
    if m is None or glued(m.group(2)) is None:
        return None
    fix = glued_fix(m.group(2))
    return index + 1, len(m.group(1)) + 1, f"{quote(m.group(2))} is one string{fix}"


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


_GLUED = re.compile(r"([A-Za-z_]+):([^\s:].*)", re.DOTALL)


def glued(text: str) -> tuple[str, str] | None:
    """`sticky_sender:true` -> ("sticky_sender", "true"): a known key glued to its value."""
    m = _GLUED.fullmatch(text)
    return (m.group(1), m.group(2)) if m and m.group(1) in ALL_KEYS else None


def glued_fix(text: str) -> str:
    """The hint for a known key glued to its value, or ""."""
    found = glued(text)
    if found is None:
        return ""
    return f": add a space after the colon: `{found[0]}: {_first_word(found[1])}`"


def glued_hint(node: Node) -> str:
    """The hint for a plain scalar that reads `known_key:value`, or ""."""
    return glued_fix(node.value) if isinstance(node, ScalarNode) and not node.style else ""


def _first_word(text: str) -> str:
    """A glued value as the fix shows it: up to the next glued key, if lines were folded."""
    words = text.split(" ")
    return words[0] if len(words) > 1 and ":" in text else text[:40]


def shorten(text: str, limit: int = 40) -> str:
    """A value as a message shows it: cut with an ellipsis past `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 40) -> str:
    shown = shorten(text, limit)
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
