"""The manifest format's key lists, as the file models of `schema.py` declare them."""

from __future__ import annotations

from reconciler.manifest.schema import (
    ApplicationRef,
    DefaultsSpec,
    GuardsSpec,
    ManifestFile,
    NumberEntry,
    NumberPriority,
    PowerpackSpec,
    ServiceOrders,
)

ROOT_KEYS: tuple[str, ...] = tuple(ManifestFile.model_fields)
DEFAULTS_KEYS: tuple[str, ...] = tuple(DefaultsSpec.model_fields)
POWERPACK_KEYS: tuple[str, ...] = tuple(PowerpackSpec.model_fields)
POWERPACK_ONLY_KEYS: tuple[str, ...] = tuple(k for k in POWERPACK_KEYS if k not in DEFAULTS_KEYS)
APPLICATION_KEYS: tuple[str, ...] = tuple(ApplicationRef.model_fields)
GUARD_KEYS: tuple[str, ...] = tuple(GuardsSpec.model_fields)
MEMBER_KEYS: tuple[str, ...] = tuple(NumberEntry.model_fields)
COUNTRY_KEYS: tuple[str, ...] = tuple(NumberPriority.model_fields)
SERVICE_KEYS: tuple[str, ...] = tuple(ServiceOrders.model_fields)

ALL_KEYS: frozenset[str] = frozenset(
    ROOT_KEYS
    + POWERPACK_KEYS
    + APPLICATION_KEYS
    + GUARD_KEYS
    + MEMBER_KEYS
    + COUNTRY_KEYS
    + SERVICE_KEYS
)
"""Every key the format knows, at any level: `sticky_sender:true` is one glued to its value."""
