"""Property tests: any text gives a Manifest or a located ManifestError, and random structures are
accepted exactly when the published JSON Schema and the cross-Powerpack rules accept them."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.core.models import AppLink, Guards, Manifest, Member
from reconciler.errors import ManifestError
from reconciler.manifest import name_warning, parse_manifest, powerpack_name_problem
from reconciler.manifest.schemafile import manifest_json_schema
from reconciler.manifest.yamlerrors import LINE_BREAK

QUICK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
SENDERS = ("shortcode", "tollfree", "longcode")
FRAGMENTS = [
    "version: 1\n", "powerpacks:\n", "defaults:\n", "prune: true\n", "  a:\n", "  b: {}\n",
    "    sticky_sender: true\n", "    local_connect: no\n", "    application: none\n",
    "    application: {type: xml, name: x}\n", "    number_priority:\n",
    "      US: {SMS: [shortcode, tollfree, longcode]}\n", "    renamed_from: b\n",
    "    numbers: [14155550100, {number: '+14155550101', service: mms}]\n",
    "    tollfree: ['18885550199']\n", "    shortcodes: [72345]\n", "    protect: true\n",
    "guards: {max_touched_percent: 30}\n", "account: MA0123456789ABCDEFGH\n", "- ", ": ", "\t",
    " ", "\n", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!str ", "!tag ", '"', "'", "#",
    "---\n", "? ", "|\n", "\\", "%YAML 1.2\n", "\x00", "\ufeff", "é", "~", "0x1F", "1.5", "",
]  # fmt: skip


def check(text: str) -> Manifest | None:
    """Parse; only a ManifestError with sane positions may come out."""
    try:
        return parse_manifest(text, "p.yaml")
    except ManifestError as e:
        assert e.problems, "a ManifestError always says what is wrong"
        lines = len(LINE_BREAK.split(text))
        for p in e.problems:
            assert 1 <= p.line <= lines and p.col >= 1 and p.file == "p.yaml", str(p)
            assert str(p).startswith(f"p.yaml:{p.line}:{p.col}: ")
        return None


@QUICK
@given(st.text())
def test_any_text(text: str) -> None:
    check(text)


@QUICK
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_yaml_like_text(text: str) -> None:
    check(text)


# --- random structures against the schema and an independent oracle -------------------------------


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a valid value, sometimes a wrong one: keeps whole manifests valid often enough."""
    return st.one_of(good, good, good, good, good, bad)


