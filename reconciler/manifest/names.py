"""What a name may be (Powerpack and application names, ids). Stdlib only.

Patterns are written with explicit character classes so Python's `re`, pydantic's regex engine and
editors' ECMA regexes (the JSON Schema) read them the same way.
"""

from __future__ import annotations

import re

CONTROL_CHARS = r"\x00-\x1f\x7f"
BLANK_CHARS = r" \x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

NAME_PATTERN = (
    f"^[^{CONTROL_CHARS}{BLANK_CHARS}]([^{CONTROL_CHARS}]*[^{CONTROL_CHARS}{BLANK_CHARS}])?$"
)
"""A name: one line, no control characters, no blank at either end."""


_NAME_RE = re.compile(NAME_PATTERN.replace("$", r"\Z"))  # `$` would allow a final newline
_BLANK_RE = re.compile(f"[{BLANK_CHARS}]*")
_CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]")


def name_problem(name: str) -> str | None:
    """Why a Powerpack or application name is unusable, or None."""
    if _NAME_RE.match(name):
        return None
    if not name or _BLANK_RE.fullmatch(name):
        return "must not be empty"
    if _CONTROL_RE.search(name):
        return "must be one line, without control characters"
    return "must not start or end with spaces"
