"""The demo account a fresh sandbox starts with: it drifts from the top-level powerpacks.yaml."""

from __future__ import annotations

from typing import Any

from .state import build_state, random_token

DEMO_AUTH_ID = "MADEMO0000000000SBOX"
MARKETING_APP = "20468599130939380"
SUPPORT_IVR_APP = "33660394121755210"
LEGACY_APP = "17231002233445566"
SUPPORT_PHLO = "e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11"

_APPLICATIONS = [
    {"app_id": MARKETING_APP, "app_name": "Marketing replies"},
    {"app_id": SUPPORT_IVR_APP, "app_name": "Support IVR"},
    {"app_id": LEGACY_APP, "app_name": "Legacy replies"},
]
_PHLOS = [{"phlo_id": SUPPORT_PHLO, "name": "Support flow"}]


def _number(number: str, country: str, kind: str = "fixed") -> dict[str, Any]:
    """A number rented by the account."""
    return {"number": number, "country_iso2": country, "type": kind}


_NUMBERS = [
    _number("14155550101", "US"),
    _number("14155550102", "US"),
    _number("18885550105", "US", "tollfree"),
    _number("16465550103", "US", "mobile"),
    _number("18005550106", "US", "tollfree"),
    _number("16045550104", "CA"),
    _number("14165550107", "CA"),
    _number("13125550110", "US"),
    _number("13125550108", "US"),  # spare: rented, in no pool
    _number("18775550109", "US", "tollfree"),  # spare toll-free
]

# Drift from powerpacks.yaml, so the first plan has real work: marketing-us has local_connect on,
# the wrong app and the default matrix (US.MMS, CA.SMS differ); alerts-old awaits a rename, an
# unlink and a US.SMS change; support still has sticky_sender on; legacy-promo is not managed.
# Pools: 13125550110 sits in legacy-promo (a move into marketing-us); the spare toll-free
# 18775550109 is added to alerts, whose short code 444222 is unlinked; 14165550107 serves sms
# (a service change to mms); the spare long code 13125550108 goes to the new onboarding pool.
_POWERPACKS: list[dict[str, Any]] = [
    {
        "name": "marketing-us",
        "sticky_sender": True,
        "local_connect": True,
        "application_type": "xml",
        "application_id": LEGACY_APP,
        "numbers": ["14155550101", {"number": "14155550102", "service": "mms"}, "18885550105"],
        "shortcodes": [{"shortcode": "444111", "country_iso2": "US"}],
    },
    {
        "name": "alerts-old",
        "sticky_sender": True,
        "local_connect": True,
        "application_type": "xml",
        "application_id": SUPPORT_IVR_APP,
        "numbers": ["16465550103", "18005550106"],
        "shortcodes": [{"shortcode": "444222", "country_iso2": "US"}],
    },
    {
        "name": "support",
        "sticky_sender": True,
        "local_connect": True,
        "application_type": "phlo",
        "application_id": SUPPORT_PHLO,
        "numbers": ["16045550104", "14165550107"],
    },
    {"name": "legacy-promo", "numbers": ["13125550110"]},
]


def demo_state() -> dict[str, Any]:
    """The small demo account; its token is random, generated once per state file."""
    return build_state(
        powerpacks=_POWERPACKS,
        applications=_APPLICATIONS,
        phlos=_PHLOS,
        numbers=_NUMBERS,
        auth_id=DEMO_AUTH_ID,
        auth_token=random_token(),
        seed=2026,
    )
