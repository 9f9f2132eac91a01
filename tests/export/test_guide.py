"""The README's manifest reference stays in step with the manifest's JSON Schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reconciler.manifest.schemafile import manifest_json_schema

GUIDE = Path(__file__).resolve().parents[2] / "README.md"


def schema_keys(schema: dict[str, Any]) -> set[str]:
    """Every property name the schema allows, at any depth."""
    keys = set(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        keys |= set(definition.get("properties", {}))
    return keys


def reference_keys(text: str) -> set[str]:
    """The keys in the first column of the guide's "Manifest reference" table."""
    section = text.split("### Manifest reference", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_reference_lists_every_schema_key_and_no_other() -> None:
    assert reference_keys(GUIDE.read_text(encoding="utf-8")) == schema_keys(manifest_json_schema())


def test_reference_parser_sees_the_table() -> None:
    """Guard the guard: a table the parser can't find must not pass as "no keys"."""
    keys = reference_keys(GUIDE.read_text(encoding="utf-8"))
    assert {"version", "renamed_from", "SMS"} <= keys
