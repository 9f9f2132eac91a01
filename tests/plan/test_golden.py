"""Golden plan cases: each folder of tests/plan/golden/ is a manifest, a live state and the plan.

A folder holds `manifest.yaml`, `live.json` (a LiveState), optionally `targets.txt` (one name a
line) and `base.yaml` (the manifest on the target branch: changes are labelled intent or drift),
and either `expected.txt`, `expected.md`, `expected.json` or, for a PlanError, `error.txt`.
A `markdown-*` case is about the Markdown comment's size limit and holds `expected.md` only (its
text and JSON would be hundreds of kilobytes nobody reviews). After an intended change, regenerate
with `POWERPACKS_REGEN_GOLDENS=1 pytest tests/plan/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.core.models import LiveState, Plan
from reconciler.core.planner import plan
from reconciler.core.review import label_origins
from reconciler.errors import PlanError
from reconciler.manifest import parse_manifest
from reconciler.planfile import plan_from_json
from reconciler.render import (
    github_annotations,
    render_json,
    render_markdown,
    render_text,
)
from reconciler.secrets import account_sha256, mask_account

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
REGEN = os.environ.get("POWERPACKS_REGEN_GOLDENS") == "1"
AUTH_ID = "MA2025RK4E639VJFZAGV"  # the docs' example auth id (docs/api.md section 4.3)
RENDERERS = {
    "expected.txt": lambda p: render_text(p),
    "expected.md": lambda p: render_markdown(p),
    "expected.json": render_json,
}


def run_case(folder: Path) -> Plan:
    manifest = parse_manifest((folder / "manifest.yaml").read_text(), "powerpacks.yaml")
    live = LiveState.model_validate_json((folder / "live.json").read_text())
    targets_file = folder / "targets.txt"
    targets = targets_file.read_text().split() if targets_file.exists() else []
    result = plan(manifest, live, targets=targets)
    base_file = folder / "base.yaml"
    if base_file.exists():  # a pull request's plan: intent and drift labelled
        base = parse_manifest(base_file.read_text(), "base.yaml")
        result = label_origins(result, manifest, base, live)
    return result.model_copy(
        update={"account": mask_account(AUTH_ID), "account_sha256": account_sha256(AUTH_ID)}
    )


def check(folder: Path, name: str, actual: str) -> None:
    """Compare with the golden file, or rewrite it when regenerating."""
    path = folder / name
    if REGEN:
        path.write_text(actual + "\n")
    assert path.exists(), f"{path} missing: run with POWERPACKS_REGEN_GOLDENS=1"
    assert actual + "\n" == path.read_text()


def test_there_are_golden_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    folder = GOLDEN / case
    if (folder / "error.txt").exists():
        with pytest.raises(PlanError) as caught:
            run_case(folder)
        check(folder, "error.txt", str(caught.value))
        return
    result = run_case(folder)
    outputs = ["expected.md"] if case.startswith("markdown-") else list(RENDERERS)
    for name in outputs:
        check(folder, name, RENDERERS[name](result))
    assert plan_from_json(render_json(result)) == result
    assert len(render_markdown(result)) <= 65536
    annotations = github_annotations(result)
    assert len(annotations) == result.summary.delete
