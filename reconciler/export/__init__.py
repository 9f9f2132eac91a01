"""Live account -> manifest: a fresh export, or merged into an existing file keeping comments."""

from reconciler.export.build import export_manifest, export_warnings
from reconciler.export.merge import merge_manifest, pending_work

__all__ = ["export_manifest", "export_warnings", "merge_manifest", "pending_work"]
