"""Offset pagination over the client, strict enough that a partial read can't pass as complete."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reconciler.core.vocab import PAGE_LIMIT
from reconciler.errors import IncompleteReadError

if TYPE_CHECKING:
    from reconciler.api.client import PlivoClient

MAX_OBJECTS = 200_000  # a list claiming more is treated as hostile (endless pagination)

Page = tuple[int, list[dict[str, Any]]]
"""(meta.total_count, objects) of one list page."""


def first_page(client: PlivoClient, path: str, params: dict[str, Any] | None) -> Page:
    """The first page of a list."""
    return _page(client, path, params, 0, _shown(client, path))


def read_all(
    client: PlivoClient, path: str, params: dict[str, Any] | None, first: Page | None = None
) -> list[dict[str, Any]]:
    """Every object: the first page, then the others concurrently, by offset.

    The offsets come from total_count (meta.next is never followed, so a server that keeps
    pointing further cannot page forever). total_count moving, a short, long or repeated page, or
    a count that doesn't add up is an ApiError: never mistake a partial read for the account.
    """
    shown = _shown(client, path)
    total, objects = first or _page(client, path, params, 0, shown)
    objects = list(objects)
    step = len(objects)  # the server's page size (20, or less if it caps lower)
    if total > step == 0:
        raise _incomplete(shown, f"total_count is {total} but the first page is empty")
    offsets = list(range(step, total, step)) if step else []
    client.expect(len(offsets))
    seen = {_identity(o) for o in objects}
    # Pages are read in batches and checked after each: a server that ignores offset or keeps
    # answering empty pages (endless pagination) is stopped after one batch, not thousands of calls.
    batch = client.max_workers * 4
    for start in range(0, len(offsets), batch):
        chunk = offsets[start : start + batch]
        pages = client.map(lambda offset: _page(client, path, params, offset, shown), chunk)
        for offset, (page_total, page) in zip(chunk, pages, strict=True):
            _check_page(offset, page_total, len(page), total, step, shown)
            ids = {_identity(o) for o in page}
            if len(ids) != len(page) or not seen.isdisjoint(ids):
                raise _incomplete(shown, "pages repeated objects")
            seen |= ids
            objects.extend(page)
    _check_complete(objects, total, shown)
    return objects


def _check_page(offset: int, page_total: int, size: int, total: int, step: int, shown: str):
    expected = min(step, total - offset)
    if page_total != total:
        raise _incomplete(shown, f"total_count changed from {total} to {page_total} while paging")
    if size != expected:
        raise _incomplete(
            shown, f"the page at offset {offset} has {size} objects, expected {expected}"
        )


def _shown(client: PlivoClient, path: str) -> str:
    return f"GET {client.mask(client.full_path(path))}"


def _incomplete(shown: str, why: str) -> IncompleteReadError:
    method, _, path = shown.partition(" ")
    message = f"{shown}: incomplete read: {why}; refusing to plan"
    return IncompleteReadError(message, method=method, path=path)


def _page(
    client: PlivoClient, path: str, params: dict[str, Any] | None, offset: int, shown: str
) -> Page:
    query = {**(params or {}), "limit": PAGE_LIMIT, "offset": offset}
    data = client.request("GET", path, params=query)
    meta, objects = data.get("meta"), data.get("objects")
    total = meta.get("total_count") if isinstance(meta, dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= MAX_OBJECTS:
        raise _incomplete(shown, f"meta.total_count is not a count up to {MAX_OBJECTS}")
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise _incomplete(shown, "the answer has no list of objects")
    if len(objects) > PAGE_LIMIT:
        raise _incomplete(shown, f"a page has {len(objects)} objects, more than limit={PAGE_LIMIT}")
    return total, objects


def _check_complete(objects: list[dict[str, Any]], total: int, shown: str) -> None:
    if len({_identity(o) for o in objects}) != len(objects):
        raise _incomplete(shown, "pages repeated objects")
    if len(objects) != total:
        raise _incomplete(shown, f"{len(objects)} objects read but total_count is {total}")


def _identity(obj: dict[str, Any]) -> str:
    for key in ("uuid", "app_id", "number", "shortcode"):
        if isinstance(obj.get(key), str):
            return f"{key}:{obj[key]}"
    return json.dumps(obj, sort_keys=True)
