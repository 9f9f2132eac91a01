"""Hostile input: every text and every file gives a Manifest or a located ManifestError, with
bounded messages; never a traceback, never a hang.

The class: values no field can hold (integers past Python's int-string limit, huge floats,
5,000-digit ids), keys past YAML's 1,024 characters, very long lines, a million keys; and files
that are not regular (a FIFO, /dev/zero, a directory, a sparse file of gigabytes).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ManifestError
from reconciler.manifest import load_manifest, parse_manifest
from reconciler.manifest.reader import MAX_PROBLEMS
from tests.manifest.test_properties import check

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
MESSAGE = 1000  # no problem's line is longer than this, whatever the input


def bounded(text: str) -> None:
    """check() (a Manifest or located problems), and every message of bounded length."""
    try:
        parse_manifest(text, "p.yaml")
    except ManifestError as e:
        assert len(e.problems) <= MAX_PROBLEMS + 1
        assert all(len(str(p)) < MESSAGE for p in e.problems), max(map(str, e.problems), key=len)
    check(text)


# --- huge values anywhere ---------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=6000)
huge = st.one_of(
    digits,
    digits.map(lambda d: "+" + d),
    digits.map(lambda d: "-" + d),
    digits.map(lambda d: "0x" + d),
    digits.map(lambda d: "1e" + d),
    digits.map(lambda d: d + ".5"),
    digits.map(lambda d: f'"{d}"'),
    st.sampled_from([".inf", "-.inf", ".nan", "1e308", "1e309", "-0", "0o777", "~", "!!int 1"]),
)
PLACES = [
    "version: {v}\npowerpacks: {{}}\n",
    "version: 1\nprune: {v}\npowerpacks: {{}}\n",
    "version: 1\npowerpacks:\n  a: {{sticky_sender: {v}, local_connect: {v}}}\n",
    "version: 1\npowerpacks:\n  a: {{protect: {v}}}\n",
    "version: 1\npowerpacks:\n  a:\n    application: {{type: xml, id: {v}}}\n",
    "version: 1\npowerpacks:\n  a:\n    application: {{type: {v}, name: {v}}}\n",
    "version: 1\npowerpacks:\n  {v}: {{}}\n",
    "version: 1\npowerpacks:\n  {v}:\n    renamed_from: {v}\n",
    "version: 1\npowerpacks:\n  a: {{renamed_from: {v}}}\n",
    "version: 1\npowerpacks:\n  a:\n    numbers: [{v}, {{number: {v}, service: {v}}}]\n",
    "version: 1\npowerpacks:\n  a:\n    tollfree: [{v}]\n    shortcodes: [{v}, {v}]\n",
    "version: 1\npowerpacks:\n  a:\n    number_priority: {{US: {{SMS: [{v}, tollfree]}}}}\n",
    "version: 1\nguards: {{max_touched_percent: {v}, min_managed: {v}, max_pool_removals: {v}}}\n"
    "powerpacks: {{}}\n",
    "version: 1\naccount: {v}\npowerpacks: {{}}\n",
    "version: 1\naccount: [{v}]\npowerpacks: {{}}\n",
    "version: 1\n{v}: 1\npowerpacks: {{}}\n",
    "version: 1\npowerpacks:\n  a: {{{v}: {v}}}\n",
]


@QUICK
@given(st.sampled_from(PLACES), huge)
def test_huge_values_anywhere(place: str, value: str) -> None:
    bounded(place.format(v=value))


def test_the_int_string_limit_is_a_located_error_not_a_traceback() -> None:
    """Found by hand: `version: <4,301 digits>` was a ValueError from int()."""
    big = "9" * 4301
    with pytest.raises(ManifestError) as info:
        parse_manifest(f"version: {big}\npowerpacks: {{}}\n", "m.yaml")
    assert str(info.value) == (
        "m.yaml:1:10: version: unsupported version 999999999999999999999999999999999999999…: "
        "this tool reads version 1"
    )
    with pytest.raises(ManifestError) as info:
        parse_manifest(f"version: 1\nguards: {{min_managed: {big}}}\npowerpacks: {{}}\n", "m.yaml")
    assert "guards.min_managed: is far too large (4,301 characters); found the number 9999" in str(
        info.value
    )
    text = f"version: 1\npowerpacks:\n  a: {{application: {{type: xml, id: {big}}}}}\n"
    (pp,) = parse_manifest(text, "m.yaml").powerpacks.values()
    assert pp.application is not None and pp.application.id == big  # digits are text, any length


def test_a_key_longer_than_yaml_allows_is_told_so() -> None:
    name = "n" * 2000
    with pytest.raises(ManifestError) as info:
        parse_manifest(f"version: 1\npowerpacks:\n  {name}: {{}}\n", "m.yaml")
    assert str(info.value) == (
        "m.yaml:3:3: invalid YAML: a key of 2,000 characters: YAML reads at most 1024 before the "
        "colon (write a longer one as `? key` on its own line, then `: value`)"
    )
    manifest = parse_manifest(f"version: 1\npowerpacks:\n  ? {name}\n  : {{}}\n", "m.yaml")
    assert list(manifest.powerpacks) == [name]


# --- hostile structures ---------------------------------------------------------------------------

KEYS = ["version", "powerpacks", "defaults", "guards", "account", "numbers", "tollfree",
        "shortcodes", "protect", "application", "type", "id", "name", "number", "service",
        "number_priority", "US", "SMS", "renamed_from", "sticky_sender", "a", "<<"]  # fmt: skip
leaf = huge | st.sampled_from(["1", "true", "none", "xml", "sms", "shortcode", "*x", "&x 1", '""'])
tree = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
        | st.lists(st.tuples(st.sampled_from(KEYS) | leaf, inner), max_size=4).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
        )
    ),
    max_leaves=12,
)


@QUICK
@given(tree, tree)
def test_hostile_structures(powerpack: str, root_value: str) -> None:
    bounded(f"version: 1\naccount: {root_value}\npowerpacks:\n  a: {powerpack}\n  b: {powerpack}\n")


@pytest.mark.slow
@LONG
@given(st.sampled_from(PLACES), huge)
def test_huge_values_anywhere_long(place: str, value: str) -> None:
    bounded(place.format(v=value))


@pytest.mark.slow
@LONG
@given(tree, tree)
def test_hostile_structures_long(powerpack: str, root_value: str) -> None:
    bounded(f"version: 1\nguards: {root_value}\npowerpacks:\n  a: {powerpack}\n  b: {powerpack}\n")


# --- many problems, long lines --------------------------------------------------------------------


def test_many_bad_keys_are_counted_past_the_cap() -> None:
    keys = 20_000
    text = "version: 1\npowerpacks: {}\n" + "".join(f"k{i}: 1\n" for i in range(keys))
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    *kept, last = info.value.problems
    assert len(kept) == MAX_PROBLEMS and all("unknown key" in p.message for p in kept)
    assert last.message == (
        f"and {keys - MAX_PROBLEMS:,} more problems, not shown: fix the first 1,000 and validate "
        "again"
    )
    assert (last.line, last.col) == (keys + 3, 1)  # the end of the file: shown last


@pytest.mark.slow
def test_a_million_keys() -> None:
    text = "version: 1\npowerpacks:\n  a:\n" + "".join(f"    k{i}: 1\n" for i in range(10**6))
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    assert len(info.value.problems) == MAX_PROBLEMS + 1


def test_a_very_long_line() -> None:
    value = "x" * 3_000_000
    bounded(f"version: 1\npowerpacks:\n  a: {{application: {{type: xml, name: {value}}}}}\n")
    bounded(f"version: 1\npowerpacks:\n  a: {{sticky_sender: {value}}}\n")
    bounded(f"version: 1\npowerpacks: [{value}]\n")


# --- files that are not regular files -------------------------------------------------------------


def load_within(path: str, seconds: float = 60) -> ManifestError:
    """load_manifest in a thread: a hang fails the test instead of stalling the suite."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            load_manifest(path)
        except ManifestError as e:
            outcome.append(e)
        except BaseException as e:  # pragma: no cover - the failure being tested for
            outcome.append(e)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"load_manifest({path!r}) still reading after {seconds} s"
    (result,) = outcome
    assert isinstance(result, ManifestError), repr(result)
    return result


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "powerpacks.yaml"
    os.mkfifo(fifo)  # nobody writes: reading it would block forever
    assert str(load_within(str(fifo))) == (
        f"{fifo}:1:1: cannot read the file: not a regular file (a pipe or a device?)"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused() -> None:
    assert str(load_within("/dev/zero")) == (
        "/dev/zero:1:1: cannot read the file: not a regular file (a pipe or a device?)"
    )


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert (
        str(load_within(str(tmp_path)))
        == f"{tmp_path}:1:1: cannot read the file: it is a directory"
    )


def test_a_large_sparse_file_is_refused_before_reading(tmp_path: Path) -> None:
    sparse = tmp_path / "powerpacks.yaml"
    with open(sparse, "wb") as f:
        f.truncate(3 * 1024**3)  # 3 GiB of holes: no disk used, and never read
    assert str(load_within(str(sparse))) == (
        f"{sparse}:1:1: the file is too large (3072.0 MiB; at most 32.0 MiB)"
    )
