"""`powerpacks export` end to end on the sandbox demo account: then `plan` has nothing to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.support.world import Env

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> Any:
    work = tmp_path / "repo"
    work.mkdir()
    with Sandbox(tmp_path / "sandbox.json") as sb:
        yield Env(sb=sb, cwd=work)


def test_export_of_the_demo_account_plans_to_nothing(env: Env) -> None:
    """As real processes (`python -m reconciler`): export, validate and plan end to end."""
    exported = env.run("export", "-o", "exported.yaml")
    assert exported.code == 0, exported.err
    text = (env.cwd / "exported.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=powerpacks.schema.json\n")
    assert env.run("export").out == text  # stdout and -o write the same thing
    assert env.run("validate", "-f", "exported.yaml").code == 0
    planned = env.run("plan", "-f", "exported.yaml", "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    assert "No changes." in planned.out


def test_merge_adopts_the_drift_keeps_pending_work_and_comments_and_is_stable(env: Env) -> None:
    shutil.copy(REPO / "powerpacks.yaml", env.cwd / "powerpacks.yaml")
    before = (env.cwd / "powerpacks.yaml").read_text()
    assert env.invoke("plan", "--detailed-exitcode").code == 2  # the demo drifts from the example

    merged = env.invoke("export", "--merge", "powerpacks.yaml")
    assert merged.code == 0, merged.err
    assert merged.err.splitlines()[-1] == (
        "export: kept the file's pending work (plan shows it): "
        "create onboarding, rename alerts-old -> alerts"
    )
    after = (env.cwd / "powerpacks.yaml").read_text()
    assert after != before
    assert "# keep a destination on the same sender number" in after
    assert after.startswith(before.split("version:")[0])  # the header comment block is intact
    assert "  alerts:\n    renamed_from: alerts-old" in after  # the pending rename is kept
    assert "  onboarding:" in after  # and so is the pending create
    planned = env.invoke("plan", "--format", "json", "--detailed-exitcode")
    assert planned.code == 2, planned.err  # left: exactly the file's pending work
    changes = [
        (c["action"], c["name"], [(f["field"], f["before"], f["after"]) for f in c["fields"]])
        for c in json.loads(planned.out)["changes"]
    ]
    assert changes == [
        ("update", "alerts", [("name", "alerts-old", "alerts")]),
        (
            "create",
            "onboarding",
            [
                ("sticky_sender", None, True),
                ("local_connect", None, True),
                ("numbers", [], [{"number": "13125550108", "service": "sms"}]),
            ],
        ),
    ]

    stamp = (env.cwd / "powerpacks.yaml").stat().st_mtime_ns
    again = env.invoke("export", "--merge", "powerpacks.yaml")
    assert again.code == 0 and "already up to date" in again.err
    assert (env.cwd / "powerpacks.yaml").read_text() == after
    assert (env.cwd / "powerpacks.yaml").stat().st_mtime_ns == stamp  # not even rewritten


def test_merge_keeps_windows_line_endings_through_the_cli(env: Env) -> None:
    text = (REPO / "powerpacks.yaml").read_text().replace("\n", "\r\n")
    (env.cwd / "powerpacks.yaml").write_bytes(text.encode())
    assert env.invoke("export", "--merge", "powerpacks.yaml").code == 0
    after = (env.cwd / "powerpacks.yaml").read_bytes()
    assert after != text.encode() and b"\r\n" in after
    assert b"\n" not in after.replace(b"\r\n", b"")  # every line ends CRLF, the new ones too


def test_merge_of_a_file_that_is_not_utf8_is_one_clear_error(env: Env) -> None:
    (env.cwd / "powerpacks.yaml").write_bytes(b"version: 1\npowerpacks:\n  caf\xe9: {}\n")
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("powerpacks.yaml:3:6: not valid UTF-8 (byte 0xe9)")


def test_merge_of_a_bad_manifest_writes_nothing(env: Env) -> None:
    bad = "version: 1\npowerpacks:\n  a: {stiky_sender: true}\n"
    (env.cwd / "powerpacks.yaml").write_text(bad)
    result = env.invoke("export", "--merge", "powerpacks.yaml")
    assert result.code == 1
    assert "powerpacks.yaml:3:" in result.err and "Traceback" not in result.err
    assert (env.cwd / "powerpacks.yaml").read_text() == bad
