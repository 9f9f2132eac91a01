"""The manifest FILE format as pydantic models: the source of the JSON Schema and of the key lists.

The walker in `manifest.py` checks files against these key lists with located messages; these models
say what each key means, so `powerpacks schema` can give editors completion and checks.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from reconciler.core.vocab import COUNTRIES, SENDER_TYPES, SERVICES
from reconciler.manifest import keys
from reconciler.manifest.keys import NAME_PATTERN

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PHLO = "^[pP][hH][lL][oO]$"
_NAME = NAME_PATTERN
_SENDERS = ", ".join(SENDER_TYPES)

Name = Annotated[str, Field(min_length=1, pattern=_NAME)]
# Plain digits are read as their text (`id: 20372631212782780`), so the schema accepts them too.
Text = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1, "pattern": _NAME},
                {"type": "integer", "minimum": 0},
            ]
        }
    ),
]
SenderType = Literal["shortcode", "tollfree", "longcode"]
Order = Annotated[
    list[SenderType],
    Field(
        min_length=3,
        max_length=3,
        json_schema_extra={"uniqueItems": True},
        description=f"The order in which sender types are tried: {_SENDERS}, each once.",
    ),
]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^([xX][mM][lL]|[pP][hH][lL][oO])$",
                "description": _TYPE_TEXT,
            }
        ),
    ] = Field(description=_TYPE_TEXT)
    id: Text | SkipJsonSchema[None] = Field(
        None,
        description="The XML application's id (app_id) or the PHLO's id; digits may be unquoted.",
    )
    name: Text | SkipJsonSchema[None] = Field(
        None,
        description="xml only: the application's name, resolved to its id at plan time; "
        "exactly one application must have it.",
    )


class ServiceOrders(_File):
    """Sender order per service, for one country."""

    model_config = ConfigDict(title="Services")

    SMS: Order | SkipJsonSchema[None] = Field(
        None, title="SMS", description="Sender order for SMS."
    )
    MMS: Order | SkipJsonSchema[None] = Field(
        None, title="MMS", description="Sender order for MMS."
    )


class NumberPriority(_File):
    """Country -> service -> sender order; cells left out are not managed."""

    model_config = ConfigDict(title="Number priority")

    US: ServiceOrders | SkipJsonSchema[None] = Field(None, title="US", description="United States.")
    CA: ServiceOrders | SkipJsonSchema[None] = Field(None, title="CA", description="Canada.")


class FieldsSpec(_File):
    """The managed fields of a Powerpack; a field left out is left as it is live."""

    sticky_sender: bool | SkipJsonSchema[None] = Field(
        None, description="Keep sending to a destination from the same number."
    )
    local_connect: bool | SkipJsonSchema[None] = Field(
        None, description="Prefer numbers local to the destination's area code."
    )
    application: Literal["none"] | ApplicationRef | SkipJsonSchema[None] = Field(
        None,
        description="The application that handles inbound messages: none (unlink), "
        "{type: xml, id} or {type: xml, name}, or {type: phlo, id}.",
    )
    number_priority: NumberPriority | SkipJsonSchema[None] = Field(
        None, description="Order of sender types per country and service, merged cell by cell."
    )


class DefaultsSpec(FieldsSpec):
    """Fields applied to every Powerpack, field by field and cell by cell; the Powerpack wins."""

    model_config = ConfigDict(title="Defaults")


class PowerpackSpec(FieldsSpec):
    """One Powerpack; its key in `powerpacks` is its name. Empty: manage only its existence."""

    model_config = ConfigDict(title="Powerpack")

    renamed_from: Text | SkipJsonSchema[None] = Field(
        None,
        description="A former name: the live Powerpack with that name is renamed in place "
        "(one update call; its numbers stay).",
    )


class ManifestFile(_File):
    """A powerpacks manifest: the Powerpacks an account should have."""

    model_config = ConfigDict(title="powerpacks manifest")

    version: Literal[1] = Field(description="The manifest format version: 1.")
    prune: bool | SkipJsonSchema[None] = Field(
        False,
        description="true: live Powerpacks absent from this file are planned for deletion "
        "(apply then needs --allow-delete).",
    )
    defaults: DefaultsSpec | None = Field(
        None, description="Fields applied to every Powerpack unless it sets them itself."
    )
    powerpacks: Annotated[
        dict[Name, PowerpackSpec | None] | None,
        Field(description="The Powerpacks, keyed by name (the identity). May be empty."),
    ]


# The walker reads the key lists of `manifest_keys`; the models here must list the same keys.
assert tuple(PowerpackSpec.model_fields) == keys.POWERPACK_KEYS
assert tuple(DefaultsSpec.model_fields) == keys.DEFAULTS_KEYS
assert tuple(ManifestFile.model_fields) == keys.ROOT_KEYS
assert tuple(ApplicationRef.model_fields) == keys.APPLICATION_KEYS
assert tuple(NumberPriority.model_fields) == COUNTRIES, "NumberPriority must list every country"
assert tuple(ServiceOrders.model_fields) == SERVICES, "ServiceOrders must list every service"


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the manifest file, for editors and `powerpacks schema`."""
    schema = ManifestFile.model_json_schema()
    schema["properties"]["powerpacks"]["anyOf"][0]["propertyNames"] = {
        "minLength": 1,
        "pattern": _NAME,
    }
    return {"$schema": SCHEMA_DIALECT, **_drop_null_defaults(schema)}


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
