"""Export and merge with pools: `export` writes the three member keys of every Powerpack, sorted,
and plans to nothing; `export --merge` keeps comments and lines where members are unchanged,
rewrites only the member lists that changed, and leaves only the file's pending work to plan."""

from __future__ import annotations

import difflib
from typing import Any

import pytest

from tests.support.accounts import code, fixed, pp, tollfree

L1, L2, L3, L4, L5 = (f"1415555010{i}" for i in range(1, 6))
T1, T2 = "18885550201", "18885550202"


def full_account(world: Any, **options: Any) -> Any:
    """Pools of every kind: sms and mms long codes out of order, toll-free, US and CA short codes,
    an empty pool; a spare rented number."""
    return world(
        [
            pp(
                "b",
                numbers=[L3, {"number": L1, "service": "mms"}, T2, L2],
                shortcodes=[code("444111"), code("555111", "CA")],
            ),
            pp("a", numbers=[T1, L4]),
            pp("c"),
        ],
        numbers=[fixed(L5), tollfree(T1)],
        **options,
    )


def test_export_writes_every_pool_sorted_and_plans_to_nothing(world: Any) -> None:
    env = full_account(world)
    result = env.invoke("export", "-o", "exported.yaml")
    assert result.code == 0, result.err
    text = (env.cwd / "exported.yaml").read_text()
    body = text.split("powerpacks:\n", 1)[1]
    for line in (
        f'    numbers: ["{L4}"]\n    tollfree: ["{T1}"]\n    shortcodes: []\n',  # a
        f'    numbers:\n      - {{number: "{L1}", service: mms}}\n      - "{L2}"\n      - "{L3}"\n'
        f'    tollfree: ["{T2}"]\n    shortcodes: ["444111", "555111"]\n',  # b, sorted
        "    numbers: []\n    tollfree: []\n    shortcodes: []\n",  # c
    ):
        assert line in body, body
    assert body.index("  a:") < body.index("  b:") < body.index("  c:")
    env.sb.clear_journal()
    planned = env.invoke("plan", "-f", "exported.yaml", "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    assert "No changes." in planned.out
    assert not any(r.startswith("Number/") for r in env.reads_named())  # every member is held
    assert env.invoke("apply", "-f", "exported.yaml", "--auto-approve").code == 0
    assert env.writes_named() == []


COMMENTED = f"""# Pools of the account.
version: 1
powerpacks:
  # a: the toll-free pool
  a:
    numbers: ["{L4}"]   # the only long code
    tollfree:
      - "{T1}"          # the main toll-free line
    shortcodes: []

  b:
    sticky_sender: true
    numbers:            # long codes, by hand
      - "{L3}"          # third
      - {{number: "{L1}", service: mms}}   # MMS line
      - "{L2}"          # kept here last on purpose
    tollfree: ["{T2}"]  # one
    shortcodes: ["444111", "555111"]   # US and CA
"""


def test_merge_keeps_every_line_when_members_are_unchanged(world: Any) -> None:
    env = full_account(world)
    env.write_manifest(COMMENTED)
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 0, result.err
    after = (env.cwd / "powerpacks.yaml").read_text()
    assert after.startswith(COMMENTED)  # not one byte of the file changed (c is added after)
    assert after[len(COMMENTED) :].lstrip("\n").startswith("  c:\n")
    assert env.invoke("plan", "--detailed-exitcode").code == 0


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [ln for ln in diff if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (  # b's pool gains a spare (done outside git): only b's numbers list is rewritten
            f'  b:\n    numbers: [{{number: "{L1}", service: mms}}, "{L2}", "{L3}", "{L5}"]\n',
            {"b.numbers"},
        ),
        (  # a's long code changes service: a's list, and only it
            f'  a:\n    numbers: [{{number: "{L4}", service: mms}}]\n',
            {"a.numbers"},
        ),
        (  # a toll-free number moves from a to b: both toll-free lists, nothing else
            f'  a:\n    tollfree: []\n  b:\n    tollfree: ["{T1}", "{T2}"]\n',
            {"a.tollfree", "b.tollfree"},
        ),
        (  # b's CA short code is unlinked
            '  b:\n    shortcodes: ["444111"]\n',
            {"b.shortcodes"},
        ),
    ],
    ids=["add", "service", "move", "unlink"],
)
def test_merge_rewrites_only_the_member_lists_that_changed(
    world: Any, drift: str, expected: set[str]
) -> None:
    env = full_account(world)
    env.write_manifest("version: 1\npowerpacks:\n" + drift, "drift.yaml")
    assert env.invoke("apply", "-f", "drift.yaml", "--auto-approve").code == 0
    env.write_manifest(COMMENTED)
    assert (
        env.invoke("plan", "--detailed-exitcode").code != 0
    )  # the file no longer says what's live
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 0, result.err
    after = (env.cwd / "powerpacks.yaml").read_text()
    mine = after.split("\n  c:\n")[0] + "\n"  # c is the merge's addition at the end
    touched = set()
    for line in changed_lines(COMMENTED, mine):
        if line.startswith("-"):
            touched.add(list_of(COMMENTED, line[1:]))
    assert touched == expected, changed_lines(COMMENTED, mine)
    kept = [ln for ln in COMMENTED.splitlines() if ln and list_of(COMMENTED, ln) not in expected]
    assert [ln for ln in mine.splitlines() if ln in kept] == kept  # in the same order
    assert env.invoke("plan", "--detailed-exitcode").code == 0


