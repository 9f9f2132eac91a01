"""The manifest FILE format, declared once: pydantic models that validate and give the JSON Schema.

Everything a key is (its name, type, constraints, default, description) is said here, once.
`validate` checks every file with these models (`ManifestFile.model_validate` on data the walker
builds from the YAML nodes, see `walker.py`); `powerpacks schema` prints their JSON Schema
(`schemafile.py`); the value types they are built of are in `fields.py`; the
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

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
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
from reconciler.core.vocab import DEFAULT_SERVICE
from reconciler.manifest.fields import (
    AuthId,
    LongCode,
    NotADefault,
    Order,
    PowerpackKey,
    PowerpackName,
    Read,
    ShortCode,
    Text,
    TollFree,
    exactly_int,
    lower,
)

_PHLO = "^[pP][hH][lL][oO]$"


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
        BeforeValidator(lower),  # the API itself answers "XML"
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

    version: Annotated[Literal[1], BeforeValidator(exactly_int), Read("version")] = Field(
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
