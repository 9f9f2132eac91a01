"""Valid manifests: what they mean once loaded (defaults merged, places kept, "not set" kept)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.core.models import AppLink, Guards, Loc, Member
from reconciler.manifest import load_manifest, parse_manifest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SMS = ("shortcode", "tollfree", "longcode")
LATE = ("longcode", "tollfree", "shortcode")


def load(text: str) -> dict:
    return dict(parse_manifest(text, "m.yaml").powerpacks)


def test_examples_are_present() -> None:
    names = {p.name for p in EXAMPLES}
    wanted = {"one-powerpack.yaml", "shared-defaults.yaml", "phlo-linked.yaml", "prune.yaml"}
    wanted |= {"number-pools.yaml"}
    assert wanted <= names


@pytest.mark.parametrize("path", [ROOT / "powerpacks.yaml", *EXAMPLES], ids=lambda p: p.name)
def test_example_is_valid_and_hashed(path: Path) -> None:
    manifest = load_manifest(str(path))
    assert manifest.powerpacks
    assert manifest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest.path == str(path)


def test_top_level_manifest_means_what_its_comments_say() -> None:
    m = load_manifest(str(ROOT / "powerpacks.yaml"))
    assert list(m.powerpacks) == ["marketing-us", "alerts", "support", "onboarding"]
    mk, alerts, support, onboarding = m.powerpacks.values()
    assert (mk.sticky_sender, mk.local_connect) == (True, False)  # default, then its own
    assert mk.application == AppLink(kind="xml", name="Marketing replies")
    assert set(mk.number_priority) == {"US.SMS", "US.MMS", "CA.SMS"}  # CA.MMS not managed
    assert alerts.renamed_from == "alerts-old" and alerts.application == AppLink(kind="none")
    assert support.application == AppLink(kind="phlo", id="e564a2f3-3f6b-4d0a-9a7e-2b1c2a6f0c11")
    assert (onboarding.sticky_sender, onboarding.local_connect) == (True, True)
    assert onboarding.application is None and onboarding.number_priority == {}
    assert m.prune is False and m.prune_loc is not None and m.prune_loc.line == 7


def test_defaults_merge_field_by_field_and_cell_by_cell() -> None:
    pps = load(
        "version: 1\n"
        "defaults:\n"
        "  sticky_sender: false\n"
        "  number_priority:\n"
        "    US: {SMS: [shortcode, tollfree, longcode]}\n"
        "    CA: {SMS: [shortcode, tollfree, longcode]}\n"
        "powerpacks:\n"
        "  a:\n"
        "    number_priority:\n"
        "      US: {SMS: [longcode, tollfree, shortcode], MMS: [longcode, tollfree, shortcode]}\n"
        "  b:\n"
        "    sticky_sender: true\n"
    )
    a, b = pps["a"], pps["b"]
    assert a.number_priority == {"US.SMS": LATE, "US.MMS": LATE, "CA.SMS": SMS}
    assert a.field_locs["number_priority.US.SMS"] == Loc(file="m.yaml", line=10, col=17)
    assert a.field_locs["number_priority.CA.SMS"] == Loc(file="m.yaml", line=6, col=15)
    assert a.sticky_sender is False and a.field_locs["sticky_sender"].line == 3
    assert b.sticky_sender is True and b.field_locs["sticky_sender"].line == 12
    assert b.number_priority == {"US.SMS": SMS, "CA.SMS": SMS}
    assert a.local_connect is None and "local_connect" not in a.field_locs  # not managed


def test_empty_or_null_body_inherits_defaults_only() -> None:
    pps = load("version: 1\ndefaults: {local_connect: true}\npowerpacks:\n  a:\n  b: {}\n")
    for pp in pps.values():
        assert pp.local_connect is True and pp.sticky_sender is None and pp.application is None
    assert pps["a"].loc == Loc(file="m.yaml", line=4, col=3)


def test_nothing_set_means_nothing_managed() -> None:
    (pp,) = load("version: 1\npowerpacks:\n  a: {}\n").values()
    assert (pp.sticky_sender, pp.local_connect, pp.application, pp.renamed_from) == (None,) * 4
    assert pp.number_priority == {} and pp.field_locs == {}


def test_false_is_managed_not_unset() -> None:
    (pp,) = load("version: 1\npowerpacks:\n  a: {sticky_sender: false}\n").values()
    assert pp.sticky_sender is False and "sticky_sender" in pp.field_locs


@pytest.mark.parametrize(
    ("written", "link"),
    [
        ("none", AppLink(kind="none")),
        ('{type: xml, id: "42"}', AppLink(kind="xml", id="42")),
        ("{type: XML, id: 0042}", AppLink(kind="xml", id="0042")),  # digits kept as written
        ("{type: Phlo, id: abc-1}", AppLink(kind="phlo", id="abc-1")),
        ("{type: xml, name: Marketing replies}", AppLink(kind="xml", name="Marketing replies")),
    ],
)
def test_application_forms(written: str, link: AppLink) -> None:
    (pp,) = load(f"version: 1\npowerpacks:\n  a:\n    application: {written}\n").values()
    assert pp.application == link


def test_empty_and_null_powerpacks_are_empty() -> None:
    for body in ("{}", "", "~"):
        assert parse_manifest(f"version: 1\npowerpacks: {body}\n", "m.yaml").powerpacks == {}


def test_names_keep_file_order_and_may_be_quoted_or_digits() -> None:
    pps = load('version: 1\npowerpacks:\n  "Marketing US": {}\n  2024: {}\n  zeta: {}\n  a.b: {}\n')
    assert list(pps) == ["Marketing US", "2024", "zeta", "a.b"]


def test_anchors_and_merge_keys() -> None:
    m = load_manifest(str(ROOT / "examples" / "anchors.yaml")).powerpacks
    assert m["brand-b-us"].sticky_sender is True and m["brand-b-us"].local_connect is True
    assert m["brand-b-us"].number_priority == m["brand-a-us"].number_priority
    assert set(m["brand-c-us-ca"].number_priority) == {"US.SMS", "US.MMS", "CA.SMS"}


def test_self_merging_anchor_terminates() -> None:
    pps = load("version: 1\npowerpacks:\n  a: &x {<<: *x, sticky_sender: true}\n")
    assert pps["a"].sticky_sender is True


def test_prune_and_its_place() -> None:
    m = parse_manifest("version: 1\nprune: true\npowerpacks: {}\n", "m.yaml")
    assert m.prune is True and m.prune_loc == Loc(file="m.yaml", line=2, col=8)


def test_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\r\npowerpacks:\r\n  a: {sticky_sender: true}\r\n")
    (pp,) = load_manifest(str(path)).powerpacks.values()
    assert pp.sticky_sender is True and pp.field_locs["sticky_sender"].line == 3


def test_yaml_1_2_booleans_only() -> None:
    """`yes`/`on` are strings in YAML 1.2: an error, never a silent true."""
    from reconciler.errors import ManifestError

    with pytest.raises(ManifestError, match=r"YAML 1\.2 reads yes, no, on and off as strings"):
        load("version: 1\npowerpacks:\n  a: {sticky_sender: on}\n")


# --- pool members, protection, guards, account pin ----------------------------------------------


def test_number_pools_example_means_what_its_comments_say() -> None:
    m = load_manifest(str(ROOT / "examples" / "number-pools.yaml"))
    mk, alerts, support = m.powerpacks.values()
    assert mk.numbers == (
        Member(number="14155550100"),
        Member(number="14155550101", service="mms"),
        Member(number="14155550102"),  # "+14155550102", normalised
    )
    assert (mk.tollfree, mk.shortcodes, mk.protect) == (("18885550199",), ("72345",), True)
    assert (alerts.numbers, alerts.tollfree, alerts.shortcodes) == ((), ("18885550198",), None)
    assert (support.numbers, support.tollfree, support.shortcodes) == (None, None, None)
    assert support.protect is False and "protect" not in support.field_locs
    assert m.guards == Guards() and m.guards_loc is not None and m.guards_loc.line == 8
    assert m.account == ("MA0123456789ABCDEFGH",) and m.account_loc is not None


def test_each_kind_is_managed_on_its_own_and_located() -> None:
    text = (
        "version: 1\n"
        "powerpacks:\n"
        "  a:\n"
        "    numbers:\n"
        "      - 14155550100\n"  # unquoted digits are text, as ids are
        "      - {number: +14155550101, service: mms}\n"
        "    shortcodes: []\n"
        "    protect: false\n"
    )
    (pp,) = load(text).values()
    assert pp.numbers == (Member(number="14155550100"), Member(number="14155550101", service="mms"))
    assert pp.tollfree is None and pp.shortcodes == ()
    assert (
        pp.members("numbers") == ("14155550100", "14155550101") and pp.members("tollfree") is None
    )
    assert pp.field_locs["numbers"] == Loc(file="m.yaml", line=4, col=5)  # where the key is
    assert pp.field_locs["numbers.14155550100"] == Loc(file="m.yaml", line=5, col=9)
    assert pp.field_locs["numbers.14155550101"] == Loc(file="m.yaml", line=6, col=9)
    assert pp.field_locs["shortcodes"].line == 7 and pp.field_locs["protect"].line == 8
    assert pp.protect is False


def test_guards_take_their_defaults_key_by_key() -> None:
    m = parse_manifest("version: 1\nguards: {min_managed: 0}\npowerpacks: {}\n", "m.yaml")
    assert m.guards == Guards(min_managed=0)
    assert m.guards_loc == Loc(file="m.yaml", line=2, col=9)
    m = parse_manifest("version: 1\npowerpacks: {}\n", "m.yaml")
    assert m.guards == Guards() and m.guards_loc is None


def test_account_pin_is_one_auth_id_or_a_list() -> None:
    one, sub = "MA0123456789ABCDEFGH", "SA0123456789ABCDEFGH"
    m = parse_manifest(f"version: 1\naccount: {one}\npowerpacks: {{}}\n", "m.yaml")
    assert m.account == (one,) and m.account_loc == Loc(file="m.yaml", line=2, col=10)
    m = parse_manifest(f"version: 1\naccount: [{one}, {sub}]\npowerpacks: {{}}\n", "m.yaml")
    assert m.account == (one, sub)
    assert parse_manifest("version: 1\npowerpacks: {}\n", "m.yaml").account == ()


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure"])
def test_a_colon_inside_a_flow_scalar_is_yaml_1_2(
    pure: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libyaml (YAML 1.1) refuses `{name: Replies:EU}`; YAML 1.2 and ruamel's parser read a plain
    scalar with a colon in it, and so does the manifest with either parser."""
    if pure:
        from ruamel.yaml import YAML

        import reconciler.manifest.yamlnodes as yamlnodes

        monkeypatch.setattr(yamlnodes, "YAML", lambda typ: YAML(typ=typ, pure=True))
    text = "version: 1\npowerpacks:\n  a: {application: {type: xml, name: Replies:EU:2}}\n"
    (pp,) = load(text).values()
    assert pp.application == AppLink(kind="xml", name="Replies:EU:2")
    assert pp.field_locs["application"] == Loc(file="m.yaml", line=3, col=20)


