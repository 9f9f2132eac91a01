"""Client -> live state: read exactly what the plan needs, parsed strictly by the codec.

Calls, for a manifest (N live Powerpacks, pages of 20):
- the Powerpack list: ceil(N / 20) pages (one page when the account is empty);
- one GET per Powerpack whose matrix the manifest manages, unless the list carried the matrix;
- the Application list filtered by name, once per distinct application name (or the full list
  when that is cheaper), plus one GET per live application a named link replaces (its name);
  when a name matches no application, the full list too (the error suggests close names);
- per Powerpack managing pool members: its pool's Number/ list (long codes and toll-free alike)
  when it manages `numbers` or `tollfree`, its Shortcode/ list when it manages `shortcodes`;
- per declared number absent from every pool read: the account's number lookup, and then, if it
  is rented, the Number/ lists of the pools not read yet (an add is never planned for a number
  whose current pool is unknown).
No pool call at all when no Powerpack manages members.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.api.pages import Page
from reconciler.core import codec, identity
from reconciler.core.models import (
    DesiredPowerpack,
    LiveApplication,
    LiveMember,
    LivePool,
    LivePowerpack,
    LiveState,
    Manifest,
    RentedNumber,
)
from reconciler.core.vocab import KINDS, pages_for
from reconciler.errors import ApiError

log = logging.getLogger("reconciler.fetch")

POWERPACKS = "Powerpack/"
APPLICATIONS = "Application/"


def fetch_live(
    client: PlivoClient,
    manifest: Manifest,
    *,
    targets: Sequence[str] = (),
    base: Manifest | None = None,
) -> LiveState:
    """The live account as the plan of `manifest` needs it, with the fewest calls (with
    `base`, also the applications it names, so its values can be compared)."""
    desired = {n: dp for n, dp in manifest.powerpacks.items() if not targets or n in targets}
    with client.phase("Powerpack list"):
        client.expect(1)
        powerpacks = list_powerpacks(client)
    matches, _ = identity.match_all(desired, identity.live_by_name(powerpacks))
    wanted = {m.live.uuid for m in matches if m.live is not None and m.desired.number_priority}
    with client.phase("priority matrices"):
        powerpacks = _fill_priorities(client, powerpacks, wanted)
    by_uuid = {lp.uuid: lp for lp in powerpacks}
    matches = [identity.Match(m.desired, by_uuid.get(m.live.uuid) if m.live else None)
               for m in matches]  # fmt: skip
    extra = [identity.Match(dp, None) for dp in (base.powerpacks.values() if base else ())]
    with client.phase("applications"):
        applications = _applications(client, [*matches, *extra])
    with client.phase("number pools"):
        pools, rented = read_pools(client, matches, powerpacks)
    log.info(
        "fetch: %d Powerpacks, %s applications, %d pools, %d numbers looked up",
        len(powerpacks), "no" if applications is None else len(applications), len(pools),
        len(rented),
    )  # fmt: skip
    return LiveState(
        powerpacks=tuple(powerpacks), applications=applications, pools=pools, rented=rented
    )


def fetch_everything(client: PlivoClient) -> LiveState:
    """Every Powerpack with its matrix and its whole pool, and every application: for export.
    In the same phases as a plan's read, so the progress line and -v tell where it is."""
    with client.phase("Powerpack list"):
        client.expect(1)
        powerpacks = list_powerpacks(client)
    with client.phase("priority matrices"):
        powerpacks = _fill_priorities(client, powerpacks, {lp.uuid for lp in powerpacks})
    with client.phase("applications"):
        client.expect(1)
        applications = tuple(list_applications(client))
    with client.phase("number pools"):
        client.expect(2 * len(powerpacks))  # each pool's Number/ and Shortcode/ lists
        read = client.map(lambda lp: (lp.pool_uuid, read_pool(client, lp, KINDS)), powerpacks)
    return LiveState(powerpacks=tuple(powerpacks), applications=applications, pools=dict(read))


def list_powerpacks(client: PlivoClient, attempts: int = 1) -> list[LivePowerpack]:
    """Every Powerpack of the account, as the list shows it (read up to `attempts` times while
    it moves under the pages)."""
    with _located(client, POWERPACKS):
        objects = client.list_all(POWERPACKS, attempts=attempts)
        return [codec.parse_powerpack(o, client.auth_id) for o in objects]


