"""Hostile manifests through the CLI: exit 0 with a valid manifest, or exit 1 with one located line
per problem and a count; never a traceback, never a call to the API.

tests/manifest/test_properties.py fuzzes parse_manifest over text and structures; this adds raw
bytes (encodings, BOMs, invalid UTF-8), mutations of the example manifest, structures with anchors
and aliases, what the CLI prints for each, and file-level hazards (alias bombs, deep nesting, huge
files, directories) for plan and apply.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.manifest.yamlerrors import LINE_BREAK
from tests.manifest.test_properties import FRAGMENTS, manifests, render
from tests.support.cli import clean_env, cli_env, invoke

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "powerpacks.yaml").read_bytes()
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))
COUNT = re.compile(r"Error: (\d+) problems? in the manifest")


def validate(data: bytes, tmp: Path) -> tuple[int, str, str]:
    """`powerpacks validate -f FILE` in-process: (exit code, stdout, stderr)."""
    path = tmp / "m.yaml"
    path.write_bytes(data)
    r = invoke(tmp, clean_env(), "validate", "-f", str(path))
    return r.code, r.out, r.err


def lines_in(data: bytes) -> int:
    text = data.decode("utf-8", errors="replace")
    return max(len(LINE_BREAK.split(text)), data.count(b"\n") + 1)


def check_cli(data: bytes, tmp: Path) -> bool:
    """The CLI's verdict on `data` has the promised shape; True when valid."""
    code, out, err = validate(data, tmp)
    path = str(tmp / "m.yaml")
    assert "Traceback" not in out + err
    warning = re.compile(rf"{re.escape(path)}:(\d+):(\d+): (\S.*: )?warning: \S.*")
    warnings = [line for line in err.splitlines() if warning.fullmatch(line)]
    err = "".join(line + "\n" for line in err.splitlines() if line not in warnings)
    if code == 0:
        assert err == "" and out.startswith(f"{path}: valid: "), (out, err)
        return True
    assert code == 1 and out == "", (code, out, err)
    *problems, last = err.splitlines()
    count = COUNT.fullmatch(last)
    assert count and int(count.group(1)) == len(problems) >= 1, err
    located = re.compile(rf"{re.escape(path)}:(\d+):(\d+): \S.*")
    for line in problems:
        m = located.fullmatch(line)
        assert m, line
        assert 1 <= int(m.group(1)) <= lines_in(data) and int(m.group(2)) >= 1, (line, data)
    return False


def mutate(data: bytes, ops: list[tuple[int, int, int, bytes]]) -> bytes:
    """Apply (kind, position, length, insert) edits: delete, insert, replace, duplicate."""
    for kind, pos, length, insert in ops:
        pos %= len(data) + 1
        if kind == 0:
            data = data[:pos] + data[pos + length :]
        elif kind == 1:
            data = data[:pos] + insert + data[pos:]
        elif kind == 2:
            data = data[:pos] + insert + data[pos + length :]
        else:
            data = data[:pos] + data[pos : pos + length] * 2 + data[pos + length :]
    return data


fragment = st.sampled_from(FRAGMENTS).map(str.encode) | st.binary(max_size=4)
edits = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 5000), st.integers(0, 40), fragment),
    min_size=1,
    max_size=6,
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1"]


@QUICK
@given(st.binary(max_size=400))
def test_any_bytes(tmp_path_factory: Any, data: bytes) -> None:
    check_cli(data, tmp_path_factory.mktemp("b"))


@QUICK
@given(edits)
def test_mutated_example(tmp_path_factory: Any, ops: list[Any]) -> None:
    check_cli(mutate(EXAMPLE, ops), tmp_path_factory.mktemp("m"))


def aliased(text: str) -> str:
    """Turn repeated flow values into an anchor and aliases, as a hand-written file might."""
    return text.replace("[shortcode, tollfree, longcode]", "&o [shortcode, tollfree, longcode]", 1)


