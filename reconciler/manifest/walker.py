"""The manifest: YAML file -> validated `Manifest`, every problem located, all reported at once.

The walker reads ruamel nodes (see `manifest_yaml`) so each message can say `file:line:col: path`.
Values are collected flat, keyed like the planner's `field_locs` ("sticky_sender",
"number_priority.US.SMS"), which makes merging `defaults` one dict update per Powerpack.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.core.models import DesiredPowerpack, Loc, Manifest
from reconciler.errors import FileError, ManifestError, Problem
from reconciler.files import MiB, read_regular
from reconciler.manifest.keys import (
    DEFAULTS_KEYS,
    POWERPACK_KEYS,
    ROOT_KEYS,
)
from reconciler.manifest.reader import (
    NodeReader,
    Pairs,
    Spec,
    defaults_unknown,
    join,
    name_problem,
    powerpack_unknown,
    root_unknown,
    suggest,
)
from reconciler.manifest.yamlnodes import compose, describe, quote, scalar, text_of

SUPPORTED_VERSION = 1
MANIFEST_LIMIT = 32 * MiB  # 5,000 Powerpacks with every field take about 1 MiB


def load_manifest(path: str) -> Manifest:
    """Read and validate a manifest file; raises ManifestError with every problem found."""
    try:
        data = read_regular(path, MANIFEST_LIMIT)
    except FileError as e:
        raise ManifestError([Problem(path, 1, 1, "", str(e))]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[e.start]:02x}): save the file as UTF-8"
        raise ManifestError([Problem(path, line, col, "", message)]) from None
    return _parse(text, path, hashlib.sha256(data).hexdigest())


def parse_manifest(text: str, path: str) -> Manifest:
    """Validate manifest text; `path` names it in messages and in `Manifest.path`."""
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _parse(text, path, sha)


def _parse(text: str, path: str, sha256: str) -> Manifest:
    with _no_gc():
        return _parse_nodes(text, path, sha256)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC: a large file makes ~10 objects per line, none of them garbage yet,
    and the collector's repeated scans of them were half of a 5,000-Powerpack load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_nodes(text: str, path: str, sha256: str) -> Manifest:
    root = compose(text, path)
    if root is None or (isinstance(root, ScalarNode) and root.value == "" and not root.style):
        message = "the file is empty: a manifest needs `version: 1` and `powerpacks:`"
        raise ManifestError([Problem(path, 1, 1, "", message)])
    walker = _Walker(path, text)
    manifest = walker.manifest(root, sha256)
    if walker.problems or manifest is None:
        raise ManifestError(walker.problems)
    return manifest


class _Walker(NodeReader):
    """Walks the document once: the root, defaults, Powerpacks, renames."""

    # --- the document -----------------------------------------------------------------------

    def manifest(self, root: Node, sha256: str) -> Manifest | None:
        """The whole file; None when it cannot be read as a version 1 manifest at all."""
        if not isinstance(root, MappingNode):
            found = describe(root)
            self.add(
                root,
                "",
                f"a manifest is a mapping with `version:` and `powerpacks:`; found {found}",
            )
            return None
        top = self.mapping(root, "", ROOT_KEYS, root_unknown)
        if not self.version(root, top):
            return None
        prune = self.boolean(top["prune"][1], "prune") if "prune" in top else None
        defaults = self.fields(top["defaults"][1], "defaults", True) if "defaults" in top else {}
        if "powerpacks" not in top and not _misspelled(root, "powerpacks"):
            self.add(root, "powerpacks", "missing: add `powerpacks:` with your Powerpacks under it")
        specs = self.powerpacks(top["powerpacks"][1]) if "powerpacks" in top else {}
        self.renames(specs)
        powerpacks = {
            name: _desired(name, loc, {**defaults, **own}) for name, (loc, own) in specs.items()
        }
        return Manifest(
            path=self.file,
            sha256=sha256,
            version=SUPPORTED_VERSION,
            prune=bool(prune),
            prune_loc=self.loc(top["prune"][1]) if "prune" in top else None,
            powerpacks=powerpacks,
        )

    def version(self, root: MappingNode, top: Pairs) -> bool:
        """Check `version`; False when the file is of another (future) format: stop there."""
        if "version" not in top:
            if not _misspelled(root, "version"):
                self.add(root, "version", "missing: add `version: 1` at the top of the file")
            return True
        node = top["version"][1]
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "int" and value == SUPPORTED_VERSION:
            return True
        if kind == "int":
            self.add(node, "version", f"unsupported version {value}: this tool reads version 1")
            return False
        hint = " (without quotes)" if text_of(node) == "1" else ""
        self.add(node, "version", f"must be the number 1{hint}; found {describe(node)}")
        return True

    def powerpacks(self, node: Node) -> dict[str, tuple[Loc, Spec]]:
        """Name -> (where the name is, own fields); an empty or null body manages no field."""
        if isinstance(node, ScalarNode) and scalar(node)[0] == "null":
            return {}
        if not isinstance(node, MappingNode):
            hint = " (write `name:` keys, not `- ` items)" if isinstance(node, SequenceNode) else ""
            self.add(
                node,
                "powerpacks",
                f"must be a mapping of Powerpack names{hint}; found {describe(node)}",
            )
            return {}
        specs: dict[str, tuple[Loc, Spec]] = {}
        for key, body in self.pairs(node, "powerpacks"):
            name = self.powerpack_name(key, specs)
            if name is None:
                continue
            specs[name] = (self.loc(key), self.powerpack(name, key, body))
        return specs

    def powerpack_name(self, key: Node, seen: dict[str, tuple[Loc, Spec]]) -> str | None:
        name = text_of(key)
        if name is None:
            hint = f" (quote it: {quote(key.value)})" if isinstance(key, ScalarNode) else ""
            message = f"a Powerpack name must be a string{hint}; found {describe(key)}"
            self.add(key, "powerpacks", message)
            return None
        path = join("powerpacks", name)
        problem = name_problem(name)
        if problem:
            self.add(key, path, f"the Powerpack name {problem}")
            return None
        if name in seen:
            self.add(
                key, path, f'duplicate Powerpack "{name}" (first at line {seen[name][0].line})'
            )
            return None
        return name

    def powerpack(self, name: str, key: Node, body: Node) -> Spec:
        path = join("powerpacks", name)
        if isinstance(body, ScalarNode) and scalar(body)[0] == "null":
            return {}
        if not isinstance(body, MappingNode) and name in POWERPACK_KEYS:
            self.add(
                key, path, f'"{name}" is a field, not a Powerpack: indent it under a Powerpack'
            )
            return {}
        if not isinstance(body, MappingNode):
            self.add(body, path, f"must be a mapping of fields, or empty; found {describe(body)}")
            return {}
        return self.fields(body, path, False)

    def fields(self, node: Node, path: str, is_defaults: bool) -> Spec:
        """The managed fields of a Powerpack or of `defaults`; cells as "number_priority.US.SMS"."""
        if is_defaults and isinstance(node, ScalarNode) and scalar(node)[0] == "null":
            return {}
        allowed = DEFAULTS_KEYS if is_defaults else POWERPACK_KEYS
        unknown = defaults_unknown if is_defaults else powerpack_unknown
        spec: Spec = {}
        for key, (_, value) in self.mapping(node, path, allowed, unknown).items():
            where = join(path, key)
            if key == "number_priority":
                spec.update(self.priority(value, where))
                continue
            read = {
                "sticky_sender": self.boolean,
                "local_connect": self.boolean,
                "application": self.application,
                "renamed_from": self.name,
            }[key]
            result = read(value, where)
            if result is not None:
                spec[key] = (result, self.loc(value))
        return spec

    def renames(self, specs: dict[str, tuple[Loc, Spec]]) -> None:
        """`renamed_from` must name no Powerpack of this file, and each old name only once."""
        used: dict[str, str] = {}
        for name, (_, spec) in specs.items():
            if "renamed_from" not in spec:
                continue
            old, loc = spec["renamed_from"]
            path = join(join("powerpacks", name), "renamed_from")
            if old == name:
                message = "is this Powerpack's own name: remove renamed_from"
            elif old in specs:
                line = specs[old][0].line
                message = f'"{old}" is also a Powerpack in this file (line {line}): '
                message += "a name cannot be both kept and renamed"
            elif old in used:
                line = specs[used[old]][1]["renamed_from"][1].line
                message = f'"{old}" is already renamed to "{used[old]}" (line {line})'
            else:
                used[old] = name
                continue
            self.problems.append(Problem(self.file, loc.line, loc.col, path, message))


def _misspelled(root: MappingNode, key: str) -> bool:
    """Whether some unknown root key is a misspelling of `key` (already reported as such)."""
    return any(
        isinstance(k, ScalarNode) and k.value != key and suggest(str(k.value), ROOT_KEYS) == key
        for k, _ in root.value
    )


def _desired(name: str, loc: Loc, spec: Spec) -> DesiredPowerpack:
    """One Powerpack from its merged fields (defaults first, its own on top)."""
    matrix = {
        key.split(".", 1)[1]: value
        for key, (value, _) in spec.items()
        if key.startswith("number_priority.")
    }
    values = {key: value for key, (value, _) in spec.items() if "." not in key}
    return DesiredPowerpack(
        name=name,
        number_priority=matrix,
        loc=loc,
        field_locs={key: where for key, (_, where) in spec.items()},
        **values,
    )
