"""Real git repositories in temporary folders, isolated from the user's git configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.recipes.workflow import FOREIGN, REPO

ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)},
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd`; its stdout, stripped. A failure raises with git's message."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def init(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit(repo: Path, message: str, files: dict[str, str | None]) -> str:
    """Write (or, for None, delete) files and commit them; the new commit's sha."""
    for name, text in files.items():
        target = repo / name
        if text is None:
            git(repo, "rm", "-q", name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        git(repo, "add", name)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def worktree_files() -> list[str]:
    """This repository's files as a fresh clone has them, plus new files not yet committed."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted(f for f in listed.split("\0") if f and (REPO / f).is_file())


def copy_worktree(dest: Path) -> Path:
    for name in worktree_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name)
    return dest


def snapshot(dest: Path) -> Path:
    """This working tree committed as the one commit of a new repository."""
    init(dest)
    copy_worktree(dest)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot of the working tree")
    return dest
