"""The published JSON Schema: in sync with the models, described, and agreeing with `validate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from reconciler.manifest.schemafile import manifest_json_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
WARNING_CASES = sorted((Path(__file__).parent / "warning_cases").glob("*.yaml"))
# Failures a JSON Schema cannot see: cross-Powerpack rules, and YAML typing that JSON loses.
BEYOND_SCHEMA = {
    "renamed_from_clashes",
    "renamed_from_twice",
    "renamed_from_self",
    "number_in_two_powerpacks",  # a number is declared once in the whole manifest
    "number_in_two_kinds",
    "shortcode_listed_twice",  # "72345" and 72345 are one short code, two JSON values
    "name_not_a_string",  # `true:` and `1.5:` keys become the strings "true" and "1.5" in JSON
    "version_float",  # JSON Schema counts 1.0 as an integer; YAML 1.0 is a float
    "app_id_float",
}


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(manifest_json_schema())


def as_json(path: Path) -> Any:
    """The file as plain data, or None when plain YAML loading already rejects it."""
    try:
        data = YAML(typ="safe", pure=True).load(path.read_bytes())
        return json.loads(json.dumps(data))
    except Exception:  # duplicate keys, bad syntax, non-JSON keys: not the schema's business
        return None


def test_schema_file_is_in_sync_with_the_models() -> None:
    assert (ROOT / "powerpacks.schema.json").read_text(encoding="utf-8") == schema_text(), (
        "regenerate it: powerpacks schema > powerpacks.schema.json"
    )


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(manifest_json_schema())


def properties(node: Any) -> list[tuple[str, Any]]:
    found = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.append((name, sub))
        for key, value in node.items():
            if key != "if":  # a condition on a field, not a field
                found += properties(value)
    elif isinstance(node, list):
        for value in node:
            found += properties(value)
    return found


def test_every_field_has_a_description() -> None:
    props = properties(manifest_json_schema())
    assert len(props) >= 15
    assert [name for name, sub in props if not sub.get("description")] == []


@pytest.mark.parametrize(
    "path", [ROOT / "powerpacks.yaml", *sorted((ROOT / "examples").glob("*.yaml"))], ids=str
)
def test_examples_satisfy_the_schema(path: Path) -> None:
    errors = list(validator().iter_errors(as_json(path)))
    assert errors == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_schema_rejects_the_bad_cases(case: Path) -> None:
    data = as_json(case)
    if data is None:
        return  # rejected before any schema could look at it
    assert validator().is_valid(data) is (case.stem in BEYOND_SCHEMA)


@pytest.mark.parametrize("case", WARNING_CASES, ids=lambda p: p.stem)
def test_schema_accepts_the_warned_cases(case: Path) -> None:
    """A warning is not an error: odd Powerpack names are valid for editors too."""
    assert list(validator().iter_errors(as_json(case))) == []


def test_the_models_spell_the_shared_vocabulary() -> None:
    """Was an import-time assert (gone under python -O): the file models name the countries,
    services, member services and guard defaults of reconciler.core."""
    from typing import get_args

    from reconciler.core.models import DesiredPowerpack, Guards
    from reconciler.core.vocab import COUNTRIES, KINDS, MEMBER_SERVICES, SERVICES
    from reconciler.manifest import keys, schema

    assert tuple(schema.NumberPriority.model_fields) == COUNTRIES
    assert tuple(schema.ServiceOrders.model_fields) == SERVICES
    assert get_args(schema.NumberEntry.model_fields["service"].annotation) == MEMBER_SERVICES
    guards = schema.GuardsSpec()
    assert Guards(**guards.model_dump()) == Guards()
    assert set(KINDS) < set(keys.POWERPACK_ONLY_KEYS)
    # Every Powerpack key lands in a DesiredPowerpack field of the same name.
    assert set(keys.POWERPACK_KEYS) <= set(DesiredPowerpack.model_fields)


def test_key_lists_come_from_the_models() -> None:
    from reconciler.manifest import keys, schema

    assert tuple(schema.ManifestFile.model_fields) == keys.ROOT_KEYS
    assert keys.POWERPACK_KEYS[: len(keys.DEFAULTS_KEYS)] == keys.DEFAULTS_KEYS
    assert "renamed_from" in keys.POWERPACK_ONLY_KEYS and "protect" in keys.POWERPACK_ONLY_KEYS