@QUICK
@given(manifests, st.sampled_from(["json", "block", "flow"]), st.sampled_from(ENCODINGS))
def test_structures_in_any_encoding(tmp_path_factory: Any, data: Any, style: str, enc: str) -> None:
    text = aliased(render(data, style))
    try:
        raw = text.encode(enc)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogatepass")
    valid = check_cli(raw, tmp_path_factory.mktemp("s"))
    if enc == "utf-16" or (enc == "latin-1" and not text.isascii()):
        assert not valid or raw.isascii()


@pytest.mark.slow
@LONG
@given(edits)
def test_mutated_example_long(tmp_path_factory: Any, ops: list[Any]) -> None:
    check_cli(mutate(EXAMPLE, ops), tmp_path_factory.mktemp("m"))


@pytest.mark.slow
@LONG
@given(st.binary(max_size=2000) | st.lists(fragment, max_size=80).map(b"".join))
def test_any_bytes_long(tmp_path_factory: Any, data: bytes) -> None:
    check_cli(data, tmp_path_factory.mktemp("b"))


# --- file-level hazards through plan and apply: exit 1, no call, bounded time --------------------


def alias_bomb() -> bytes:
    lines = ["version: 1", "a0: &a0 [shortcode, tollfree, longcode]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    lines += ["powerpacks:", "  x: {number_priority: {US: {SMS: *a8}}}", "  y: *a8"]
    return ("\n".join(lines) + "\n").encode()


HAZARDS: dict[str, Any] = {
    "alias-bomb": alias_bomb(),
    "deep-nesting": b"version: 1\npowerpacks: " + b"[" * 50_000 + b"\n",
    "deep-block-nesting": b"version: 1\npowerpacks:\n"
    + b"".join(b" " * i + b"a:\n" for i in range(2, 3000)),
    "huge-file": b"version: 1\npowerpacks:\n"
    + b"".join(b"  p%07d: {sticky_sender: maybe}\n" % i for i in range(40_000)),
    "long-line": b"version: 1\npowerpacks: {" + b"a" * 3_000_000 + b": 1}\n",
    "nul-bytes": b"version: 1\x00\npowerpacks: {}\n",
    "invalid-utf8": b"version: 1\npowerpacks:\n  caf\xe9: {}\n",
    "utf16": "version: 1\npowerpacks: {}\n".encode("utf-16"),
    "python-tag": b"version: 1\npowerpacks: !!python/object/apply:os.system ['echo pwned']\n",
    "alias-cycle": b"version: 1\npowerpacks: &p\n  a: *p\n",
    "directory": None,
}


HAZARD_CASES = [pytest.param(c, marks=pytest.mark.slow) if c == "huge-file" else c for c in HAZARDS]


@pytest.mark.parametrize("case", HAZARD_CASES)
def test_hostile_files_stop_plan_and_apply_before_any_call(hostile, tmp_path, case) -> None:
    server = hostile(3)
    path = tmp_path / "powerpacks.yaml"
    if HAZARDS[case] is None:
        path.mkdir()
    else:
        path.write_bytes(HAZARDS[case])
    for args in (["plan"], ["apply", "--auto-approve"]):
        r = invoke(tmp_path, cli_env(server.url), *args, timeout=60)  # a hang fails here
        assert r.code == 1 and "Traceback" not in r.err, (case, r.err[-2000:])
        *problems, last = r.err.splitlines()
        assert COUNT.fullmatch(last), (case, r.err[-2000:])
        assert problems and all(p.startswith("powerpacks.yaml:") for p in problems), case
    assert server.requests == []
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("brk", ["\\n", "\\r", "\\u2028", "\\x85"])
def test_a_key_with_a_line_break_is_still_one_line_per_problem(tmp_path: Path, brk: str) -> None:
    """Found by test_mutated_example_long: a quoted key holding a line break split its problem."""
    app = f'{{type: phlo, "i{brk}d": 2}}'
    text = f'version: 1\n"v{brk}": 1\npowerpacks:\n  a: {{"x{brk}y": 1, application: {app}}}\n'
    assert not check_cli(text.encode(), tmp_path)