odd_names = st.text(alphabet="ab -.é\t\u00a0", max_size=4)
# Names a Powerpack may have without a warning, or may not have at all ("", "\t"). The names that
# are accepted with a warning have their own property below (shared strategies stay warning-free:
# tests/reliability expects a valid file to print nothing on stderr).
odd_keys = odd_names.filter(lambda n: powerpack_name_problem(n) is not None or not name_warning(n))
names = mostly(st.sampled_from(["a", "b", "c", "x y", "2024"]), odd_keys)
WARNED = [" a", "b ", "ops\u200b", "p\u0430yments", "cafe\u0301", "a\tb", "x\u2028y", "\u202eadmin"]
warned_names = st.sampled_from(WARNED)
# JSON Schema counts 1.0 as an integer, YAML does not (see BEYOND_SCHEMA in test_schema.py).
floats = st.floats(allow_nan=False).filter(lambda f: not f.is_integer())
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | floats | odd_names,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_keys, inner, max_size=3),
    max_leaves=6,
)
text_value = mostly(names | st.integers(0, 99), st.integers(-1, 0) | junk)
# Application ids and names are strict: " a" is an error there (never a warning).
app_text = mostly(names | st.integers(0, 99), odd_names | st.integers(-1, 0) | junk)
bad_order = st.lists(st.sampled_from([*SENDERS, "Longcode"]), max_size=4) | junk
order = mostly(st.permutations(SENDERS).map(list), bad_order)
services = mostly(st.sampled_from(["SMS", "MMS"]), st.sampled_from(["sms", "RCS"]))
cells = mostly(st.dictionaries(services, order, max_size=2), junk)
countries = mostly(st.sampled_from(["US", "CA"]), st.sampled_from(["us", "GB"]))
priority = mostly(st.dictionaries(countries, cells, max_size=2), junk)
app_type = mostly(st.sampled_from(["xml", "phlo", "XML", "Phlo"]), st.just("sip") | junk)
app_mapping = st.fixed_dictionaries(
    {"type": app_type}, optional={"id": app_text, "name": app_text}
) | st.fixed_dictionaries({}, optional={"id": app_text, "url": junk})
application = mostly(st.just("none") | app_mapping, st.sampled_from(["None", None]) | junk)
common = {
    "sticky_sender": mostly(st.booleans(), junk),
    "local_connect": mostly(st.booleans(), junk),
    "application": application,
    "number_priority": priority,
}
# Pool members: a few numbers, so that one declared twice (an error) happens now and then.
long_codes = st.sampled_from(["14155550100", "14155550101", "+14155550102", "442071838750"])
bad_numbers = st.sampled_from(["415-555-0100", "04155550100", "1415555", "1-800-FLOWERS", ""])
number = mostly(long_codes | st.integers(10**9, 10**9 + 3), bad_numbers | junk)
service = mostly(st.sampled_from(["sms", "mms"]), st.sampled_from(["SMS", "fax"]) | junk)
entry = st.fixed_dictionaries({"number": number}, optional={"service": service})
tollfree_number = mostly(st.sampled_from(["18885550199", "18005550123"]), bad_numbers | junk)
shortcode = mostly(
    st.sampled_from(["72345", "123"]) | st.integers(100, 99_999_999),
    st.sampled_from(["+72345", "12", "123456789"]) | junk,
)
members = {
    "numbers": mostly(st.lists(number | entry, max_size=3), junk),
    "tollfree": mostly(st.lists(tollfree_number, max_size=2), junk),
    "shortcodes": mostly(st.lists(shortcode, max_size=2), junk),
    "protect": mostly(st.booleans(), junk),
}
guard_keys = ("max_touched_percent", "min_managed", "max_pool_removals")
guard = mostly(st.integers(0, 100), st.integers(101, 10**4) | st.integers(-9, -1) | junk)
guards = mostly(st.fixed_dictionaries({}, optional=dict.fromkeys(guard_keys, guard)), junk)
auth_id = st.sampled_from(["MA0123456789ABCDEFGH", "SA0123456789ABCDEFGH"])
bad_auth_id = st.sampled_from(["ma0123456789abcdefgh", "MA0123", "XX0123456789ABCDEFGH"])
account = mostly(
    auth_id | st.lists(auth_id, min_size=1, max_size=2), bad_auth_id | st.just([]) | junk
)

fields = mostly(st.fixed_dictionaries({}, optional=common), st.none() | junk)
powerpack = st.none() | st.fixed_dictionaries(
    {}, optional={**common, "renamed_from": text_value, **members}
)
near_valid = st.fixed_dictionaries(
    {"version": st.just(1), "powerpacks": st.dictionaries(names, powerpack, max_size=4)},
    optional={
        "prune": mostly(st.booleans(), junk),
        "defaults": fields,
        "guards": guards,
        "account": account,
    },
)
wild = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 2, "1", None]),
        "defaults": fields,
        "powerpacks": st.dictionaries(names, powerpack | junk, max_size=4) | junk,
        "powerpack": junk,
        "colour": junk,
        "guards": junk,
        "account": junk,
    },
)
manifests = mostly(near_valid, wild)


def render(data: Any, style: str) -> str:
    if style.startswith("json"):
        return json.dumps(data, ensure_ascii=style == "json-ascii")
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = style == "flow"
    yaml.sort_base_mapping_type_on_output = False  # keep the file order the test compares
    yaml.dump(data, out)
    return out.getvalue()


def renames_ok(data: dict[str, Any]) -> bool:
    """The cross-Powerpack rules, written independently of the walker."""
    pps = data.get("powerpacks") or {}
    olds = [str(s["renamed_from"]) for s in pps.values() if s and "renamed_from" in s]
    return len(olds) == len(set(olds)) and not set(olds) & set(pps)


def member_number(item: Any) -> str:
    return str(item["number"] if isinstance(item, dict) else item).removeprefix("+")


def members_ok(data: dict[str, Any]) -> bool:
    """A number or short code is declared once in the whole manifest."""
    pps = data.get("powerpacks") or {}
    declared = [
        member_number(item)
        for spec in pps.values()
        for kind in ("numbers", "tollfree", "shortcodes")
        for item in ((spec or {}).get(kind) or [])
    ]
    return len(declared) == len(set(declared))


