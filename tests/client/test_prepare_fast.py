"""The client's speed-ups keep its behaviour: requests prepared as Session.request would, and
threads sized to the round trip."""

from __future__ import annotations

import pytest
import requests

from reconciler.api.client import PlivoClient

CASES = [
    ("GET", {"limit": 20, "offset": 40}, None),
    ("GET", {"app_name": "Replies & more/é", "limit": 20, "offset": 0}, None),
    ("POST", None, {"name": "ünï", "number_priority": [{"country_iso": "US"}]}),
    ("POST", None, None),
    ("DELETE", None, {"unrent_numbers": False}),
]


def _slow(client: PlivoClient, method: str, url: str, params, body) -> requests.PreparedRequest:
    request = requests.Request(method, url, params=params, json=body)
    return client._session.prepare_request(request)


@pytest.mark.parametrize(("method", "params", "body"), CASES)
def test_same_request_as_requests_prepares(method: str, params, body) -> None:
    client = PlivoClient("https://api.plivo.com", "MAXXXXXXXXXXXXXXXXXX", "secret-token")
    url = client.api_url + client.full_path("Powerpack/")
    fast, slow = (
        client._prepare(method, url, params, body),
        _slow(client, method, url, params, body),
    )
    assert (fast.method, fast.url, fast.body) == (slow.method, slow.url, slow.body)
    assert dict(fast.headers) == dict(slow.headers)
    assert fast.headers["Authorization"].startswith("Basic ")


def test_a_cookie_the_api_set_is_sent_back() -> None:
    client = PlivoClient("https://api.plivo.com", "MAXXXXXXXXXXXXXXXXXX", "secret-token")
    client._session.cookies.set("AWSALB", "sticky", domain="api.plivo.com", path="/")
    url = client.api_url + client.full_path("Powerpack/")
    assert client._prepare("GET", url, None, None).headers["Cookie"] == "AWSALB=sticky"


@pytest.mark.parametrize(
    ("round_trip", "count", "expected"),
    [
        (None, 100, 8),
        (0.0004, 100, 2),
        (0.0015, 100, 3),
        (0.05, 100, 32),
        (0.05, 3, 3),
        (1.0, 2, 2),
    ],
)
def test_threads_cover_the_round_trip(round_trip, count: int, expected: int) -> None:
    """Little's law: on loopback a few threads (more only contend), at 50 ms all of them."""
    client = PlivoClient("https://api.plivo.com", "MAXXXXXXXXXXXXXXXXXX", "secret-token")
    client.round_trip = round_trip
    assert client._workers(count) == expected
