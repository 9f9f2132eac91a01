"""The client at the transport (strict `responses`): URLs, auth, retries, error mapping, secrets."""

from __future__ import annotations

import base64
import logging
import re

import pytest
import requests
import responses
from responses import matchers

from reconciler.api.client import PlivoClient
from reconciler.api.exchange import AUTH_MESSAGE
from reconciler.api.wire import check_api_url
from reconciler.errors import AmbiguousWriteError, ApiError
from tests.support.client import API, AUTH_ID, BASE, TOKEN, make_client, powerpack

UUID = "86bbb125-97bb-4d72-89fd-81d5c515b015"
MASKED = "MA**************EFGH"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as r:
        yield r


@pytest.fixture
def sleeps(client):
    """The backoff pauses the client took, instead of sleeping."""
    taken: list[float] = []
    client._sleep = taken.append
    return taken


def test_request_sends_basic_auth_json_and_returns_the_object(api, client):
    auth = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    api.post(
        f"{BASE}/Powerpack/{UUID}/",
        json=powerpack(1),
        match=[
            matchers.header_matcher({"Authorization": f"Basic {auth}"}),
            matchers.json_params_matcher({"local_connect": False}),
        ],
    )
    assert client.request("POST", f"Powerpack/{UUID}/", body={"local_connect": False})["name"]
    assert client.stats == {"POST Powerpack update": 1}


@pytest.mark.parametrize(
    "path",
    ["Powerpack/", "/v1/Account/{auth_id}/Powerpack/", f"/v1/Account/{AUTH_ID}/Powerpack/"],
)
def test_paths_relative_to_the_account_or_in_the_plan_form(api, client, path):
    api.get(f"{BASE}/Powerpack/", json={"ok": True}, match=[matchers.query_param_matcher({})])
    assert client.request("GET", path) == {"ok": True}


@pytest.mark.parametrize(
    "path", ["/v1/Account/MAOTHERACCOUNT000000/Powerpack/", "Powerpack/../../x/", "Powerpack/a?b/"]
)
def test_other_accounts_and_unsafe_paths_are_refused_without_a_call(api, client, path):
    with pytest.raises(ApiError, match="refusing"):
        client.request("GET", path)


def test_server_errors_are_retried_with_growing_backoff(api, client, sleeps):
    for status in (500, 503, 502):
        api.get(f"{BASE}/Powerpack/", status=status, body="oops")
    api.get(f"{BASE}/Powerpack/", json={"ok": 1})
    assert client.request("GET", "Powerpack/") == {"ok": 1}
    assert len(sleeps) == 3 and all(0 <= s <= 0.004 for s in sleeps)
    assert client.stats["retries"] == 3 and client.stats["GET Powerpack list"] == 4


def test_retry_after_is_honoured_and_capped(api, client, sleeps):
    api.get(f"{BASE}/Powerpack/", status=429, headers={"Retry-After": "2"})
    api.get(f"{BASE}/Powerpack/", status=429, headers={"Retry-After": "86400"})
    api.get(f"{BASE}/Powerpack/", json={})
    client.deadline = 1000
    client.request("GET", "Powerpack/")
    assert sleeps == [2.0, 20.0]
    assert client.stats["429"] == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(api, client, sleeps):
    api.get(f"{BASE}/Powerpack/", status=429, headers={"Retry-After": "10"})
    client.deadline = 5
    with pytest.raises(ApiError, match=r"rate limited \(429\).*gave up after 1 attempts") as e:
        client.request("GET", "Powerpack/")
    assert sleeps == [] and e.value.status == 429


def test_gives_up_after_max_retries_naming_method_and_masked_path(api, sleeps):
    with make_client(max_retries=2) as c:
        c._sleep = sleeps.append
        for _ in range(3):
            api.get(f"{BASE}/Powerpack/{UUID}/", status=500)
        with pytest.raises(ApiError) as e:
            c.request("GET", f"Powerpack/{UUID}/")
    assert str(e.value).startswith(f"GET /v1/Account/{MASKED}/Powerpack/{UUID}/: server error 500")
    assert "gave up after 3 attempts" in str(e.value) and AUTH_ID not in str(e.value)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"error": "authentication credentials were not provided"}, re.escape(AUTH_MESSAGE)),
        (404, {"api_id": "x", "error": "not found"}, "not found"),
        (
            400,
            {"api_id": "x", "error": "name must be\nunique"},
            r"refused .*\(400\): name must be uniq",
        ),
        (400, {"error": {"error": "nested text"}}, "nested text"),
        (405, "<html>nope</html>", r"\(405\): HTTP 405"),
    ],
)
def test_client_errors_are_one_clear_line_and_never_retried(api, client, status, body, expected):
    kw = {"json": body} if isinstance(body, dict) else {"body": body}
    api.get(f"{BASE}/Powerpack/", status=status, **kw)
    with pytest.raises(ApiError, match=expected) as e:
        client.request("GET", "Powerpack/")
    assert e.value.status == status and "\n" not in str(e.value)
    assert e.value.method == "GET" and e.value.path == f"/v1/Account/{MASKED}/Powerpack/"


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        ("<html><body>Bad gateway</body></html>", "text/html", r"non-JSON body \(text/html\)"),
        ('{"name": ', "application/json", "non-JSON body"),
        ("[1, 2]", "application/json", "not an object"),
        ("", "application/json", "non-JSON body"),
    ],
)
def test_hostile_success_bodies_are_api_errors(api, client, body, ctype, expected):
    api.get(f"{BASE}/Powerpack/{UUID}/", body=body, content_type=ctype)
    with pytest.raises(ApiError, match=expected):
        client.request("GET", f"Powerpack/{UUID}/")


