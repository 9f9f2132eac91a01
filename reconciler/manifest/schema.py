"""The manifest FILE format, declared once: pydantic models that validate and give the JSON Schema.

Everything a key is (its name, type, constraints, default, description) is said here, once.
`validate` checks every file with these models (`ManifestFile.model_validate` on data the walker
builds from the YAML nodes, see `walker.py`); `powerpacks schema` prints their JSON Schema; the
walker's key lists (`keys.py`) and its reading shapes (`shapes.py`) are derived from them. A new key
is one field here: the walker reads it by its type, and words its errors by that type.

What stays outside: the wording of messages and hints (`messages.py`), and the rules no JSON Schema
can express, across Powerpacks (renames, a number in two pools: `walker.py`).

Why the walker builds the input, rather than pydantic reading the YAML loaded as plain data: the
messages need the YAML nodes (where a value is, how it was written: `yes` unquoted, `"true"`
quoted, `0042`, `1e5`), and YAML says things plain data loses (duplicate keys, merge keys,
non-string keys, integers past Python's int-string limit). So the walker reads nodes along these
models' shapes into the input (`values.py` for what Python would lose), keeps each value's node,
and maps each pydantic error back to it, adding the hints. It reads only as deep as the models go,
so an unknown key's value (an alias bomb, say) is never expanded.

Speed: validating is strict (no coercion: `1` is not `true`) and pydantic-core does it in ~40 ms
for 5,000 Powerpacks; an error costs ~1 us. The models cost ~10 ms of import. The walk, which the
hand-written validator did too, is still most of a load: 5,000 Powerpacks load in ~0.7 s (0.64 s
before), `validate` of 100 in ~0.18 s (0.16 s); see benchmarks/validate_bench.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.core.models import Guards as CoreGuards
from reconciler.core.vocab import DEFAULT_SERVICE, SENDER_TYPES
from reconciler.manifest.names import NAME_PATTERN, POWERPACK_NAME_PATTERN
from reconciler.manifest.values import Opaque, digits_as_written

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PHLO = "^[pP][hH][lL][oO]$"
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


def _exactly_int(value: object) -> object:
    """`true` and `1.0` equal 1 in Python: only an integer may be the version."""
    return value if isinstance(value, int) and not isinstance(value, bool) else Opaque("not-int")


def _lower(value: object) -> object:
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


def _as_is(value: Any) -> Any:
    return value


def _unset(description: str, **more: Any) -> Any:
    """An optional key: absent means not managed (None is not a value a file may write)."""
    return Field(None, description=description, **more)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


_TYPE_TEXT = "xml (an XML application) or phlo; compared case-insensitively."


class ApplicationRef(_File):
    """An XML application by id or by name, or a PHLO by id."""

    model_config = ConfigDict(
        title="Application",
        json_schema_extra={
            "allOf": [
                {"anyOf": [{"required": ["id"]}, {"required": ["name"]}]},
                {"not": {"required": ["id", "name"]}},
                {
                    "if": {"properties": {"type": {"pattern": _PHLO}}},
                    "then": {"not": {"required": ["name"]}},
                },
            ]
        },
    )

    type: Annotated[
        Literal["xml", "phlo"],
        BeforeValidator(_lower),  # the API itself answers "XML"
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^([xX][mM][lL]|[pP][hH][lL][oO])$",
                "description": _TYPE_TEXT,
            }
        ),
        Read("app_type"),
    ] = Field(description=_TYPE_TEXT)
    id: Text = _unset(
        description="The XML application's id (app_id) or the PHLO's id; digits may be unquoted.",
    )
    name: Text = _unset(
        description="xml only: the application's name, resolved to its id at plan time; "
        "exactly one application must have it.",
    )

    @model_validator(mode="after")
    def _one_way_to_name_it(self) -> ApplicationRef:
        given = self.model_fields_set
        if self.type == "phlo" and "name" in given:
            _rule("a PHLO is linked by id only (the API cannot look PHLOs up by name)", "name")
        if "id" in given and "name" in given:
            _rule("give `id` or `name`, not both", "name")
        if "id" not in given and "name" not in given:
            needs = "`id`" if self.type == "phlo" else "`id` or `name`"
            _rule(f"{self.type} application needs {needs}")
        return self


def _rule(message: str, at: str = "") -> None:
    """A rule across a mapping's fields: `at` names the key it is shown at (else the mapping)."""
    raise PydanticCustomError("rule", "{message}", {"message": message, "at": at})


