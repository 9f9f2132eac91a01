"""`account:` pins a manifest to an auth id, or a list of them.

plan, apply and `export --merge FILE` (the file's pin) refuse other credentials before any call
(the check needs only PLIVO_AUTH_ID), showing both ids masked; with --sandbox the pin is checked
against the sandbox's account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.sandbox import DEMO_AUTH_ID
from reconciler.secrets import mask_account
from tests.support.accounts import manifest, pp
from tests.support.cli import Run, no_traceback
from tests.support.world import Env

OURS = "MAPINNEDACCOUNT00001"
OTHER = "MAANOTHERACCOUNT0002"
THIRD = "SATHIRDSUBACCOUNT003"
BODY = ("a: {sticky_sender: false}",)


def pinned(pin: str | list[str]) -> str:
    return manifest(*BODY, head=f"account: {json.dumps(pin)}")


def assert_refused(env: Env, result: Run, *pins: str, ours: str = OURS) -> None:
    """Exit 1, no call at all, the pinned ids and the credentials' id shown masked only."""
    assert result.code == 1, result.out + result.err
    no_traceback(result)
    assert env.sb.journal() == [], "a call was made before the pin was checked"
    assert "pinned to account" in result.err
    for auth_id in (*pins, ours):
        assert mask_account(auth_id) in result.err, result.err
        assert auth_id not in result.err, "an auth id was shown in full"
    assert result.out == ""


def test_a_pin_matching_the_credentials_runs(world: Any) -> None:
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned(OURS))
    assert env.invoke("plan", "--detailed-exitcode").code == 2
    applied = env.invoke("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert env.live()["a"]["sticky_sender"] is False


def test_plan_and_apply_refuse_another_account_before_any_call(world: Any) -> None:
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned(OTHER))
    for args in (
        ("plan",),
        ("plan", "--format", "json", "--out", "plan.json"),
        ("apply", "--auto-approve", "--allow-delete", "--allow-mass-change"),
        ("apply", "--dry-run"),
    ):
        env.sb.clear_journal()
        assert_refused(env, env.invoke(*args), OTHER)
    assert not (env.cwd / "plan.json").exists()


def test_a_list_pin_accepts_any_of_its_accounts(world: Any) -> None:
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned([OTHER, OURS]))
    assert env.invoke("plan").code == 0
    env.write_manifest(pinned([OTHER, THIRD]))
    env.sb.clear_journal()
    assert_refused(env, env.invoke("plan"), OTHER, THIRD)
    assert_refused(env, env.invoke("apply", "--auto-approve"), OTHER, THIRD)


def test_the_pin_is_checked_with_only_the_auth_id_set(world: Any) -> None:
    """No token in the environment: the pin still refuses first (it needs only the auth id)."""
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned(OTHER))
    env.sb.clear_journal()
    only_id = {"PLIVO_AUTH_ID": OURS, "PLIVO_API_URL": env.sb.url}
    for verb in (("plan",), ("apply", "--auto-approve")):
        assert_refused(env, env.invoke_plain(*verb, env=only_id), OTHER)
    env.write_manifest(pinned(OURS))  # the right account: now the token is what's missing
    result = env.invoke_plain("plan", env=only_id)
    assert result.code == 1 and "PLIVO_AUTH_TOKEN" in result.err
    assert env.sb.journal() == []


def test_export_merge_refuses_a_file_pinned_to_another_account(world: Any) -> None:
    env = world([pp("a"), pp("b")], auth_id=OURS)
    path = env.write_manifest("# ours\n" + pinned(OTHER), "merge.yaml")
    before = path.read_bytes()
    env.sb.clear_journal()
    assert_refused(env, env.invoke("export", "--merge", "merge.yaml"), OTHER)
    assert path.read_bytes() == before
    only_id = {"PLIVO_AUTH_ID": OURS, "PLIVO_API_URL": env.sb.url}
    assert_refused(env, env.invoke_plain("export", "--merge", "merge.yaml", env=only_id), OTHER)
    path.write_text("# ours\n" + pinned([OTHER, THIRD]))
    assert_refused(env, env.invoke("export", "--merge", "merge.yaml"), OTHER, THIRD)


