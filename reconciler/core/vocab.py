"""The shared vocabulary, written once: countries, services, sender types, cells, field keys, pages.

Every other module (manifest, planner, codec, renderers, export) names these through here.
What the API writes is described in docs/api.md sections 3 and 5.
"""

from __future__ import annotations

COUNTRIES: tuple[str, ...] = ("US", "CA")
SERVICES: tuple[str, ...] = ("SMS", "MMS")
SENDER_TYPES: tuple[str, ...] = ("shortcode", "tollfree", "longcode")
# Every (country, service) cell of the priority matrix, as "US.SMS" keys, in display order.
CELLS: tuple[str, ...] = tuple(f"{c}.{s}" for c in COUNTRIES for s in SERVICES)

Order = tuple[str, str, str]
"""One cell's order of sender types, e.g. ("shortcode", "tollfree", "longcode")."""

Matrix = dict[str, Order]
"""Priority cells keyed "US.SMS"; a desired matrix holds only the managed cells."""

SCALARS: tuple[str, ...] = ("sticky_sender", "local_connect")
PRIORITY = "number_priority"
PRIORITY_PREFIX = PRIORITY + "."
FIELD_ORDER: tuple[str, ...] = (
    "name",
    *SCALARS,
    "application",
    *(PRIORITY_PREFIX + c for c in CELLS),
)
"""Field keys of a plan's field changes, in the order they are shown."""

PAGE_LIMIT = 20
"""The API's largest page (docs/api.md section 4.3); every list is read in pages of this size."""


def cell_field(cell: str) -> str:
    """ "US.SMS" -> "number_priority.US.SMS"."""
    return PRIORITY_PREFIX + cell


def field_cell(field: str) -> str:
    """ "number_priority.US.SMS" -> "US.SMS"."""
    return field[len(PRIORITY_PREFIX) :]


def is_cell(field: str) -> bool:
    """Whether a field key names one priority cell."""
    return field.startswith(PRIORITY_PREFIX)


def pages_for(total: int) -> int:
    """How many pages a list of `total` objects takes (at least one: the first page)."""
    return max(1, -(-total // PAGE_LIMIT))


# --- number pools -------------------------------------------------------------------------------

KINDS: tuple[str, ...] = ("numbers", "tollfree", "shortcodes")
"""The three kinds of pool member, as the manifest and the plan's fields name them."""

SENDER_OF_KIND: dict[str, str] = {
    "numbers": "longcode",
    "tollfree": "tollfree",
    "shortcodes": "shortcode",
}
"""The sender type of the priority matrix that each kind of member is."""

MEMBER_SERVICES: tuple[str, ...] = ("sms", "mms")
"""The services a long code is added for (lower case, as the pool API writes them)."""

DEFAULT_SERVICE = "sms"  # the API's default when a number is added (docs/api.md section 6)