def _app_form(value: Any) -> str | None:
    return "ref" if isinstance(value, dict) else "none" if isinstance(value, str) else None


Application = Annotated[
    Annotated[Literal["none"], Tag("none")] | Annotated[ApplicationRef, Tag("ref")],
    Discriminator(_app_form),
    Read("application"),
]


class ServiceOrders(_File):
    """Sender order per service, for one country."""

    model_config = ConfigDict(title="Services")

    SMS: Order = _unset(title="SMS", description="Sender order for SMS.")
    MMS: Order = _unset(title="MMS", description="Sender order for MMS.")


class NumberPriority(_File):
    """Country -> service -> sender order; cells left out are not managed."""

    model_config = ConfigDict(title="Number priority")

    US: ServiceOrders = _unset(title="US", description="United States.")
    CA: ServiceOrders = _unset(title="CA", description="Canada.")


class NumberEntry(_File):
    """A long code with the service it is added for."""

    model_config = ConfigDict(title="Number")

    number: LongCode = Field(
        description="The number as digits, country code first (a leading + is dropped)."
    )
    service: Annotated[Literal["sms", "mms"], Read("service")] = Field(
        _as_is(DEFAULT_SERVICE), description="sms (the default) or mms: what it is added for."
    )


def _entry_form(value: Any) -> str:
    return "entry" if isinstance(value, dict) else "digits"


Member = Annotated[
    Annotated[LongCode, Tag("digits")] | Annotated[NumberEntry, Tag("entry")],
    Discriminator(_entry_form),
]

_POOL = "a number belongs to one pool: list it under its Powerpack"
_UNIQUE = Field(json_schema_extra={"uniqueItems": True})  # the walker checks the whole file


class FieldsSpec(_File):
    """The managed fields of a Powerpack; a field left out is left as it is live."""

    sticky_sender: bool = _unset(description="Keep sending to a destination from the same number.")
    local_connect: bool = _unset(description="Prefer numbers local to the destination's area code.")
    application: Application = _unset(
        description="The application that handles inbound messages: none (unlink), "
        "{type: xml, id} or {type: xml, name}, or {type: phlo, id}.",
    )
    number_priority: NumberPriority = _unset(
        description="Order of sender types per country and service, merged cell by cell."
    )


class DefaultsSpec(FieldsSpec):
    """Fields applied to every Powerpack, field by field and cell by cell; the Powerpack wins."""

    model_config = ConfigDict(title="Defaults")


class PowerpackSpec(FieldsSpec):
    """One Powerpack; its key in `powerpacks` is its name. Empty: manage only its existence."""

    model_config = ConfigDict(title="Powerpack")

    renamed_from: Annotated[
        PowerpackName, NotADefault("it is one Powerpack's former name; set it there")
    ] = _unset(
        description="A former name: the live Powerpack with that name is renamed in place "
        "(one update call; its numbers stay).",
    )
    numbers: Annotated[list[Member], _UNIQUE, NotADefault(_POOL)] = _unset(
        description="The pool's long codes, exactly (present, even [], manages them; absent "
        'leaves them alone): digits, country code first ("14155550100"), or '
        "{number, service: sms|mms}.",
    )
    tollfree: Annotated[list[TollFree], _UNIQUE, NotADefault(_POOL)] = _unset(
        description="The pool's toll-free numbers, exactly (present, even [], manages them; "
        "absent leaves them alone): digits, country code first.",
    )
    shortcodes: Annotated[list[ShortCode], _UNIQUE, NotADefault(_POOL)] = _unset(
        description="The pool's short codes, exactly (present, even [], manages them): an "
        "undeclared one is unlinked, never unrented; short codes cannot be added through the API.",
    )
    protect: Annotated[
        bool, NotADefault("protect each Powerpack on its own, with `protect: true` there")
    ] = _unset(
        description="true: this Powerpack is never deleted and no member leaves its pool; a plan "
        "that would is refused (--allow-delete does not lift it).",
    )


