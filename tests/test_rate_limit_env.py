"""POWERPACKS_RATE_LIMIT: the client's own cap, for accounts with another limit than 300 per 5 s."""

from __future__ import annotations

import pytest

from reconciler.cli.connect import rate_limit
from reconciler.errors import ReconcilerError


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", (300, 5.0)), ("off", None), ("OFF", None), ("600/5", (600, 5.0)), ("50", (50, 5.0))],
)
def test_values(monkeypatch: pytest.MonkeyPatch, text: str, expected: object) -> None:
    monkeypatch.setenv("POWERPACKS_RATE_LIMIT", text)
    assert rate_limit() == expected


@pytest.mark.parametrize("text", ["fast", "0/5", "300/0", "300/x", "-1/5"])
def test_bad_values_are_a_clear_error(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("POWERPACKS_RATE_LIMIT", text)
    with pytest.raises(ReconcilerError, match=r"POWERPACKS_RATE_LIMIT=.*N/SECONDS"):
        rate_limit()
