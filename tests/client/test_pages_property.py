"""Property: a list read returns exactly the account's objects or fails, never a partial set."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ApiError
from tests.support.client import BASE, make_client, page, powerpack

MUTATIONS = ["total", "repeat", "short", "long", "duplicate"]


def server(objects: list[dict], size: int, mutation: str | None, bad_page: int):
    """A paginating callback with page size `size`, corrupting page number `bad_page`."""

    def answer(request):
        query = parse_qs(urlsplit(request.url).query)
        offset = int(query["offset"][0])
        items = objects[offset : offset + size]
        total = len(objects)
        if mutation and offset == bad_page * size:
            total, items = corrupt(objects, items, size, mutation)
        return 200, {}, json.dumps(page(items, total, offset))

    return answer


def corrupt(objects, items, size, mutation):
    total = len(objects)
    if mutation == "total":
        return total + 1, items
    if mutation == "repeat":
        return total, objects[:size][: len(items)]
    if mutation == "short":
        return total, items[:-1]
    if mutation == "long":
        return total, [*items, powerpack(10_000)]
    return total, [*items[:-1], objects[0]]  # "duplicate": one object shown twice, one missed


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 130),
    size=st.integers(1, 20),
    mutation=st.none() | st.sampled_from(MUTATIONS),
    pick=st.integers(0, 1000),
)
def test_a_read_is_whole_or_an_error(n, size, mutation, pick):
    objects = [powerpack(i) for i in range(n)]
    pages = -(-n // size)
    if pages < 2:
        mutation = None  # the first page defines the count: corrupt a later one
    bad_page = 1 + pick % (pages - 1) if mutation else -1
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api, make_client() as c:
        api.add_callback(
            "GET", f"{BASE}/Powerpack/", callback=server(objects, size, mutation, bad_page)
        )
        if mutation is None:
            assert c.list_all("Powerpack/") == objects
        else:
            with pytest.raises(ApiError, match="incomplete read"):
                c.list_all("Powerpack/")
