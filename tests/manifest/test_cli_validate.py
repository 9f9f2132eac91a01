"""`powerpacks validate` and `schema` as a user runs them: offline, exit codes, streams."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env["PLIVO_API_URL"] = "http://192.0.2.1:9"  # unroutable: validate must never need it
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd, env=env,
    )  # fmt: skip


def test_validate_default_file_offline(tmp_path: Path) -> None:
    (tmp_path / "powerpacks.yaml").write_bytes((ROOT / "powerpacks.yaml").read_bytes())
    r = run("validate", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "powerpacks.yaml: valid: 4 Powerpacks, 1 rename(s), prune off\n"


def test_validate_reports_every_problem_then_a_count(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\npowerpacks:\n  a: {sticky_sender: 1}\n  b: {local_connect: x}\n")
    r = run("validate", "-f", str(bad), cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [
        f"{bad}:3:22: powerpacks.a.sticky_sender: must be true or false; found the number 1",
        f'{bad}:4:22: powerpacks.b.local_connect: must be true or false; found the string "x"',
        "Error: 2 problems in the manifest",
    ]


def test_validate_missing_file(tmp_path: Path) -> None:
    r = run("validate", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("powerpacks.yaml:1:1: cannot read the file: No such file")


def test_validate_bad_yaml_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "powerpacks.yaml").write_text("version: 1\npowerpacks:\n\ta: {}\n")
    r = run("validate", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "powerpacks.yaml:3:1: tab in indentation" in r.stderr


def test_schema_prints_the_published_file(tmp_path: Path) -> None:
    r = run("schema", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout == (ROOT / "powerpacks.schema.json").read_text(encoding="utf-8")


def test_warnings_go_to_stderr_and_do_not_fail(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text('version: 1\npowerpacks:\n  "ops\\u200b": {}\n  "a\\u2028b": {}\n')
    r = run("validate", str(odd), cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, f"{odd}: valid: 2 Powerpacks, prune off\n")
    why = "holds invisible characters (control, format or non-ASCII space)"
    assert r.stderr.splitlines() == [
        f'{odd}:3:3: powerpacks."ops\\u200b": warning: the Powerpack name "ops\\u200b" {why}: '
        "it is used exactly as written",
        f'{odd}:4:3: powerpacks."a\\u2028b": warning: the Powerpack name "a\\u2028b" {why}: '
        "it is used exactly as written",
    ]


def test_a_file_with_errors_shows_its_warnings_too(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: 1\npowerpacks:\n  " a": {sticky_sender: 1}\n')
    r = run("validate", "-f", str(bad), cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [
        f'{bad}:3:3: powerpacks." a": warning: the Powerpack name " a" starts or ends with '
        "whitespace: it is used exactly as written",
        f'{bad}:3:25: powerpacks." a".sticky_sender: must be true or false; found the number 1',
        "Error: 1 problem in the manifest",
    ]
