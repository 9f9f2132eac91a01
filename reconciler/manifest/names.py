"""What a name may be: the strict rule of application names and ids, the lenient rule of Powerpack
names, and the warnings a lenient name earns (the core's identity rules say which names hazard).

A Powerpack name is the identity of a live object, and live names can hold anything the Plivo
console let through: leading spaces, a line break, a zero-width space. `export` must be able to
write such a name (quoted), so the manifest accepts every name that is not empty or only
whitespace, and warns, with the place and the name shown escaped, when a name is likely not what
its author meant: whitespace at an end, invisible characters, combining marks that NFC would
change, letters of two scripts in one word. Application names and ids keep the strict rule.

Patterns are written with explicit character classes so Python's `re`, pydantic's regex engine and
editors' ECMA regexes (the JSON Schema) read them the same way.
"""

from __future__ import annotations

import re
import unicodedata

from reconciler.core.identity import is_invisible, name_hazards

CONTROL_CHARS = r"\x00-\x1f\x7f"
# The characters str.isspace() counts as whitespace (and YAML's BOM), as one class.
BLANK_CHARS = r" \x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
SPACE_CHARS = r"\t\n\x0b\x0c\r\x1c-\x1f" + BLANK_CHARS

NAME_PATTERN = (
    f"^[^{CONTROL_CHARS}{BLANK_CHARS}]([^{CONTROL_CHARS}]*[^{CONTROL_CHARS}{BLANK_CHARS}])?$"
)
"""A strict name (application names and ids): one line, no control characters, no blank end."""

POWERPACK_NAME_PATTERN = f"^[{SPACE_CHARS}]*[^{SPACE_CHARS}]"
"""A Powerpack name: anything with at least one character that is not whitespace."""

_NAME_RE = re.compile(NAME_PATTERN.replace("$", r"\Z"))  # `$` would allow a final newline
_BLANK_RE = re.compile(f"[{BLANK_CHARS}]*")
_SPACE_RE = re.compile(f"[{SPACE_CHARS}]*")
_CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]")


def name_problem(name: str) -> str | None:
    """Why a strict name (an application's name or id) is unusable, or None."""
    if _NAME_RE.match(name):
        return None
    if not name or _BLANK_RE.fullmatch(name):
        return "must not be empty"
    if _CONTROL_RE.search(name):
        return "must be one line, without control characters"
    return "must not start or end with spaces"


def powerpack_name_problem(name: str) -> str | None:
    """Why a Powerpack name (or a `renamed_from`) is unusable, or None: only emptiness is."""
    if not name:
        return "must not be empty"
    if _SPACE_RE.fullmatch(name):
        return f"is only whitespace ({shown(name)}): a name needs a visible character"
    return None


def name_warning(name: str) -> str | None:
    """Why an accepted Powerpack name is suspicious, or None (the identity rules' hazards)."""
    return "; ".join(name_hazards(name)) or None


def shown(text: str, limit: int = 80) -> str:
    """A name in double quotes with every invisible or combining character escaped:
    `"ops\\u200b"`, `"a\\nb"`; long names are cut with an ellipsis."""
    out = []
    for char in text[:limit] if len(text) > limit else text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif is_invisible(char) or unicodedata.combining(char):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + ("…" if len(text) > limit else "") + '"'


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