ODD_NAMES = [
    " leading", "trailing ", "two\nlines", "ops\u200b", "p\u0430yments", "cafe\u0301",
    "no\u00a0break", "tab\there", "\u202eadmin", "x\u2028y", "nel\x85", "bom\ufeff",
]  # fmt: skip


@pytest.mark.parametrize("name", ODD_NAMES, ids=ascii)
def test_odd_live_names_round_trip_with_a_warning(name: str) -> None:
    """An odd live name, written double-quoted by export's YAML writer, reads back as that very
    name, with one warning at its key: `export` can write such a Powerpack instead of refusing
    the account. (Double quotes matter: unquoted, ruamel writes NEL raw, and reading folds it.)"""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

    from reconciler.export.build import dump, new_yaml

    body = {"renamed_from": Quoted(name + "-old")}
    doc = CommentedMap(version=1, powerpacks=CommentedMap({Quoted(name): body}))
    manifest = parse_manifest(dump(doc, new_yaml()), "m.yaml")
    assert list(manifest.powerpacks) == [name]
    assert manifest.powerpacks[name].renamed_from == name + "-old"
    first, *_ = manifest.warnings
    assert first.line == 3 and first.message.startswith("the Powerpack name ")
    assert all("\n" not in w.message and "\u2028" not in w.message for w in manifest.warnings)


def test_ordinary_names_are_quiet() -> None:
    text = 'version: 1\npowerpacks:\n  "Ops": {}\n  Marketing US: {}\n  café: {}\n  "Ωμέγα": {}\n'
    assert parse_manifest(text, "m.yaml").warnings == ()


def test_a_future_version_still_gets_its_top_level_keys_checked() -> None:
    """As before the models validated: a file of another version is not read past its top
    level, but a misspelled top-level key is still told."""
    from reconciler.errors import ManifestError

    text = "version: 2\npowerpack:\n  a: {colour: blue}\nprune: 1\nprune: 2\n"
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    assert [str(p) for p in info.value.problems] == [
        "m.yaml:1:10: version: unsupported version 2: this tool reads version 1",
        'm.yaml:2:1: powerpack: unknown key "powerpack": did you mean "powerpacks"?',
        'm.yaml:5:1: prune: duplicate key "prune" (first at line 4)',
    ]
