"""The words of every manifest problem, with the hints (`located.py` says where each goes).

Words by the shape expected at a node (`shapes.py`): "did you mean", quote it, upper or lower
case, YAML 1.2 booleans, a space after the colon, what an empty value means. Wording depends
on how the value was written (quoted or not, `yes`, `0042`, `1e5`), which only the node
knows; pydantic says what is wrong, the node says how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from ruamel.yaml.nodes import Node, ScalarNode, SequenceNode

from reconciler.core.vocab import COUNTRIES, SENDER_TYPES, SERVICES
from reconciler.manifest import fields, schema
from reconciler.manifest.keys import DEFAULTS_KEYS, POWERPACK_KEYS, POWERPACK_ONLY_KEYS, ROOT_KEYS
from reconciler.manifest.names import name_problem, powerpack_name_problem, shown
from reconciler.manifest.shapes import ROOT, Shape
from reconciler.manifest.yamlerrors import glued_fix, quote
from reconciler.manifest.yamlnodes import describe, scalar, text_of

_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_PATH_KEY = 200  # longer keys are cut in paths
_ORDER_TEXT = "shortcode, tollfree and longcode"
_TIMES = {2: "twice", 3: "3 times"}
_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off", "y", "n")
_SEPARATORS = re.compile(r"[\s().\-/]")


def join(path: str, key: str) -> str:
    """Extend a dotted path; keys that are not simple words are quoted, with invisible characters
    escaped (`powerpacks."ops\\u200b"`), and long ones cut."""
    if _SIMPLE_KEY.fullmatch(key) and len(key) <= _PATH_KEY:
        return f"{path}.{key}" if path else key
    shown_key = shown(key, _PATH_KEY)
    return f"{path}.{shown_key}" if path else shown_key


def shown_path(path: Iterable[Any]) -> str:
    """A data path as messages show it: `powerpacks.a.numbers[0]`."""
    out = ""
    for part in path:
        out = f"{out}[{part}]" if isinstance(part, int) else join(out, part)
    return out


def suggest(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed key a mistyped one most likely meant, if any is close."""
    allowed = tuple(allowed)
    if len(key) > 4 * max(map(len, allowed), default=0):
        return None  # too long to be a typo of any (and difflib is slow on long text)
    folded = {a.lower().replace("-", "_"): a for a in allowed}
    if key.lower().replace("-", "_") in folded:
        return folded[key.lower().replace("-", "_")]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


# --- unknown and missing keys -------------------------------------------------------------------


def _key(key: str) -> str:
    return shown(key, 80)


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    fix = glued_fix(key)
    if fix:
        return f"unknown key {_key(key)}{fix}"
    hint = suggest(key, allowed)
    if hint:
        return f"unknown key {_key(key)}: did you mean {quote(hint)}?"
    return f"unknown key {_key(key)} (allowed: {', '.join(allowed)})"


def root_unknown(key: str) -> str:
    if key in DEFAULTS_KEYS:
        return f'"{key}" is not a top-level key: put it under `defaults:` or under one Powerpack'
    if key in POWERPACK_ONLY_KEYS:
        return f'"{key}" is not a top-level key: put it under one Powerpack'
    if glued_fix(key) or suggest(key, ROOT_KEYS):
        return _unknown(key, ROOT_KEYS)
    return (
        f"unknown key {_key(key)} (allowed: {', '.join(ROOT_KEYS)}; "
        "Powerpacks go under `powerpacks:`)"
    )


def _top_level(key: str) -> str | None:
    if key in ROOT_KEYS and key != "powerpacks":
        return f'"{key}" is a top-level key, not a field: move it to the top of the file'
    return None


def defaults_unknown(key: str) -> str:
    field = _POWERPACK.fields.get(key)
    if field is not None and field.not_a_default:
        return f"{key} cannot be a default: {field.not_a_default}"
    return _top_level(key) or _unknown(key, DEFAULTS_KEYS)


