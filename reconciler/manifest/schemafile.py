"""The manifest's JSON Schema, generated from the pydantic models that validate it.

Editors read `powerpacks.schema.json` (what `powerpacks schema` prints); the models in
`schema.py` are its one source, so a key added there is in the schema too.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.manifest.schema import ManifestFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


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