def confirm_list(client: PlivoClient, live: LiveState) -> bool:
    """Read the Powerpack list again: does it hold the same Powerpacks under the same names?

    A Powerpack deleted and another created between two pages shifts every later offset, so one
    is never read while total_count still adds up; a second read that agrees shows that nothing
    moved under the first.
    """
    again = list_powerpacks(client)
    return {(lp.uuid, lp.name) for lp in again} == {(lp.uuid, lp.name) for lp in live.powerpacks}


def list_applications(
    client: PlivoClient, params: dict[str, Any] | None = None, first: Page | None = None
) -> list[LiveApplication]:
    """Every application of the account (or those the filter `params` selects)."""
    with _located(client, APPLICATIONS):
        objects = client.list_all(APPLICATIONS, params=params, first=first)
        return [codec.parse_application(o) for o in objects]


def fetch_powerpack(client: PlivoClient, uuid: str) -> LivePowerpack:
    """One Powerpack by uuid, with its matrix."""
    path = f"{POWERPACKS}{uuid}/"
    with _located(client, path):
        lp = codec.parse_powerpack(client.request("GET", path), client.auth_id)
    if lp.uuid != uuid:
        shown = client.mask(client.full_path(path))
        raise ApiError(f"GET {shown}: the API answered with Powerpack {lp.uuid}")
    return lp


@contextmanager
def _located(client: PlivoClient, path: str) -> Iterator[None]:
    """Name the call in a parse error: "GET /v1/Account/MA***/Powerpack/: the API answered..."."""
    try:
        yield
    except ApiError as e:
        if e.method:  # already located by the client
            raise
        shown = client.mask(client.full_path(path))
        raise ApiError(f"GET {shown}: {e}", method="GET", path=shown) from None


def _fill_priorities(
    client: PlivoClient, powerpacks: list[LivePowerpack], uuids: set[str]
) -> list[LivePowerpack]:
    """GET, concurrently, the Powerpacks in `uuids` whose matrix the list didn't carry."""
    missing = [lp.uuid for lp in powerpacks if lp.uuid in uuids and lp.number_priority is None]
    if not missing:
        return powerpacks
    client.expect(len(missing))
    read = dict(zip(missing, client.map(lambda u: _with_matrix(client, u), missing), strict=True))
    return [read.get(lp.uuid, lp) for lp in powerpacks]


def _with_matrix(client: PlivoClient, uuid: str) -> LivePowerpack:
    """One Powerpack read for its matrix; an API that shows none there shows an empty one."""
    lp = fetch_powerpack(client, uuid)
    # Powerpacks made before the matrix existed answer without it (docs/api.md section 3).
    return lp if lp.number_priority is not None else lp.model_copy(update={"number_priority": {}})


# --- applications -------------------------------------------------------------------------------


def _applications(
    client: PlivoClient, matches: list[identity.Match]
) -> tuple[LiveApplication, ...] | None:
    """The applications named in the manifest, plus the live ones those links replace."""
    named = [m for m in matches if m.desired.application and m.desired.application.name]
    if not named:
        return None
    names = sorted({str(m.desired.application.name) for m in named})  # type: ignore[union-attr]
    apps = list(fetch_applications(client, names))
    if set(names) - {a.app_name for a in apps}:
        # A name no application has: the plan fails on it, and says which names are close
        # ("did you mean 'Marketing replies'?"), which only the whole list can tell.
        client.expect(1)
        apps = list_applications(client)
    known = {a.app_id for a in apps}
    replaced = sorted({
        m.live.application_id for m in named
        if m.live is not None and m.live.application_type == "xml"
        and m.live.application_id not in known
    })  # fmt: skip
    client.expect(len(replaced))
    apps += [a for a in client.map(lambda i: _application(client, i), replaced) if a is not None]
    return tuple(apps)