_GUARD = CoreGuards()


class GuardsSpec(_File):
    """The mass-change guard: how much one apply may touch before it needs --allow-mass-change."""

    model_config = ConfigDict(title="Guards")

    max_touched_percent: Annotated[int, Field(ge=0, le=100)] = Field(
        _GUARD.max_touched_percent,
        description="Refuse an apply that updates or deletes more than this percent of the "
        "managed Powerpacks (0-100), when at least min_managed are managed.",
    )
    min_managed: Annotated[int, Field(ge=0)] = Field(
        _GUARD.min_managed,
        description="The percent guard holds only when at least this many Powerpacks are managed.",
    )
    max_pool_removals: Annotated[int, Field(ge=0)] = Field(
        _GUARD.max_pool_removals,
        description="Refuse an apply that removes more members than this from pools (moves and "
        "service changes don't count).",
    )


def _account_form(value: Any) -> str:
    return "list" if isinstance(value, list) else "one"


Account = Annotated[
    Annotated[AuthId, Tag("one")] | Annotated[list[AuthId], Field(min_length=1), Tag("list")],
    Discriminator(_account_form),
]


class ManifestFile(_File):
    """A powerpacks manifest: the Powerpacks an account should have."""

    model_config = ConfigDict(title="powerpacks manifest")

    version: Annotated[Literal[1], BeforeValidator(_exactly_int), Read("version")] = Field(
        description="The manifest format version: 1."
    )
    prune: bool = Field(
        False,
        description="true: live Powerpacks absent from this file are planned for deletion "
        "(apply then needs --allow-delete).",
    )
    defaults: DefaultsSpec | None = _unset(
        description="Fields applied to every Powerpack unless it sets them itself."
    )
    powerpacks: Annotated[
        dict[PowerpackKey, PowerpackSpec | None] | None,
        Field(description="The Powerpacks, keyed by name (the identity). May be empty."),
    ]
    guards: GuardsSpec = _unset(
        description="The mass-change guard (these are the defaults): apply refuses a plan beyond "
        "it unless --allow-mass-change; plan warns.",
    )
    account: Account = _unset(
        description="The auth id (or ids) this manifest is for: plan and apply refuse other "
        "credentials, before any call.",
    )

    SUPPORTED_VERSION: ClassVar[int] = 1


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the manifest file, for editors and `powerpacks schema`."""
    schema = _drop_null_defaults(ManifestFile.model_json_schema())
    return {"$schema": SCHEMA_DIALECT, **_property_names(schema)}


def schema_text() -> str:
    """The schema as `powerpacks schema` prints it and `powerpacks.schema.json` holds it."""
    return json.dumps(manifest_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _drop_null_defaults(schema: Any) -> Any:
    """Remove `"default": null`: null is not a valid value there, so editors must not offer it."""
    if isinstance(schema, dict):
        return {k: _drop_null_defaults(v) for k, v in schema.items() if (k, v) != ("default", None)}
    if isinstance(schema, list):
        return [_drop_null_defaults(v) for v in schema]
    return schema


def _property_names(schema: Any) -> Any:
    """pydantic writes a constrained key type as `patternProperties`, which lets other keys
    through; the keys' rule is `propertyNames`, and every value has the one schema."""
    if isinstance(schema, dict):
        out = {k: _property_names(v) for k, v in schema.items()}
        if "patternProperties" in out:
            ((pattern, value),) = out.pop("patternProperties").items()
            out["propertyNames"] = {"minLength": 1, "pattern": pattern}
            out["additionalProperties"] = value
        return out
    if isinstance(schema, list):
        return [_property_names(v) for v in schema]
    return schema