def powerpack_unknown(key: str) -> str:
    if key == "name":
        return "a Powerpack's name is its key under `powerpacks:`: remove `name:`"
    return _top_level(key) or _unknown(key, POWERPACK_KEYS)


def _country_unknown(key: str) -> str:
    if key.upper() in COUNTRIES:
        return f'country codes are upper case: did you mean "{key.upper()}"?'
    return f"unknown country {_key(key)} (supported: {', '.join(COUNTRIES)})"


def _service_unknown(key: str) -> str:
    if key.upper() in SERVICES:
        return f'services are upper case: did you mean "{key.upper()}"?'
    return f"unknown service {_key(key)} (supported: {', '.join(SERVICES)})"


_POWERPACK: Shape = ROOT.fields["powerpacks"].shape.item  # type: ignore[assignment]
_UNKNOWN = {
    schema.ManifestFile: root_unknown,
    schema.DefaultsSpec: defaults_unknown,
    schema.PowerpackSpec: powerpack_unknown,
    schema.NumberPriority: _country_unknown,
    schema.ServiceOrders: _service_unknown,
}
MISSING = {
    "version": "missing: add `version: 1` at the top of the file",
    "powerpacks": "missing: add `powerpacks:` with your Powerpacks under it",
    "type": "missing: add `type: xml` or `type: phlo`",
    "number": 'missing: add `number: "14155550100"`',
}
MAPPING_OF = {
    schema.NumberPriority: f"a mapping of countries ({', '.join(COUNTRIES)})",
    schema.ServiceOrders: f"a mapping of services ({', '.join(SERVICES)})",
    schema.GuardsSpec: f"a mapping of guards ({', '.join(schema.GuardsSpec.model_fields)})",
}


def unknown_key(model: Any, key: str) -> str:
    if not key:
        return "empty key"
    words = _UNKNOWN.get(model)
    return words(key) if words else _unknown(key, tuple(model.model_fields))


# --- values -------------------------------------------------------------------------------------


def found(node: Node) -> str:
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


def boolean(node: Node) -> str:
    return f"must be true or false; found {found(node)}{_bool_hint(node)}"


def string(node: Node) -> str:
    number = isinstance(node, ScalarNode) and scalar(node)[0] in ("int", "float", "bool")
    hint = f" (quote it: {quote(node.value)})" if number else ""
    return f"must be a string{hint}; found {describe(node)}"


def text(node: Node, error: str, lenient: bool) -> str:
    """An id or application name (strict), or a Powerpack's former name (lenient)."""
    value = text_of(node)
    if error == "string_type" or value is None:
        return string(node)
    return (powerpack_name_problem(value) if lenient else name_problem(value)) or "is not valid"


def version(node: Node) -> str:
    hint = " (without quotes)" if text_of(node) == "1" else ""
    return f"must be the number 1{hint}; found {describe(node)}"


def application(node: Node) -> str:
    """`none`, {type: xml|phlo, id}, or {type: xml, name}: what else was written."""
    kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
    if kind == "null":
        return "is empty: write `none` to unlink, or remove the key to leave it unmanaged"
    if kind == "str" and str(value).lower() == "none":
        return "write `none` in lower case"
    if kind == "str":
        return f"must be `none` or a mapping such as {{type: xml, name: {quote(str(value))}}}"
    return f"must be `none` or a mapping {{type: xml|phlo, id: ...}}; found {describe(node)}"


def sender(node: Node) -> str:
    value = text_of(node)
    if value is None:
        return f"must be shortcode, tollfree or longcode; found {describe(node)}"
    hint = suggest(value, SENDER_TYPES)
    tail = f': did you mean "{hint}"?' if hint else f" (expected {_ORDER_TEXT})"
    return f"unknown sender type {_key(value)}{tail}"


def order(node: Node, error: str) -> str:
    if not isinstance(node, SequenceNode):
        return f"must be a list of {_ORDER_TEXT} in order; found {describe(node)}"
    items = [text_of(item) for item in node.value]
    return f"must list {_ORDER_TEXT} once each: {_order_fault(items)}"


