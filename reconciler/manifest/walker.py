"""The manifest: YAML file -> validated `Manifest`, every problem located, all reported at once.

One pass, four steps:

1. `yamlnodes.compose`: the YAML nodes, with the line and column of every key and value.
2. `reader.NodeReader.read`: the file models' input, built from the nodes along the models'
   shapes; what data cannot carry (duplicate keys, non-string names) is reported there.
3. `ManifestFile.model_validate` (`schema.py`, the one declaration of the format) judges it, and
   `messages.located` tells each error at its node, with its hints.
4. The rules across Powerpacks, which no schema can say (a rename claiming a kept name, a number
   in two pools), then the `Manifest`, with its warnings (Powerpack names likely not meant as
   written: see names.py).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from reconciler.core.models import AppLink, DesiredPowerpack, Guards, Loc, Manifest, Member
from reconciler.core.vocab import DEFAULT_SERVICE, KINDS
from reconciler.errors import FileError, ManifestError, Problem
from reconciler.files import MiB, read_regular
from reconciler.manifest.located import Where, located
from reconciler.manifest.messages import shown_path, unknown_key
from reconciler.manifest.names import name_warning, powerpack_name_problem, shown
from reconciler.manifest.reader import MAX_PROBLEMS, NodeReader, Path
from reconciler.manifest.schema import ApplicationRef, ManifestFile, PowerpackSpec
from reconciler.manifest.shapes import ROOT, Key, Shape
from reconciler.manifest.values import digits_as_written
from reconciler.manifest.yamlerrors import shorten
from reconciler.manifest.yamlnodes import compose, describe, scalar

SUPPORTED_VERSION = ManifestFile.SUPPORTED_VERSION
# The top level alone: each known key's value is read as a scalar and no deeper.
_TOP_LEVEL = Shape(
    "model",
    model=ManifestFile,
    fields={k: Key(k, Shape("leaf"), f.required) for k, f in ROOT.fields.items()},
)
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
    return _Walker(path, text).manifest(root, sha256)


class _Walker(NodeReader):
    """Reads the document, validates it with the file models, checks what spans Powerpacks."""

    def manifest(self, root: Node, sha256: str) -> Manifest:
        if not isinstance(root, MappingNode):
            found = describe(root)
            message = f"a manifest is a mapping with `version:` and `powerpacks:`; found {found}"
            raise ManifestError([Problem(self.file, *at_(root), "", message)])
        self.version_gate(root)
        data = self.read(root, ROOT, ())
        bad: set[Path] = set()  # the data paths with an error at them or under them
        try:
            file: ManifestFile | None = ManifestFile.model_validate(data)
        except ValidationError as e:
            errors: list[dict[str, Any]] = e.errors(include_url=False)  # type: ignore[assignment]
            room = self.room
            self.problems += located(errors[:room], self.slots, self.file, self.end)
            self.dropped += max(0, len(errors) - room)
            for err in errors:
                path = Where(tuple(err["loc"])).path
                bad.update(path[:i] for i in range(len(path) + 1))
            file = None
        self.renames(data, bad)
        self.members(data, bad)
        if self.dropped:
            more = f"and {self.dropped:,} more problems, not shown: fix the first {MAX_PROBLEMS:,} "
            self.problems.append(Problem(self.file, *self.end, "", more + "and validate again"))
        warnings = self.warnings(data)
        if self.problems or file is None:
            raise ManifestError(self.problems, warnings)
        return self.build(file, sha256, warnings)

    def version_gate(self, root: MappingNode) -> None:
        """A file of another (future) format is not read past its top level: its rules may
        differ. Its top-level keys are still checked (a misspelled `powerpacks` is one)."""
        top = self.fields(root, _TOP_LEVEL, ())
        node = self.slots.get(("version",), (None, None))[1]
        kind, value = scalar(node) if isinstance(node, ScalarNode) else ("", None)
        if kind == "int" and value != SUPPORTED_VERSION and isinstance(node, ScalarNode):
            message = f"unsupported version {shorten(node.value)}: this tool reads version 1"
            self.add(node, "version", message)
            for key in top:
                if key not in ROOT.fields:
                    key_node = self.slots[(key,)][0]
                    assert key_node is not None
                    self.add(key_node, shown_path((key,)), unknown_key(ManifestFile, key))
            raise ManifestError(self.problems)
        self.problems.clear()  # the whole read that follows finds these again
        self.slots.clear()

    # --- across Powerpacks ----------------------------------------------------------------------

    def _powerpacks(self, data: dict[str, Any]) -> dict[str, Any]:
        pps = data.get("powerpacks")
        return pps if isinstance(pps, dict) else {}

    def renames(self, data: dict[str, Any], bad: set[tuple[Any, ...]]) -> None:
        """`renamed_from` must name no Powerpack of this file, and each old name only once."""
        specs = self._powerpacks(data)
        used: dict[str, str] = {}
        for name, spec in specs.items():
            if not isinstance(spec, dict) or "renamed_from" not in spec:
                continue
            where = ("powerpacks", name, "renamed_from")
            old = digits_as_written(spec["renamed_from"])
            if not isinstance(old, str) or where in bad:
                continue
            if old == name:
                message = "is this Powerpack's own name: remove renamed_from"
            elif old in specs:
                line = self.line(("powerpacks", old), key=True)
                message = f'"{shorten(old, 80)}" is also a Powerpack in this file (line {line}): '
                message += "a name cannot be both kept and renamed"
            elif old in used:
                line = self.line(("powerpacks", used[old], "renamed_from"))
                message = f'"{shorten(old, 80)}" is already renamed to "{shorten(used[old], 80)}" '
                message += f"(line {line})"
            else:
                used[old] = name
                continue
            self.add(self.slots[where][1], shown_path(where), message)

    def members(self, data: dict[str, Any], bad: set[tuple[Any, ...]]) -> None:
        """A number or short code is declared once in the whole manifest."""
        first: dict[str, Path] = {}
        for name, spec in self._powerpacks(data).items():
            if not isinstance(spec, dict):
                continue
            for kind in KINDS:
                items = spec.get(kind)
                if not isinstance(items, list):
                    continue
                for i, item in enumerate(items):
                    where = ("powerpacks", name, kind, i)
                    number = _member_number(item, kind)
                    if number is None or where in bad:
                        continue
                    if number in first:
                        was = first[number]
                        line = self.line(was)
                        if was[:3] == where[:3]:
                            message = f'"{number}" is listed twice (first at line {line})'
                        else:
                            message = (
                                f'"{number}" is already in {shown_path(was[:-1])} (line {line}): '
                                "a number or short code is declared once in the manifest"
                            )
                        self.add(self.slots[where][1], shown_path(where), message)
                    else:
                        first[number] = where

    def line(self, path: Path, key: bool = False) -> int:
        key_node, node = self.slots[path]
        return at_(key_node if key and key_node is not None else node)[0]

    # --- warnings ---------------------------------------------------------------------------

    def warnings(self, data: dict[str, Any]) -> list[Problem]:
        """Located, not fatal: Powerpack names (and former names) that are likely a slip."""
        found = []
        for name, spec in self._powerpacks(data).items():
            reason = None if powerpack_name_problem(name) else name_warning(name)
            if reason:
                where: Path = ("powerpacks", name)
                message = (
                    f"the Powerpack name {shown(name)} {reason}: it is used exactly as written"
                )
                found.append(self.problem_at(where, message, key=True))
            old = spec.get("renamed_from") if isinstance(spec, dict) else None
            if isinstance(old, str) and not powerpack_name_problem(old):
                reason = name_warning(old)
                if reason:
                    where = ("powerpacks", name, "renamed_from")
                    message = f"the former name {shown(old)} {reason}: it is matched exactly"
                    found.append(self.problem_at(where, message))
        return found

    def problem_at(self, path: Path, message: str, key: bool = False) -> Problem:
        key_node, node = self.slots[path]
        line, col = min(at_(key_node if key and key_node is not None else node), self.end)
        return Problem(self.file, line, col, shown_path(path), message)

    # --- the Manifest -------------------------------------------------------------------------

    def build(self, file: ManifestFile, sha256: str, warnings: list[Problem]) -> Manifest:
        unused: dict[str, Loc] = {}  # `defaults` holds no pool members
        defaults = self.given_fields(file.defaults, ("defaults",), unused) if file.defaults else {}
        powerpacks = {}
        for name, spec in (file.powerpacks or {}).items():
            where: Path = ("powerpacks", name)
            locs: dict[str, Loc] = {}
            own = self.given_fields(spec, where, locs) if spec is not None else {}
            powerpacks[name] = self.desired(name, where, {**defaults, **own}, locs)
        account = file.account
        return Manifest(
            path=self.file,
            sha256=sha256,
            version=SUPPORTED_VERSION,
            prune=file.prune,
            prune_loc=self.value_loc(("prune",)),
            powerpacks=powerpacks,
            guards=Guards(**file.guards.model_dump()) if file.guards is not None else Guards(),
            guards_loc=self.value_loc(("guards",)),
            account=(account,) if isinstance(account, str) else tuple(account or ()),
            account_loc=self.value_loc(("account",)),
            warnings=tuple(warnings),
        )

    def members_of(
        self, spec: PowerpackSpec, where: Path, kind: str, locs: dict[str, Loc]
    ) -> tuple[Any, ...]:
        """One kind of pool members; its key's place, and each member's, go into `locs`."""
        path = (*where, kind)
        key_node = self.slots[path][0]
        assert key_node is not None
        locs[kind] = self.loc(key_node)
        members: list[Any] = []
        for i, item in enumerate(getattr(spec, kind)):
            number = item if isinstance(item, str) else item.number
            locs[f"{kind}.{number}"] = self.value_at(where, kind, i)
            if kind == "numbers":
                service: Any = DEFAULT_SERVICE if isinstance(item, str) else item.service
                members.append(Member(number=number, service=service))
            else:
                members.append(number)
        return tuple(members)

    def value_at(self, where: Path, *key: Any) -> Loc:
        """Where the value at `where` + `key` is written."""
        path = (*where, *key)
        return self.loc(self.slots[path][1])

    def value_loc(self, path: Path) -> Loc | None:
        return self.loc(self.slots[path][1]) if path in self.slots else None

    def given_fields(
        self, spec: Any, where: Path, locs: dict[str, Loc]
    ) -> dict[str, tuple[Any, Loc]]:
        """The fields a spec sets, flat and with their places: "sticky_sender", "application",
        "number_priority.US.SMS", "numbers". A key of a plain type needs nothing here; the pool
        members' own places go into `locs` ("numbers.14155550100")."""
        out: dict[str, tuple[Any, Loc]] = {}
        for key in spec.model_fields_set:
            value = getattr(spec, key)
            if key == "number_priority":
                for country, services in value:
                    for service in services.model_fields_set if services else ():
                        cell = (*where, key, country, service)
                        order = tuple(getattr(services, service))
                        out[f"{key}.{country}.{service}"] = (order, self.loc(self.slots[cell][1]))
            elif key in KINDS:
                out[key] = (self.members_of(spec, where, key, locs), locs[key])
            elif key == "application":
                link = (
                    AppLink(kind=value.type, id=value.id, name=value.name)
                    if isinstance(value, ApplicationRef)
                    else AppLink(kind="none")
                )
                out[key] = (link, self.value_at(where, key))
            else:
                out[key] = (value, self.value_at(where, key))
        return out

    def desired(
        self, name: str, where: Path, fields: dict[str, tuple[Any, Loc]], locs: dict[str, Loc]
    ) -> DesiredPowerpack:
        """One Powerpack from its fields, `defaults` first and its own on top."""
        matrix = {
            key.split(".", 1)[1]: value
            for key, (value, _) in fields.items()
            if key.startswith("number_priority.")
        }
        values = {key: value for key, (value, _) in fields.items() if "." not in key}
        locs.update({key: loc for key, (_, loc) in fields.items()})
        key_node = self.slots[where][0]
        assert key_node is not None
        return DesiredPowerpack(
            name=name, number_priority=matrix, loc=self.loc(key_node), field_locs=locs, **values
        )


def at_(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _member_number(item: Any, kind: str) -> str | None:
    """The number of a list item as the models normalise it; None when it isn't one."""
    value = item.get("number") if isinstance(item, dict) and kind == "numbers" else item
    value = digits_as_written(value, plus=kind != "shortcodes")
    return value.removeprefix("+") if isinstance(value, str) else None
