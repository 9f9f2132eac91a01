"""What plan and apply share: reading the manifests, making a stamped plan, showing it, and
the guards (protection and the mass-change guard) it is checked against."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from reconciler import __version__
from reconciler.cli.base import DEFAULT_MANIFEST, color_enabled, err, out

if TYPE_CHECKING:
    from reconciler.api.client import PlivoClient
    from reconciler.core.models import LiveState, Manifest, Plan


def manifest_option(f: click.decorators.FC) -> click.decorators.FC:
    """`-f FILE`, once: a plan is made from one manifest (two were silently one before)."""

    def one(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str:
        if len(value) > 1:
            raise click.BadParameter(
                f"given {len(value)} times ({', '.join(value)}): a plan is made from one "
                "manifest; merge them into one file",
                ctx=ctx, param=param,
            )  # fmt: skip
        return value[0] if value else DEFAULT_MANIFEST

    return click.option(
        "-f", "--file", "manifest_path", multiple=True, callback=one, metavar="FILE",
        help=f"The manifest (default {DEFAULT_MANIFEST}).",
    )(f)  # fmt: skip


def base_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--base", "base_path", type=click.Path(dir_okay=False), default=None, metavar="BASE.yaml",
        help="The manifest as on the target branch: label changes intent or drift.",
    )(f)  # fmt: skip


def load(path: str, what: str = "manifest") -> Manifest:
    """A validated manifest; a base that doesn't validate is an error naming it as the base."""
    from reconciler.errors import ManifestError
    from reconciler.manifest import load_manifest

    try:
        manifest = load_manifest(path)
    except ManifestError as e:
        if what == "manifest":
            raise
        raise ManifestError(
            [p.__class__(p.file, p.line, p.col, p.path, f"(the {what}) {p.message}")
             for p in e.problems]
        ) from None  # fmt: skip
    for warning in manifest.warnings:
        err(f"{warning.file}:{warning.line}:{warning.col}: {warning.path}: warning: "
            f"{warning.message}")  # fmt: skip
    return manifest


def make_plan(
    client: PlivoClient,
    auth_id: str,
    manifest: Manifest,
    targets: tuple[str, ...] = (),
    base: Manifest | None = None,
) -> tuple[LiveState, Plan]:
    """The plan, stamped with the account, the tool, the time and what it must be checked by."""
    from reconciler.core import review
    from reconciler.ops.planning import plan_live
    from reconciler.secrets import account_sha256, mask_account

    live, the_plan = plan_live(client, manifest, targets=targets, base=base)
    protected = review.protections(manifest, base, live)
    warnings = list(the_plan.warnings)
    for problem in review.guard_problems(the_plan, manifest.guards):
        warnings.append(f"{problem}: apply refuses this plan without --allow-mass-change")
    for problem in review.protection_problems(the_plan, protected):
        warnings.append(f"{problem}: apply refuses it")
    stamped = the_plan.model_copy(
        update={
            "account": mask_account(auth_id),
            "account_sha256": account_sha256(auth_id),
            "manifest_path": manifest.path,
            "manifest_sha256": manifest.sha256,
            "warnings": tuple(warnings),
            "guards": manifest.guards,
            "protected": tuple(sorted(protected)),
            "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "tool_version": __version__,
        }
    )
    return live, stamped


def show_plan(the_plan: Plan, fmt: str, manifest_name: str) -> None:
    from reconciler import render

    if fmt == "json":
        out(render.render_json(the_plan))
    elif fmt == "markdown":
        out(render.render_markdown(the_plan))
    else:
        out(render.render_text(the_plan, color=color_enabled(), manifest_name=manifest_name))


def github_report(the_plan: Plan) -> None:
    """In GitHub Actions: Markdown plan to the step summary, annotations for destructive changes."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from reconciler import render

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(render.render_markdown(the_plan) + "\n")
    for line in render.github_annotations(the_plan):
        err(line)
