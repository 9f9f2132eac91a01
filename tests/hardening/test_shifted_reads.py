"""Class 2: reads that could have missed an object.

A Powerpack deleted and another created between two list pages shifts every later offset: one
Powerpack is never read while total_count still adds up. The server here (tests/support/servers.py
MovingApi, 45 Powerpacks = 3 pages, which takes writes too) edits its list between page reads in
several ways. Whatever it does, plan and apply never plan a create for a name the account holds
nor a delete from such a read: they re-read and plan correctly, or stop with a clear error, exit
1, no write.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Run, cli_env, invoke
from tests.support.servers import MovingApi

COUNT = 45
MANAGED = [f"m-{i:02d}" for i in range(COUNT)]
WANTED = [*MANAGED, "new-0", "new-1"]
MANIFEST = "version: 1\nprune: true\npowerpacks:\n" + "".join(
    f"  {n}: {{sticky_sender: false}}\n" for n in WANTED
)


def once(edit: Callable[[MovingApi], None], reads: tuple[int, ...] = (1,)) -> Any:
    """Run `edit` before the first later page of each list read in `reads`."""
    done: set[int] = set()

    def churn(api: MovingApi, read: int, offset: int) -> None:
        if read in reads and read not in done:
            done.add(read)
            edit(api)

    return churn


def shift(delete: int, create_at: int | None, name: str = "late-0") -> Callable[[MovingApi], None]:
    def edit(api: MovingApi) -> None:
        api.delete_at(delete)
        api.new(f"{name}-{api.created}", create_at)

    return edit


def rename_read_one_to(name: str, index: int = 3) -> Callable[[MovingApi], None]:
    """Rename a Powerpack the first page already showed: to a name the manifest creates."""
    return lambda api: api.rename_at(index, name)


def take_wanted_name(api: MovingApi) -> None:
    """Delete early and create, late, a Powerpack with a name the manifest wants created."""
    api.delete_at(2)
    api.new("new-1")


CHURNS: dict[str, Any] = {
    "delete early + create late": once(shift(3, None)),
    "delete first + create last": once(shift(0, None)),
    "delete at 19 + create at 40": once(shift(19, 40)),
    "delete at 25 + create at 0": once(shift(25, 0)),
    "delete at 0 + create at 0": once(shift(0, 0)),
    "delete at 5 + create at 21": once(shift(5, 21)),
    "two deletes + two creates": once(lambda a: (shift(1, None)(a), shift(7, None)(a))),
    "rename a read one to a wanted name": once(rename_read_one_to("new-0")),
    "rename a read one to an unmanaged name": once(rename_read_one_to("zz-renamed", 10)),
    "create with a wanted name, after a delete": once(take_wanted_name),
    "churn in reads 1 and 2": once(shift(4, None), reads=(1, 2)),
    "churn in the confirming read only": once(shift(4, None), reads=(2,)),
    "churn in reads 1 to 3, then quiet": once(shift(6, None), reads=(1, 2, 3)),
    "churn in every read": lambda api, read, offset: shift(3, None)(api) if offset == 20 else None,
}


@pytest.fixture
def moving() -> Iterator[Callable[..., MovingApi]]:
    servers: list[MovingApi] = []

    def make(churn: Any = None, count: int = COUNT) -> MovingApi:
        servers.append(MovingApi(count, churn))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def run(api: MovingApi, tmp_path: Path, *args: str) -> Run:
    (tmp_path / "powerpacks.yaml").write_text(MANIFEST, encoding="utf-8")
    return invoke(tmp_path, cli_env(api.url), *args, timeout=120)


def check_plan(api: MovingApi, plan: dict[str, Any]) -> None:
    """The plan fits the account as it is now (the churns end before the last read)."""
    live = {o["name"]: o["uuid"] for o in api.objects}
    uuids = set(live.values())
    for c in plan["changes"]:
        if c["action"] == "create":
            assert c["name"] not in live, (
                f"a create planned for {c['name']}, which the account holds"
            )
        elif c["action"] == "delete":
            assert c["uuid"] in uuids, f"a delete of {c['name']}, which is gone"
            assert c["name"] not in WANTED, f"a delete of {c['name']}, which the manifest wants"
        else:
            assert c["uuid"] in uuids
    planned = {c["name"] for c in plan["changes"] if c["action"] != "delete"}
    unchanged = {n for n in live if n in WANTED} - planned
    assert not unchanged, f"{unchanged} are held but not planned (all want sticky_sender false)"
    assert set(WANTED) <= planned


def assert_clear_refusal(api: MovingApi, r: Run) -> None:
    assert r.code == 1, (r.code, r.err[-2000:])
    assert "Traceback" not in r.err
    assert "changed while it was read" in r.err or "incomplete read" in r.err, r.err
    assert api.writes() == []


@pytest.mark.parametrize("case", list(CHURNS))
def test_plan_under_a_moving_list_is_right_or_refused(moving, tmp_path: Path, case: str) -> None:
    api = moving(CHURNS[case])
    r = run(api, tmp_path, "plan", "--format", "json")
    assert api.writes() == []
    if case == "churn in every read":
        assert_clear_refusal(api, r)
        return
    assert r.code == 0, r.err[-2000:]
    check_plan(api, json.loads(r.out))
    assert api.reads >= 2  # it read again: the first read was not trusted


@pytest.mark.parametrize("case", list(CHURNS))
def test_apply_under_a_moving_list_converges_or_refuses(moving, tmp_path: Path, case: str) -> None:
    api = moving(CHURNS[case])
    r = run(api, tmp_path, "apply", "--auto-approve", "--allow-delete", "--allow-mass-change")
    assert "Traceback" not in r.err
    if case == "churn in every read":
        assert_clear_refusal(api, r)
        return
    assert r.code == 0, r.err[-2000:]
    names = Counter(api.names())
    assert [n for n, k in names.items() if k > 1] == [], "a Powerpack was created twice"
    assert set(names) == set(WANTED), "the account is not the manifest"
    assert all(o["sticky_sender"] is False for o in api.objects)


def test_a_list_object_of_another_account_is_an_error(moving, tmp_path: Path) -> None:
    def foreign(api: MovingApi) -> None:
        api.objects[30] = {
            **api.objects[30],
            "number_pool": "/v1/Account/MAOTHER0000000000000/NumberPool/p/",
        }

    for args in (("plan",), ("apply", "--auto-approve", "--allow-delete", "--allow-mass-change")):
        api = moving()
        foreign(api)
        r = run(api, tmp_path, *args)
        assert r.code == 1, r.err
        assert "another account" in r.err, r.err
        assert "Traceback" not in r.err
        assert api.writes() == []


def test_a_list_read_with_attempts_reads_again_when_it_moved(moving) -> None:
    """client.list_all(attempts=N), as apply's lookup of an ambiguous create uses it: a list
    that moved under the first read (pages repeating an object) is read again, whole."""
    from reconciler.api.client import PlivoClient
    from tests.support.accounts import AUTH_ID, TOKEN

    api = moving(once(shift(25, 0)))  # everything shifts right: page 2 repeats page 1's last
    with PlivoClient(api.url, AUTH_ID, TOKEN, backoff=(0.01, 0.01)) as client:
        objects = client.list_all("Powerpack/", attempts=3)
    assert sorted(o["uuid"] for o in objects) == sorted(o["uuid"] for o in api.objects)
    assert api.reads == 2
