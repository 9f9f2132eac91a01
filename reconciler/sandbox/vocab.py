"""The API's small vocabularies, as the sandbox reads them (docs/api.md sections 5 and 6)."""

from __future__ import annotations

COUNTRIES = ("US", "CA")
SERVICE_TYPES = ("SMS", "MMS")
SENDER_KINDS = ("shortcode", "tollfree", "longcode")
# A rented number's type as a pool list shows it (section 6); the account's Number API says
# "local" for "fixed" (section 6.1).
NUMBER_TYPES = ("fixed", "mobile", "tollfree")
# North American toll-free area codes: what a number bought with `rent` is taken to be.
TOLLFREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
