"""The value types the manifest's models are built of: each a type with its rule, its JSON
Schema and how the walker words its errors (`Read`).

Names and ids (`Text`, `PowerpackName`), sender types and their order, numbers and short codes
as digits, auth ids. `schema.py` builds the file's models from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from reconciler.core.vocab import SENDER_TYPES
from reconciler.manifest.names import NAME_PATTERN, POWERPACK_NAME_PATTERN
from reconciler.manifest.values import Opaque, digits_as_written

_SENDERS = ", ".join(SENDER_TYPES)


@dataclass(frozen=True)
class Read:
    """How the walker words a value's errors, when its type alone doesn't say (see messages.py)."""

    kind: str  # "text", "name", "sender", "app_type", "service", "version", "digits", "auth_id"
    what: str = ""  # for digits: "long code", "toll-free number", "short code"
    low: int = 0  # for digits: how many at least
    high: int = 0  # and at most
    plus: bool = False  # for digits: a leading `+` is accepted (and dropped)
    example: str = ""  # for digits: one written right


@dataclass(frozen=True)
class NotADefault:
    """A Powerpack key that `defaults` cannot hold, and why (the message says it)."""

    reason: str


def _text_schema(pattern: str) -> dict[str, Any]:
    # Plain digits are read as their text (`id: 20372631212782780`), so the schema takes them too.
    return {
        "anyOf": [
            {"type": "string", "minLength": 1, "pattern": pattern},
            {"type": "integer", "minimum": 0},
        ]
    }


Text = Annotated[
    str,
    BeforeValidator(digits_as_written),
    Field(min_length=1, pattern=NAME_PATTERN),
    WithJsonSchema(_text_schema(NAME_PATTERN)),
    Read("text"),
]
"""An id or an application name: one line, no blank at either end."""

PowerpackName = Annotated[
    str,
    BeforeValidator(digits_as_written),
    Field(min_length=1, pattern=POWERPACK_NAME_PATTERN),
    WithJsonSchema(_text_schema(POWERPACK_NAME_PATTERN)),
    Read("name"),
]
"""A Powerpack's name, or a former one: any text but empty or only whitespace, because live names
can hold anything and `export` must write them back (odd ones get a warning, see names.py)."""

PowerpackKey = Annotated[str, Field(min_length=1, pattern=POWERPACK_NAME_PATTERN), Read("name")]


def exactly_int(value: object) -> object:
    """`true` and `1.0` equal 1 in Python: only an integer may be the version."""
    return value if isinstance(value, int) and not isinstance(value, bool) else Opaque("not-int")


def lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _permutation(order: list[str]) -> list[str]:
    if len(order) != len(SENDER_TYPES) or set(order) != set(SENDER_TYPES):
        raise PydanticCustomError("order", "not an order of the three sender types")
    return order


SenderType = Annotated[Literal["shortcode", "tollfree", "longcode"], Read("sender")]
Order = Annotated[
    list[SenderType],
    AfterValidator(_permutation),
    Field(
        json_schema_extra={"minItems": 3, "maxItems": 3, "uniqueItems": True},
        description=f"The order in which sender types are tried: {_SENDERS}, each once.",
    ),
]


def _digits(what: str, low: int, high: int, plus: bool, example: str) -> Any:
    """A number (or short code) as digits: the pattern validates and goes into the schema."""
    first = "[1-9]" if plus else "[0-9]"  # a country code never starts with 0
    pattern = f"^{'[+]?' if plus else ''}{first}[0-9]{{{low - 1},{high - 1}}}$"
    low_int = 10 ** (low - 1) if plus else 10 ** max(low - 1, 0)
    return Annotated[
        str,
        BeforeValidator(lambda v: digits_as_written(v, plus)),
        Field(pattern=pattern),
        AfterValidator(lambda v: v.removeprefix("+")),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": pattern},
                    {"type": "integer", "minimum": low_int, "maximum": 10**high - 1},
                ]
            }
        ),
        Read("digits", what=what, low=low, high=high, plus=plus, example=example),
    ]


if TYPE_CHECKING:  # for mypy, each is a str; for pydantic, a str with its rule
    LongCode = str
    TollFree = str
    ShortCode = str
else:
    LongCode = _digits("long code", 8, 15, plus=True, example="14155550100")
    TollFree = _digits("toll-free number", 8, 15, plus=True, example="18885550199")
    ShortCode = _digits("short code", 3, 8, plus=False, example="72345")

AUTH_ID_PATTERN = "^(MA|SA)[A-Z0-9]{18}$"  # an account's or a subaccount's auth id
AuthId = Annotated[str, Field(pattern=AUTH_ID_PATTERN), Read("auth_id")]
