"""Class 5: look-alike names.

Live Powerpacks whose names only look like the manifest's (NFD, blanks, invisible characters,
letters of other scripts, fullwidth, IPA letters and small capitals...) against a manifest of
the plain forms with `prune: true`: a plan that deletes one and creates its look-alike is refused
(exit 1, naming both, escaped, suggesting renamed_from), on plan and apply, with or without
--allow-delete, with or without --target, and nothing is written. With prune off, text and
Markdown show the difference, escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.core.identity import show_name, skeleton
from reconciler.core.models import DesiredPowerpack, LivePowerpack, LiveState, Manifest
from reconciler.core.planner import plan
from reconciler.errors import PlanError
from tests.support.accounts import pp
from tests.support.world import World, world_at

# live look-alike -> the plain name the manifest has
PAIRS = {
    "cafe\u0301": "caf\u00e9",  # NFD against NFC
    "alerts ": "alerts",  # trailing space
    " leading": "leading",
    "on\u00a0call": "on call",  # NBSP
    "two  spaces": "two spaces",
    "ops\u200b": "ops",  # zero-width space
    "zw\u200djoin": "zwjoin",
    "word\u2060joiner": "wordjoiner",
    "\ufeffbom": "bom",
    "bil\u00adling": "billing",  # soft hyphen
    "\u200fsupport": "support",  # RTL mark
    "\u202eflip": "flip",  # RTL override
    "\u200eltr": "ltr",
    "p\u0430yments": "payments",  # Cyrillic a
    "\u0441\u043e\u0501\u0435": "code",  # all Cyrillic
    "hell\u03bf": "hello",  # Greek omicron
    "\u03b1lpha": "alpha",
    "\uff46\uff55\uff4c\uff4c": "full",  # fullwidth
    "\U0001d42f\U0001d428\U0001d42d\U0001d41e": "vote",  # mathematical bold
    "\ufb01les": "files",  # ligature
    "cgj\u034fname": "cgjname",  # combining grapheme joiner
    "hangul\u3164": "hangul",  # Hangul filler
    "braille\u2800": "braille",  # Braille blank
    "vs\ufe0f": "vs",  # variation selector
    "\u0585rder": "order",  # Armenian oh
    "\u0261it": "git",  # Latin script g
    "\u1d0fwn": "own",  # small capital o
    "UPPER": "upper",  # case
    "idea\u3000space": "idea space",  # ideographic space
    "alerts\u2010eu": "alerts-eu",  # Unicode hyphen
    "ops\u2013eu": "ops-eu",  # en dash
    "minus\u2212one": "minus-one",  # minus sign
    "\u13aaudit": "audit",  # Cherokee letter go, drawn as A
    "dot\u2024leader": "dot.leader",  # one dot leader
    "quote\u2019s": "quote's",  # right single quotation mark
}


def manifest_text(prune: bool = True) -> str:
    lines = [f"  {json.dumps(plain)}: {{}}" for plain in PAIRS.values()]
    return f"version: 1\nprune: {str(prune).lower()}\npowerpacks:\n" + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def lookalike_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = world_at(tmp_path_factory.mktemp("lookalikes"), [pp(n) for n in PAIRS])
    yield w
    w.sb.stop()


def assert_refused_naming_each_pair(w: World, *args: str) -> str:
    w.sb.clear_journal()
    r = w.invoke(*args)
    assert r.code == 1, (args, r.code, r.out[-1500:], r.err[-1500:])
    assert "Traceback" not in r.err
    assert "refusing to delete and re-create look-alike Powerpacks" in r.err, r.err
    for live, plain in PAIRS.items():
        line = next(
            (
                ln
                for ln in r.err.splitlines()
                if f"delete {show_name(live)}" in ln or f"delete {live!r}" in ln
            ),
            None,
        )
        assert line is not None, (live, r.err)
        assert "renamed_from" in line and (plain in line or plain.lower() in line.lower()), line
        if not live.isascii():  # shown escaped, never raw (ASCII blanks are shown quoted)
            assert live not in line, (live, line)
    assert w.writes() == []
    return r.err


COMMANDS = {
    "plan": ["plan"],
    "plan markdown": ["plan", "--format", "markdown"],
    "plan json --out": ["plan", "--format", "json", "--out", "p.json"],
    "apply": ["apply", "--auto-approve"],
    "apply --allow-delete": ["apply", "--auto-approve", "--allow-delete", "--allow-mass-change"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_delete_and_create_of_look_alikes_is_refused(lookalike_world, command: str) -> None:
    w = lookalike_world
    w.write(manifest_text())
    assert_refused_naming_each_pair(w, *COMMANDS[command])
    assert not (w.cwd / "p.json").exists()


@pytest.mark.parametrize("half", ["delete", "create"])
@pytest.mark.parametrize("live", ["ops\u200b", "p\u0430yments", "alerts ", "\u0261it"])
def test_targeting_one_half_of_the_pair_is_refused_too(lookalike_world, live: str, half: str):
    w = lookalike_world
    w.write(manifest_text())
    target = live if half == "delete" else PAIRS[live]
    w.sb.clear_journal()
    for args in (["plan", "--target", target, "--out", "t.json"],):
        r = w.invoke(*args)
        assert r.code == 1, (r.out, r.err)
        assert "look-alike" in r.err and "renamed_from" in r.err
        assert not (w.cwd / "t.json").exists()
    assert w.writes() == []


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_without_prune_the_plan_shows_the_look_alike_escaped(lookalike_world, fmt: str) -> None:
    w = lookalike_world
    w.write(manifest_text(prune=False))
    r = w.invoke("plan", "--format", fmt)
    assert r.code == 0, r.err
    text = " ".join(r.out.split())  # the text renderer wraps long warnings
    for live, plain in PAIRS.items():
        if live.lower() == plain:  # case: a name shown as it is ("UPPER")
            assert live in text
            continue
        if live == "two  spaces":  # printable: shown quoted as it is, both blanks kept
            assert "'two  spaces'" in r.out or '"two  spaces"' in r.out, r.out
            continue
        shown = show_name(live)
        assert shown != live, live  # it is escaped...
        assert shown.replace("\\", "\\\\") in text or shown in text, (live, shown)
    for live in PAIRS:  # ...and never printed raw where it hides a character
        if not live.isascii():
            assert live not in r.out, live


@pytest.mark.parametrize(("live", "plain"), list(PAIRS.items()))
def test_the_planner_pairs_each_look_alike(live: str, plain: str) -> None:
    """In process, one pair at a time: the skeletons agree and the planner refuses."""
    assert skeleton(live) == skeleton(plain)
    state = LiveState(
        powerpacks=(LivePowerpack(uuid="u1", name=live, sticky_sender=True, local_connect=True),)
    )
    manifest = Manifest(
        path="m.yaml", sha256="0" * 64, prune=True, powerpacks={plain: DesiredPowerpack(name=plain)}
    )
    with pytest.raises(PlanError, match="look-alike") as info:
        plan(manifest, state)
    assert show_name(live) in str(info.value) or repr(live) in str(info.value)
    with pytest.raises(PlanError, match="look-alike"):
        plan(manifest, state, targets=[live])


def test_apply_reports_names_escaped(tmp_path: Path) -> None:
    """Apply's own lines (applied, failed, already applied) escape a hazardous name as well."""
    w = world_at(tmp_path, [pp("ops\u200b")])
    w.write('version: 1\npowerpacks:\n  "ops\\u200b": {sticky_sender: false}\n')
    r = w.invoke("apply", "--auto-approve")
    assert r.code == 0, r.err
    assert "ops\u200b" not in r.out + r.err
    assert '"ops\\u200b"' in r.err
    w.sb.stop()


@pytest.mark.parametrize(
    "name", ["оплата", "привет", "Müller", "naïve", "café", "日本語", "São Paulo", "o'brien"]
)
def test_a_name_that_reads_as_itself_has_no_hazard(name: str) -> None:
    """The control: words of other scripts, accents and ASCII punctuation are not look-alikes."""
    from reconciler.core.identity import name_hazards

    assert name_hazards(name) == []
    assert show_name(name) == name
