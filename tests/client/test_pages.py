"""Pagination: offsets from total_count, pages concurrently, every partial read refused."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from reconciler.errors import ApiError
from tests.support.client import BASE, make_client, page, powerpack

URL = f"{BASE}/Powerpack/"


def at(offset: int, **extra: str) -> list:
    return [matchers.query_param_matcher({"limit": "20", "offset": str(offset), **extra})]


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as r:
        yield r


def serve(api, objects, total=None, offsets=None):
    total = len(objects) if total is None else total
    for off in offsets if offsets is not None else range(0, max(total, 1), 20):
        api.get(URL, json=page(objects[off : off + 20], total, off), match=at(off))


@pytest.mark.parametrize("n", [0, 1, 20, 21, 45, 100])
def test_reads_every_object_once_by_offset(api, client, n):
    objects = [powerpack(i) for i in range(n)]
    serve(api, objects)
    assert client.list_all("Powerpack/") == objects
    assert client.stats["GET Powerpack list"] == max(1, -(-n // 20))


def test_filters_are_sent_on_every_page(api, client):
    apps = [{"app_id": str(i), "app_name": "x"} for i in range(25)]
    api.get(f"{BASE}/Application/", json=page(apps[:20], 25), match=at(0, app_name="x"))
    api.get(f"{BASE}/Application/", json=page(apps[20:], 25, 20), match=at(20, app_name="x"))
    assert len(client.list_all("Application/", params={"app_name": "x"})) == 25


def test_a_server_with_smaller_pages_is_followed_by_its_page_size(api, client):
    objects = [powerpack(i) for i in range(25)]
    for off in (0, 10, 20):
        api.get(URL, json=page(objects[off : off + 10], 25, off), match=at(off))
    assert client.list_all("Powerpack/") == objects


def test_total_count_changing_while_paging_is_an_incomplete_read(api, client):
    objects = [powerpack(i) for i in range(41)]
    api.get(URL, json=page(objects[:20], 40), match=at(0))
    api.get(URL, json=page(objects[20:40], 41, 20), match=at(20))
    with pytest.raises(ApiError, match="incomplete read: total_count changed from 40 to 41"):
        client.list_all("Powerpack/")


def test_a_server_ignoring_offset_repeats_objects_and_is_refused(api, client):
    objects = [powerpack(i) for i in range(20)]
    for off in (0, 20):
        api.get(URL, json=page(objects, 40, off), match=at(off))
    with pytest.raises(ApiError, match="incomplete read: pages repeated objects; refusing to plan"):
        client.list_all("Powerpack/")


def test_a_short_page_is_refused(api, client):
    objects = [powerpack(i) for i in range(45)]
    api.get(URL, json=page(objects[:20], 45), match=at(0))
    api.get(URL, json=page(objects[20:39], 45, 20), match=at(20))
    api.get(URL, json=page(objects[40:], 45, 40), match=at(40))
    with pytest.raises(ApiError, match="offset 20 has 19 objects, expected 20"):
        client.list_all("Powerpack/")


def test_an_empty_first_page_with_a_count_is_refused(api, client):
    api.get(URL, json=page([], 3), match=at(0))
    with pytest.raises(ApiError, match="total_count is 3 but the first page is empty"):
        client.list_all("Powerpack/")


def test_fewer_objects_than_total_count_on_one_page_is_refused(api, client):
    api.get(URL, json=page([powerpack(1), powerpack(2)], 1), match=at(0))
    with pytest.raises(ApiError, match="2 objects read but total_count is 1"):
        client.list_all("Powerpack/")


@pytest.mark.parametrize(
    "answer",
    [
        {"objects": []},
        {"meta": {"total_count": "3"}, "objects": []},
        {"meta": {"total_count": True}, "objects": []},
        {"meta": {"total_count": -1}, "objects": []},
        {"meta": {"total_count": 10**12, "next": "/v1/forever"}, "objects": [powerpack(1)]},
        {"meta": {"total_count": 1}, "objects": {"a": 1}},
        {"meta": {"total_count": 1}, "objects": ["pp"]},
        {"meta": {"total_count": 30}, "objects": [powerpack(i) for i in range(30)]},
    ],
)
def test_malformed_list_answers_are_refused_after_one_call(api, client, answer):
    api.get(URL, json=answer, match=at(0))
    with pytest.raises(ApiError, match=r"^GET /v1/Account/MA\*+EFGH/Powerpack/: incomplete read"):
        client.list_all("Powerpack/")


def test_a_failing_page_fails_the_whole_read():
    objects = [powerpack(i) for i in range(60)]
    # Not strict about offset 40: it may be cancelled once offset 20 has failed.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve(api, objects, offsets=[0, 40])
        failing = api.get(URL, status=500, match=at(20))
        with make_client(max_retries=1) as c, pytest.raises(ApiError, match="server error 500"):
            c.list_all("Powerpack/")
    assert failing.call_count == 2
