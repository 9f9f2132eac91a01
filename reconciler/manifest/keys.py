"""The manifest format's vocabulary: its keys and what a name may be. No pydantic here.

`validate` imports only this, not the pydantic file models of `manifest_schema` (which build the
JSON Schema and check at import that they list exactly these keys): it keeps startup fast.
"""

from __future__ import annotations

ROOT_KEYS: tuple[str, ...] = ("version", "prune", "defaults", "powerpacks")
DEFAULTS_KEYS: tuple[str, ...] = (
    "sticky_sender",
    "local_connect",
    "application",
    "number_priority",
)
POWERPACK_KEYS: tuple[str, ...] = (*DEFAULTS_KEYS, "renamed_from")
APPLICATION_KEYS: tuple[str, ...] = ("type", "id", "name")

# A name: one line (no control characters), no blank at either end. Written with explicit classes so
# Python's `re` (the walker, jsonschema) and editors' ECMA regexes read it the same way.
CONTROL_CHARS = r"\x00-\x1f\x7f"
BLANK_CHARS = r" \x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NAME_PATTERN = (
    f"^[^{CONTROL_CHARS}{BLANK_CHARS}]([^{CONTROL_CHARS}]*[^{CONTROL_CHARS}{BLANK_CHARS}])?$"
)
