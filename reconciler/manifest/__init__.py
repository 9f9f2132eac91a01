"""The manifest: YAML file -> validated core Manifest, every problem located, all at once."""

from reconciler.manifest.names import name_problem
from reconciler.manifest.walker import load_manifest, parse_manifest

__all__ = ["load_manifest", "name_problem", "parse_manifest"]