def test_huge_bodies_are_refused_not_read(api):
    api.get(f"{BASE}/Powerpack/", body="x" * 5000)
    with make_client(max_body=1000) as c, pytest.raises(ApiError, match="answer too large"):
        c.request("GET", "Powerpack/")


def test_create_is_never_retried_after_an_ambiguous_failure(api, client, sleeps):
    api.post(f"{BASE}/Powerpack/", status=500)
    with pytest.raises(AmbiguousWriteError, match="server error 500"):
        client.request("POST", "Powerpack/", body={"name": "x"}, retry=False)
    assert client.stats == {"POST Powerpack create": 1}


def test_create_after_a_dropped_connection_is_ambiguous(api, client):
    api.post(f"{BASE}/Powerpack/", body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(AmbiguousWriteError, match="connection dropped"):
        client.request("POST", "Powerpack/", body={"name": "x"}, retry=False)


def test_create_after_a_read_timeout_is_ambiguous(api, client):
    api.post(f"{BASE}/Powerpack/", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(AmbiguousWriteError, match="read timed out"):
        client.request("POST", "Powerpack/", body={"name": "x"}, retry=False)


def test_create_is_retried_on_429_and_refused_connections(api, client, sleeps):
    api.post(f"{BASE}/Powerpack/", status=429)
    api.post(f"{BASE}/Powerpack/", body=requests.exceptions.ConnectionError("NewConnectionError"))
    api.post(f"{BASE}/Powerpack/", json=powerpack(1))
    assert client.request("POST", "Powerpack/", body={"name": "x"}, retry=False)["uuid"]
    assert len(sleeps) == 2


def test_delete_accepts_204_and_reports_a_404_after_a_lost_answer(api, client, sleeps):
    """The client doesn't decide a 404 means "deleted": apply reads the Powerpack to know."""
    api.delete(f"{BASE}/Powerpack/{UUID}/", status=204)
    assert client.request("DELETE", f"Powerpack/{UUID}/", body={"unrent_numbers": False}) == {}
    api.delete(f"{BASE}/Powerpack/{UUID}/", status=503)
    api.delete(f"{BASE}/Powerpack/{UUID}/", status=404, json={"error": "not found"})
    with pytest.raises(ApiError) as e:
        client.request("DELETE", f"Powerpack/{UUID}/", body={"unrent_numbers": False})
    assert e.value.status == 404


def test_delete_of_a_missing_powerpack_is_a_404_error(api, client):
    api.delete(f"{BASE}/Powerpack/{UUID}/", status=404, json={"error": "not found"})
    with pytest.raises(ApiError) as e:
        client.request("DELETE", f"Powerpack/{UUID}/")
    assert e.value.status == 404


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1/", "http://[::1]:5"]
)
def test_plain_http_is_allowed_on_loopback(url):
    assert check_api_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://api.plivo.com", "refusing plain http://"),
        ("http://10.0.0.1:8000", "refusing plain http://"),
        ("http://127.0.0.1.example.com", "refusing plain http://"),
        ("ftp://api.plivo.com", "invalid API URL"),
        ("api.plivo.com", "invalid API URL"),
        ("https://user:pw@api.plivo.com", "no credentials"),
        ("https://api.plivo.com:99999", "invalid API URL"),
        ("https://api.plivo.com:port", "invalid API URL"),
        ("https://[::1", "invalid API URL"),
    ],
)
def test_other_urls_are_refused(url, expected):
    with pytest.raises(ApiError, match=expected):
        PlivoClient(url, AUTH_ID, TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        f"https://{AUTH_ID}:{TOKEN}@api.plivo.com",
        f"http://u:{TOKEN}@api.plivo.com",
        f"https://api.plivo.com/?token={TOKEN}",
        f"ftp://api.plivo.com/{TOKEN}",
    ],
)
def test_url_errors_never_repeat_the_token(url):
    with pytest.raises(ApiError) as e:
        PlivoClient(url, AUTH_ID, TOKEN)
    assert TOKEN not in str(e.value) and "invalid API URL" in str(e.value)


def test_tls_verification_is_on_and_the_environment_ignored(client):
    assert client._session.verify is True and client._session.trust_env is False


@pytest.mark.parametrize("auth_id", ["", "MA/../x", "MA 1"])
def test_bad_auth_ids_are_refused(auth_id):
    with pytest.raises(ApiError, match="PLIVO_AUTH_ID"):
        PlivoClient(API, auth_id, TOKEN)


def test_the_token_never_appears_in_messages_logs_or_repr(api, client, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"error": f"bad token {TOKEN} for {AUTH_ID}"}
    api.get(f"{BASE}/Powerpack/", status=400, json=echo)
    api.get(f"{BASE}/Application/", status=401, json=echo)
    api.post(f"{BASE}/Powerpack/", status=500, json=echo)
    api.get(f"{BASE}/Powerpack/{UUID}/", body=f"<html>{TOKEN}</html>")
    texts = [repr(client), str(client.stats)]
    for method, path in [("GET", "Powerpack/"), ("GET", "Application/"), ("POST", "Powerpack/")]:
        with pytest.raises(ApiError) as e:
            client.request(method, path, retry=False)
        texts += [str(e.value), repr(e.value), e.value.path]
    with pytest.raises(ApiError) as e:
        client.request("GET", f"Powerpack/{UUID}/")
    texts += [str(e.value), caplog.text]
    assert "bad token *** for MA" in texts[2]
    assert not [t for t in texts if TOKEN in t]