def _order_fault(items: list[Any]) -> str:
    missing = [s for s in SENDER_TYPES if s not in items]
    twice = [s for s in SENDER_TYPES if items.count(s) > 1]
    faults = [f"{s} is missing" for s in missing] + [
        f"{s} is listed {_TIMES.get(items.count(s), 'more than 3 times')}" for s in twice
    ]
    return ", ".join(faults)


def choice(node: Node, choices: tuple[Any, ...]) -> str:
    """One of a few lower-case words (a number's service)."""
    words = " or ".join(map(str, choices))
    value = text_of(node)
    if value is not None and value.lower() in choices:
        return f'must be {words}, in lower case: did you mean "{value.lower()}"?'
    hint = suggest(value, choices) if value is not None else None
    if hint:
        return f'must be {words}; found {describe(node)}: did you mean "{hint}"?'
    return f"must be {words}; found {describe(node)}"


def integer(node: Node, error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    written = scalar(node)[1] if isinstance(node, ScalarNode) else None
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more; found {describe(node)}"
    if kind == "less_than_equal":
        return f"must be {ctx['le']} or less; found {describe(node)}"
    if isinstance(node, ScalarNode) and scalar(node) == ("int", None):  # past INT_DIGITS
        return f"is far too large ({len(node.value):,} characters); found {describe(node)}"
    hint = ": write it without quotes" if isinstance(written, str) and written.isdigit() else ""
    return f"must be a whole number; found {describe(node)}{hint}"


def digits(node: Node, read: fields.Read) -> str:
    """A long code, toll-free number or short code written as something else than digits."""
    example = quote(read.example)
    where = ", country code first" if read.plus else ""
    value = _written(node)
    if value is None:
        return f"must be a {read.what} as digits{where} ({example}); found {describe(node)}"
    if not value:
        return f"is empty: write the {read.what} as digits{where} ({example})"
    body = value[1:] if value.startswith("+") else value
    if value.startswith("+") and not read.plus:
        return f"a short code has no country code: write {quote(body)}"
    if not body.isdigit() or not body.isascii():
        bare = _SEPARATORS.sub("", body)
        if bare.isdigit() and bare.isascii() and read.low <= len(bare) <= read.high:
            return f"must be digits only, as the API writes numbers: write {quote(bare)}"
        return f"must be digits only ({read.what}{where}, e.g. {example}); found {describe(node)}"
    if not read.low <= len(body) <= read.high:
        return (
            f"has {len(body)} digit{'' if len(body) == 1 else 's'}: a {read.what} has "
            f"{read.low} to {read.high} digits{where} "
            f"(found {quote(value)})"
        )
    return (
        f"must start with the country code (1 for the US and Canada), not 0; found {quote(value)}"
    )


def _written(node: Node) -> str | None:
    """A scalar's text where a number is expected: a string, or an integer as written."""
    if not isinstance(node, ScalarNode):
        return None
    kind, value = scalar(node)
    if kind == "str":
        return str(value)
    return node.value if kind == "int" else None


def auth_id(node: Node) -> str:
    """An auth id written wrong; the id itself is not repeated."""
    what = "an auth id: MA or SA, then 18 upper-case letters or digits"
    value = text_of(node)
    if value is None:
        return f"must be {what}; found {describe(node)}"
    if re.fullmatch(fields.AUTH_ID_PATTERN, value.upper().strip()):
        return f"must be {what}: write it in upper case, without spaces"
    if value[:2].upper() in ("MA", "SA"):
        return f"must be {what}; this one has {len(value) - 2} characters after {value[:2]}"
    return f"must be {what} (the account's auth id, as the Plivo console shows it)"


def digits_list(node: Node, read: fields.Read | None) -> str:
    what = f"{read.what}s" if read else "numbers"
    value = _written(node)
    fix = f": write [{quote(value)}]" if value is not None and value.lstrip("+").isdigit() else ""
    return f"must be a list of {what} ([] for none); found {found(node)}{fix}"


# --- errors -> problems -------------------------------------------------------------------------


__all__ = ["found", "join", "shown_path", "suggest", "unknown_key"]