def _application(client: PlivoClient, app_id: str) -> LiveApplication | None:
    """One application by id (for its name on the plan's before side), None if it is gone."""
    path = f"{APPLICATIONS}{app_id}/"
    try:
        with _located(client, path):
            return codec.parse_application(client.request("GET", path))
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def fetch_applications(client: PlivoClient, names: Sequence[str]) -> tuple[LiveApplication, ...]:
    """The applications named `names` (exact match, checked here whatever the API's filter does).

    One `app_name`-filtered list per distinct name: one call each in the usual case, where the full
    list costs a page per 20 applications of the account. With several names, the first full page
    tells the account's size, and the cheaper of the two ways is taken from there.
    """
    if len(names) == 1:
        return _apps_named(client, names[0])
    client.expect(1)
    first = client.first_page(APPLICATIONS)
    if pages_for(first[0]) - 1 < len(names):
        apps = list_applications(client, first=first)
        return tuple(a for a in apps if a.app_name in set(names))
    found = client.map(lambda n: _apps_named(client, n), names)
    return tuple(a for group in found for a in group)


def _apps_named(client: PlivoClient, name: str) -> tuple[LiveApplication, ...]:
    client.expect(1)
    apps = list_applications(client, {"app_name": name})
    return tuple(a for a in apps if a.app_name == name)


# --- pools --------------------------------------------------------------------------------------


def read_pool(client: PlivoClient, lp: LivePowerpack, kinds: Sequence[str]) -> LivePool:
    """The members of the given kinds of one Powerpack's pool (Number/ serves numbers and
    toll-free alike: read once for both)."""
    if not lp.pool_uuid:
        raise ApiError(f"the API showed Powerpack {lp.uuid} without a number pool")
    read: dict[str, tuple[LiveMember, ...]] = {}
    if "numbers" in kinds or "tollfree" in kinds:
        members = _list_members(client, lp.pool_uuid, "numbers")
        read["numbers"] = tuple(m for m in members if m.kind == "numbers")
        read["tollfree"] = tuple(m for m in members if m.kind == "tollfree")
    if "shortcodes" in kinds:
        read["shortcodes"] = tuple(_list_members(client, lp.pool_uuid, "shortcodes"))
    return LivePool(**read)


def _list_members(client: PlivoClient, pool: str, kind: str) -> list[LiveMember]:
    path = f"NumberPool/{pool}/{codec.POOL_RESOURCE[kind]}/"
    with _located(client, path):
        return [codec.parse_member(o, kind) for o in client.list_all(path)]


def read_pools(
    client: PlivoClient, matches: list[identity.Match], powerpacks: list[LivePowerpack]
) -> tuple[dict[str, LivePool], dict[str, RentedNumber | None]]:
    """The pools the plan needs, and the account's record of declared numbers no pool holds."""
    jobs = [
        (m.live, _kinds(m.desired)) for m in matches if m.live is not None and _kinds(m.desired)
    ]
    client.expect(
        sum(bool({"numbers", "tollfree"} & set(k)) + ("shortcodes" in k) for _, k in jobs)
    )
    read = client.map(lambda job: (job[0].pool_uuid, read_pool(client, *job)), jobs)
    pools = dict(read)
    held = {m.number for pool in pools.values() for k in KINDS for m in pool.kind(k) or ()}
    absent = sorted(
        number
        for m in matches
        for kind in ("numbers", "tollfree")
        for number in m.desired.members(kind) or ()
        if number not in held
    )
    if not absent:
        return pools, {}
    client.expect(len(absent))
    found = client.map(lambda n: (n, _rented(client, n)), absent)
    rented = dict(found)
    if any(rented[n] is not None for n in absent):
        others = [lp for lp in powerpacks if lp.pool_uuid not in pools or
                  pools[lp.pool_uuid].numbers is None]  # fmt: skip
        client.expect(len(others))
        extra = client.map(lambda lp: (lp.pool_uuid, _merge(pools.get(lp.pool_uuid),
                           read_pool(client, lp, ("numbers",)))), others)  # fmt: skip
        pools.update(dict(extra))
    return pools, rented


def _merge(old: LivePool | None, new: LivePool) -> LivePool:
    if old is None:
        return new
    return old.model_copy(update={k: new.kind(k) for k in KINDS if new.kind(k) is not None})


def _kinds(dp: DesiredPowerpack) -> tuple[str, ...]:
    return tuple(k for k in KINDS if dp.members(k) is not None)


def _rented(client: PlivoClient, number: str) -> RentedNumber | None:
    """The account's record of a number, None when the account does not rent it (404)."""
    path = f"Number/{number}/"
    try:
        with _located(client, path):
            return codec.parse_rented(client.request("GET", path), number)
    except ApiError as e:
        if e.status == 404:
            return None
        raise
