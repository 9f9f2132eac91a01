"""The manifest: YAML file -> validated core Manifest, every problem located, all at once."""

from reconciler.manifest.names import name_problem, name_warning, powerpack_name_problem
from reconciler.manifest.walker import load_manifest, parse_manifest

__all__ = [
    "load_manifest",
    "name_problem",
    "name_warning",
    "parse_manifest",
    "powerpack_name_problem",
]
