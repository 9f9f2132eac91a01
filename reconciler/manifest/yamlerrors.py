"""Where a YAML syntax error is, and what it most likely means.

ruamel reports the place where parsing failed, which is often past the cause. The hints here
name the likely cause: a tab in indentation, a key indented deeper than the one above it, a
known key glued to its value (`sticky_sender:true`), a key past YAML's 1,024 characters, an
undefined alias. Positions count lines as YAML does (CR, LF, CRLF, NEL, LS and PS).
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import MarkedYAMLError

from reconciler.errors import Problem
from reconciler.manifest.keys import ALL_KEYS

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


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
