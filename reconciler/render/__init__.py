"""Plan -> text, Markdown, JSON and GitHub annotations: pure functions of a Plan."""

from reconciler.render.github import github_annotations
from reconciler.render.markdown import render_markdown
from reconciler.render.plan_json import render_json
from reconciler.render.text import render_text

__all__ = ["github_annotations", "render_json", "render_markdown", "render_text"]