def expected_app(spec: Any) -> AppLink:
    if spec == "none":
        return AppLink(kind="none")
    pick = {k: str(spec[k]) for k in ("id", "name") if k in spec}
    return AppLink(kind=spec["type"].lower(), **pick)


def check_meaning(data: dict[str, Any], manifest: Manifest) -> None:
    """Defaults merged field by field and cell by cell, the Powerpack's own values winning."""
    defaults = data.get("defaults") or {}
    pps = data.get("powerpacks") or {}
    assert list(manifest.powerpacks) == list(pps)
    for name, own in pps.items():
        spec, got = {**defaults, **(own or {})}, manifest.powerpacks[name]
        assert got.sticky_sender == spec.get("sticky_sender")
        assert got.local_connect == spec.get("local_connect")
        assert got.application == (
            expected_app(spec["application"]) if "application" in spec else None
        )
        assert got.renamed_from == (
            str(own["renamed_from"]) if own and "renamed_from" in own else None
        )
        matrix = {}
        for source in (defaults, own or {}):
            for country, services in (source.get("number_priority") or {}).items():
                for service, cell in services.items():
                    matrix[f"{country}.{service}"] = tuple(cell)
        assert got.number_priority == matrix
        own = own or {}
        expected_numbers = None
        if "numbers" in own:
            expected_numbers = tuple(
                Member(number=member_number(i), service=i.get("service", "sms"))
                if isinstance(i, dict)
                else Member(number=member_number(i))
                for i in own["numbers"]
            )
        assert got.numbers == expected_numbers
        for kind in ("tollfree", "shortcodes"):
            expected = tuple(map(member_number, own[kind])) if kind in own else None
            assert getattr(got, kind) == expected
        assert got.protect is own.get("protect", False)
    assert manifest.guards == Guards(**data.get("guards", {}))
    pin = data.get("account", ())
    assert manifest.account == ((pin,) if isinstance(pin, str) else tuple(pin))


def agree(data: dict[str, Any], style: str) -> None:
    schema_ok = jsonschema.Draft202012Validator(manifest_json_schema()).is_valid(data)
    manifest = check(render(data, style))
    rules_ok = schema_ok and renames_ok(data) and members_ok(data)  # the rules read valid data
    assert (manifest is not None) == rules_ok, (data, style)
    if manifest is not None:
        check_meaning(data, manifest)


@QUICK
@given(manifests, st.sampled_from(["json", "block", "flow"]))
def test_random_structures_agree_with_schema(data: dict[str, Any], style: str) -> None:
    agree(data, style)


@pytest.mark.slow
@LONG
@given(manifests, st.sampled_from(["json", "block", "flow"]))
def test_random_structures_agree_with_schema_long(data: dict[str, Any], style: str) -> None:
    agree(data, style)


@pytest.mark.slow
@LONG
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=60).map("".join))
def test_yaml_like_text_long(text: str) -> None:
    check(text)


@QUICK
@given(
    st.dictionaries(names | warned_names, st.none() | st.just({"renamed_from": "old"}), max_size=4),
    # Not raw JSON: libyaml reads a raw U+2028 in a quoted key as a line break (YAML 1.1 does).
    st.sampled_from(["json-ascii", "block", "flow"]),
)
def test_odd_names_are_accepted_with_a_located_warning(pps: dict[str, Any], style: str) -> None:
    """Any name but an empty or blank one is a valid key (the schema agrees); each name likely not
    meant as written earns one warning, at its key, and the others none."""
    data = {"version": 1, "powerpacks": pps}
    if sum(1 for s in pps.values() if s) > 1:
        data["powerpacks"] = {n: None for n in pps}  # one `renamed_from: old` at most
    manifest = check(render(data, style))
    schema_ok = jsonschema.Draft202012Validator(manifest_json_schema()).is_valid(data)
    assert (manifest is not None) == schema_ok
    if manifest is None:
        return
    warned = {w.path for w in manifest.warnings}
    odd = {n for n in data["powerpacks"] if n in WARNED}
    assert len(warned) == len(odd) == len(manifest.warnings)
    assert all(w.message.startswith("the Powerpack name ") for w in manifest.warnings)
