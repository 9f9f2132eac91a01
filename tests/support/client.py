"""The client tests' helpers: a fast client, realistic API objects, and a sandbox's journal."""

from __future__ import annotations

from typing import Any

from reconciler.api.client import PlivoClient

AUTH_ID = "MA0123456789ABCDEFGH"
TOKEN = "s3cr3t-T0KEN-value-never-shown"
API = "https://api.example.test"
BASE = f"{API}/v1/Account/{AUTH_ID}"


def make_client(api: str = API, **kw: Any) -> PlivoClient:
    """A client with a tiny backoff so retry tests take milliseconds."""
    kw.setdefault("backoff", (0.001, 0.004))
    kw.setdefault("rate_limit", None)
    return PlivoClient(api, AUTH_ID, TOKEN, **kw)


def powerpack(n: int = 0, *, matrix: bool = False, **over: Any) -> dict[str, Any]:
    """An API Powerpack object like the recorded fixtures (list shape unless matrix=True)."""
    obj: dict[str, Any] = {
        "application_id": "",
        "application_type": "",
        "created_on": "2019-09-03T08:50:09.510692Z",
        "local_connect": True,
        "name": f"pp-{n:04d}",
        "number_pool": f"/v1/Account/{AUTH_ID}/NumberPool/pool-{n:04d}/",
        "sticky_sender": True,
        "uuid": f"00000000-0000-4000-8000-{n:012d}",
    }
    if matrix:
        obj["number_priority"] = [
            {
                "country_iso": c,
                "service_type": s,
                "priority": dict(
                    zip(
                        ("priority1", "priority2", "priority3"),
                        ("shortcode", "tollfree", "longcode"),
                        strict=True,
                    )
                ),
            }
            for c in ("US", "CA")
            for s in ("SMS", "MMS")
        ]
    obj.update(over)
    return obj


def page(objects: list[dict[str, Any]], total: int, offset: int = 0) -> dict[str, Any]:
    return {
        "api_id": "ff25223a-1c9f-11e4-80aa-12313f048015",
        "meta": {
            "limit": 20,
            "next": None,
            "offset": offset,
            "previous": None,
            "total_count": total,
        },
        "objects": objects,
    }


def sandbox_client(sb, **kw: Any) -> PlivoClient:
    """A fast-retrying client for a running sandbox."""
    kw.setdefault("backoff", (0.001, 0.01))
    kw.setdefault("rate_limit", None)
    return PlivoClient(sb.url, sb.auth_id, sb.auth_token, **kw)


def calls(sb) -> list[tuple[str, str]]:
    """(method, path relative to the account) of every journalled request."""
    prefix = f"/v1/Account/{sb.auth_id}/"
    return [(e["method"], e["path"].removeprefix(prefix)) for e in sb.journal()]


def writes(sb) -> list[tuple[str, str, Any]]:
    """(method, path, body) of every journalled write, in order."""
    prefix = f"/v1/Account/{sb.auth_id}/"
    return [
        (e["method"], e["path"].removeprefix(prefix), e["body"])
        for e in sb.journal()
        if e["method"] != "GET"
    ]