def test_export_merge_into_a_file_pinned_to_this_account(world: Any) -> None:
    env = world([pp("a"), pp("b")], auth_id=OURS)
    path = env.write_manifest("# ours\n" + pinned(OURS), "merge.yaml")
    result = env.invoke("export", "--merge", "merge.yaml")
    assert result.code == 0, result.err
    merged = path.read_text()
    assert merged.startswith("# ours\n") and f'account: "{OURS}"' in merged
    assert "  b:" in merged


def test_export_without_merge_checks_no_pin(world: Any) -> None:
    """A plain export writes a new file: the manifest lying in the folder is not read."""
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned(OTHER))
    result = env.invoke("export", "-o", "exported.yaml")
    assert result.code == 0, result.err
    assert "  a:" in (env.cwd / "exported.yaml").read_text()


def test_apply_of_a_saved_plan_with_f_checks_the_manifests_pin(world: Any) -> None:
    env = world([pp("a")], auth_id=OURS)
    env.write_manifest(pinned(OURS))
    assert env.invoke("plan", "--out", "plan.json").code == 0
    other = env.cwd / "other"
    other.mkdir()
    (other / "powerpacks.yaml").write_text(pinned(OTHER))
    env.sb.clear_journal()
    # the same plan, the manifest pinned elsewhere (its sha256 differs too: either refuses it)
    result = env.invoke(
        "apply", "--plan", "plan.json", "-f", "other/powerpacks.yaml", "--auto-approve"
    )
    assert result.code == 1
    assert env.writes() == []


def test_a_pin_must_be_an_auth_id(world: Any) -> None:
    env = world([pp("a")], auth_id=OURS)
    for pin in ("ma-not-an-id", "", [], ["MA123"]):
        env.write_manifest(manifest(*BODY, head=f"account: {json.dumps(pin)}"))
        result = env.invoke("validate")
        assert result.code == 1, pin
        assert "account" in result.err
    assert env.sb.journal() == []


# --- the sandbox --------------------------------------------------------------------------------


def sandbox_run(cwd: Path, env: Env, *args: str, **extra: str) -> Run:
    """The CLI with --sandbox in `cwd` (its own .powerpacks/sandbox.json), no credentials."""
    moved = Env(env.sb, cwd)
    return moved.invoke_plain(*args, "--sandbox", env=extra)


def test_sandbox_with_a_manifest_pinned_to_the_sandbox_account(world: Any, tmp_path: Path) -> None:
    env = world([])
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "powerpacks.yaml").write_text(
        manifest("support: {sticky_sender: false}", head=f"account: {DEMO_AUTH_ID}")
    )
    planned = sandbox_run(demo, env, "plan", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    applied = sandbox_run(demo, env, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert sandbox_run(demo, env, "plan", "--detailed-exitcode").code == 0
    # the environment's credentials play no part with --sandbox
    again = sandbox_run(demo, env, "plan", PLIVO_AUTH_ID=OTHER, PLIVO_AUTH_TOKEN="x" * 40)
    assert again.code == 0, again.err
    listed = manifest("support: {}", head=f"account: [{OTHER}, {DEMO_AUTH_ID}]")
    (demo / "powerpacks.yaml").write_text(listed)
    assert sandbox_run(demo, env, "plan").code == 0


def test_sandbox_refuses_a_manifest_pinned_to_another_account(world: Any, tmp_path: Path) -> None:
    env = world([])
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "powerpacks.yaml").write_text(pinned(OTHER))
    for args in (("plan",), ("apply", "--auto-approve"), ("export", "--merge", "powerpacks.yaml")):
        result = sandbox_run(demo, env, *args)
        assert result.code == 1, args
        no_traceback(result)
        assert mask_account(DEMO_AUTH_ID) in result.err and mask_account(OTHER) in result.err
        assert DEMO_AUTH_ID not in result.err and OTHER not in result.err
