"""What a name may be: the strict rule of application names and ids, the lenient rule of Powerpack
names, and the warnings a lenient name earns. Stdlib only.

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
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")  # the scripts whose letters pass for one another
_WORD = re.compile(r"[^\W\d_]+")  # runs of letters (combining marks excluded: they are \W)


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
    """Why an accepted Powerpack name is suspicious, or None. Cheap for ordinary ASCII names."""
    if name.isascii() and name.isprintable() and name == name.strip():
        return None
    reasons = []
    if name != name.strip():
        reasons.append("starts or ends with whitespace")
    if any(_invisible(c) for c in name.strip()):
        reasons.append("holds invisible characters (control, format or non-ASCII space)")
    if unicodedata.normalize("NFC", name) != name:
        reasons.append("holds combining marks that NFC normalisation would change")
    mixed = _mixed_word(name)
    if mixed:
        reasons.append(f"mixes {mixed}")
    return "; ".join(reasons) or None


def _invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Zl", "Zp") or (category == "Zs" and char != " ")


def _mixed_word(name: str) -> str | None:
    """`Latin and Cyrillic letters in one word (U+0430 CYRILLIC SMALL LETTER A)` for "payments"
    spelled with a Cyrillic a: the letter shown is one of the script used least."""
    for word in _WORD.findall(name):
        if word.isascii():
            continue
        scripts = [s for s in map(_script, word) if s]
        if len(set(scripts)) > 1:
            rare = min(_SCRIPTS, key=lambda s: scripts.count(s) or len(word) + 1)
            odd = next(c for c in word if _script(c) == rare)
            names = " and ".join(s.title() for s in _SCRIPTS if s in scripts)
            return f"{names} letters in one word (U+{ord(odd):04X} {unicodedata.name(odd)})"
    return None


def _script(char: str) -> str | None:
    prefix = unicodedata.name(char, "").split(" ", 1)[0]
    return prefix if prefix in _SCRIPTS else None


def shown(text: str, limit: int = 80) -> str:
    """A name in double quotes with every invisible or combining character escaped:
    `"ops\\u200b"`, `"a\\nb"`; long names are cut with an ellipsis."""
    out = []
    for char in text[:limit] if len(text) > limit else text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _invisible(char) or unicodedata.combining(char):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + ("…" if len(text) > limit else "") + '"'


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