def list_of(text: str, line: str) -> str:
    """`a.numbers` for a line of COMMENTED inside a member list (its key or its items), else ""."""
    owner, kind = "", ""
    for ln in text.splitlines():
        if ln.startswith("  ") and not ln.startswith("   ") and ln.strip().endswith(":"):
            owner, kind = ln.strip()[:-1], ""
        elif ln.startswith("    ") and not ln.startswith("     "):
            key = ln.strip().split(":")[0]
            kind = key if key in ("numbers", "tollfree", "shortcodes") else ""
        if ln == line:
            return f"{owner}.{kind}" if kind else ""
    return ""


def test_merge_then_plan_shows_only_pending_work(world: Any) -> None:
    """A pending create that takes a number from b's pool stays as written, and b's list does
    not adopt that number (it would be declared twice): the plan left is that create's move."""
    env = full_account(world)
    mine = COMMENTED.replace(f'      - "{L3}"          # third\n', "")
    env.write_manifest(mine + f'\n  fresh:   # pending\n    numbers: ["{L3}", "{L5}"]\n')
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 0, result.err
    assert "kept the file's pending work (plan shows it): create fresh" in result.err
    after = (env.cwd / "powerpacks.yaml").read_text()
    assert f'  fresh:   # pending\n    numbers: ["{L3}", "{L5}"]\n' in after
    assert after.count(L3) == 1
    planned, plan = env.plan_json("--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [("create", "fresh")]
    (fresh,) = plan["changes"]
    assert [(m["number"], m["source"]) for m in fresh["moves"]] == [(L3, "b")]
    assert env.apply().code == 0
    assert env.converged()


def test_merge_of_a_file_whose_pending_create_takes_from_an_unnamed_pool(world: Any) -> None:
    """z is not in the file: the merge adds it, without the number the pending create takes."""
    env = world([pp("z", numbers=[L1, L2])])
    env.write_manifest(f'version: 1\npowerpacks:\n  fresh:\n    numbers: ["{L1}"]\n')
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 0, result.err
    after = (env.cwd / "powerpacks.yaml").read_text()
    assert f'numbers: ["{L2}"]' in after and after.count(L1) == 1
    _, plan = env.plan_json()
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [("create", "fresh")]


def test_a_merge_that_would_not_validate_is_not_written(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net: whatever the merge makes is validated before the file is touched."""
    import reconciler.export as export
    from reconciler.cli.export_cmd import merge_into
    from reconciler.core.models import LiveState
    from reconciler.errors import ReconcilerError

    env = world([])
    path = env.write_manifest("version: 1\npowerpacks: {}\n")
    broken = f'version: 1\npowerpacks:\n  a:\n    numbers: ["{L1}"]\n  b:\n    numbers: ["{L1}"]\n'
    monkeypatch.setattr(export, "merge_manifest", lambda *a, **k: broken)
    with pytest.raises(ReconcilerError, match="not written: the merged file would not validate"):
        merge_into(str(path), path.read_text(), LiveState())
    assert path.read_text() == "version: 1\npowerpacks: {}\n"


def test_export_reads_every_pool_once(world: Any) -> None:
    """Export reads each pool's Number/ and Shortcode/ lists (pages of 20) and nothing else of
    the pools: no account lookup."""
    env = world(
        [pp(f"p{i}", numbers=[f"1312555{i:02d}{j:02d}" for j in range(i * 11)]) for i in range(3)]
    )
    env.sb.clear_journal()
    assert env.invoke("export").code == 0
    reads = [r for r in env.reads_named() if "/" in r]  # p2 has 22 numbers: two pages
    assert sorted(reads) == [
        "p0/Number",
        "p0/Shortcode",
        "p1/Number",
        "p1/Shortcode",
        "p2/Number",
        "p2/Number",
        "p2/Shortcode",
    ]
    assert not any(r.startswith("Number/") for r in env.reads_named())  # no lookup
