"""Identity rules, written once for plan and export: which live Powerpack a manifest entry is,
which renames apply, which application a name links, and which names only look alike.

A Powerpack's identity is its name. `renamed_from: OLD` claims the live Powerpack OLD when no
live Powerpack has the new name yet. Application names are not unique in Plivo, so a name links
only when exactly one application has it.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.core.codec import app_value
from reconciler.core.models import AppLink, DesiredPowerpack, LiveApplication, LivePowerpack
from reconciler.errors import PlanError


@dataclass(frozen=True)
class Match:
    """A manifest Powerpack and the live one it stands for (None: to be created)."""

    desired: DesiredPowerpack
    live: LivePowerpack | None


def live_by_name(
    powerpacks: Iterable[LivePowerpack], step: str = "plan"
) -> dict[str, LivePowerpack]:
    """Index live Powerpacks by name; a name held twice is an error (identity is the name)."""
    seen: dict[str, list[LivePowerpack]] = {}
    for lp in powerpacks:
        seen.setdefault(lp.name, []).append(lp)
    dupes = {name: lps for name, lps in seen.items() if len(lps) > 1}
    if dupes:
        what = "; ".join(
            f"{quoted(name)} (uuids {', '.join(sorted(lp.uuid for lp in lps))})"
            for name, lps in sorted(dupes.items())
        )
        raise PlanError(f"{step}: live Powerpack names must be unique, but these repeat: {what}")
    return {name: lps[0] for name, lps in seen.items()}


def renames(
    desired: Mapping[str, DesiredPowerpack], by_name: Mapping[str, LivePowerpack]
) -> dict[str, str]:
    """New name -> old name, for each `renamed_from` that applies (new absent live, old present)."""
    found: dict[str, str] = {}
    for name, dp in sorted(desired.items()):
        old = dp.renamed_from
        if old is None or name in by_name or old not in by_name:
            continue
        if old in found.values():
            other = next(new for new, o in found.items() if o == old)
            raise PlanError(
                f"plan: {quoted(other)} and {quoted(name)} are both renamed_from "
                f"{quoted(old)}; only one can be"
            )
        found[name] = old
    return found


def moot_renames(
    desired: Mapping[str, DesiredPowerpack], by_name: Mapping[str, LivePowerpack]
) -> list[tuple[str, str]]:
    """(new, old) for each `renamed_from` ignored because both names exist live."""
    return [
        (name, dp.renamed_from)
        for name, dp in sorted(desired.items())
        if dp.renamed_from is not None and name in by_name and dp.renamed_from in by_name
    ]


def match_all(
    desired: Mapping[str, DesiredPowerpack], by_name: Mapping[str, LivePowerpack]
) -> tuple[list[Match], set[str]]:
    """Pair each manifest Powerpack with its live one; return the pairs and the live names used."""
    found = renames(desired, by_name)
    freed = set(found.values())  # renamed away first: a manifest entry of that name is a create
    matches = []
    for name, dp in sorted(desired.items()):
        if name in found:
            matches.append(Match(dp, by_name[found[name]]))
            continue
        if name in freed and dp.renamed_from is not None:
            raise PlanError(
                f"plan: {quoted(name)} is renamed_from {quoted(dp.renamed_from)} while live "
                f"{quoted(name)} is itself being renamed: chained renames need two applies"
            )
        matches.append(Match(dp, by_name.get(name) if name not in freed else None))
    claimed = set(found.values()) | {n for n in desired if n in by_name}
    return matches, claimed


def pending(
    desired: Mapping[str, DesiredPowerpack], by_name: Mapping[str, LivePowerpack]
) -> tuple[list[str], list[tuple[str, str]]]:
    """What a manifest still asks of the account: (creates, renames as (old, new))."""
    found = renames(desired, by_name)
    creates = sorted(n for n in desired if n not in by_name and n not in found)
    return creates, [(old, new) for new, old in sorted(found.items())]


# --- applications -------------------------------------------------------------------------------


def resolve_app(app: AppLink, apps: tuple[LiveApplication, ...] | None) -> dict[str, str] | None:
    """The application value a link stands for; a name is looked up in the Application list.

    Raises ValueError with the reason (no such name, with close matches; several; not read).
    """
    if app.kind == "none":
        return None
    if app.id is not None:
        return app_value(app.kind, app.id)
    if apps is None:
        raise ValueError(
            f"application {app.name!r} is named, but the Application list was not read"
        )
    found = [a for a in apps if a.app_name == app.name]
    if not found:
        close = difflib.get_close_matches(str(app.name), sorted({a.app_name for a in apps}), n=3)
        hint = f": did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"no application named {app.name!r} in the account{hint}")
    if len(found) > 1:
        ids = ", ".join(sorted(a.app_id for a in found))
        raise ValueError(
            f"{len(found)} applications are named {app.name!r} (ids {ids}); link it by id instead"
        )
    return app_value(app.kind, found[0].app_id)


def unique_app_name(app_id: str, apps: tuple[LiveApplication, ...] | None) -> str | None:
    """The name of application `app_id` if exactly one application has it, else None."""
    apps = apps or ()
    names = [a.app_name for a in apps if a.app_id == app_id]
    if len(names) != 1 or sum(a.app_name == names[0] for a in apps) != 1:
        return None
    return names[0]


def app_names(app_id: str, apps: tuple[LiveApplication, ...] | None) -> list[str]:
    """Every name the Application list gives this id (for display)."""
    return sorted(a.app_name for a in apps or () if a.app_id == app_id)


# --- names that only look alike -------------------------------------------------------------------

_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")  # the scripts whose letters pass for one another
_WORD = re.compile(r"[^\W\d_]+")  # runs of letters (combining marks excluded: they are \W)
_DRAWN_WORD = re.compile(r"[^\W\d_]+(?:[^\w\s]+[^\W\d_]+)*")  # words, with what joins them
# Letters of other scripts drawn like Latin ones (lower case: skeletons are case-folded), which
# Unicode's confusables data leaves out (it maps capitals and a few small letters only).
_CURATED = str.maketrans(
    {
        **dict(
            zip(
                "\u0430\u0432\u0435\u0455\u0456\u0458\u043a\u043c\u043d\u043e"
                "\u0440\u0441\u0442\u0443\u0445\u0501\u051b\u051d\u04bb\u04cf",
                "abesijkmhopctyxdqwhl",
                strict=True,
            )
        ),  # Cyrillic
        **dict(
            zip(
                "\u03b1\u03b2\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
                "abeikvoptux",
                strict=True,
            )
        ),  # Greek
        "\u0131": "i",  # dotless i
        "\u0237": "j",  # dotless j
        **dict(zip("\u0585\u057d\u0570\u0578", "ouhn", strict=True)),  # Armenian
        **dict(zip("\u0251\u0261\u0269\u028b", "agiu", strict=True)),  # Latin IPA letters
        **dict(
            zip("\u1d00\u1d04\u1d0f\u1d1c\u1d20\u1d21\u1d22\ua731", "acouvwzs", strict=True)
        ),  # small capitals
    }
)


@functools.lru_cache(maxsize=1)
def _confusable() -> dict[int, str]:
    """Every character Unicode's confusables data (TR39, through confusable-homoglyphs) says is
    drawn like ASCII, mapped to that ASCII in lower case (a letter preferred), plus the curated
    letters above. Loaded on the first name that is not plain ASCII."""
    from confusable_homoglyphs.utils import load

    table: dict[int, str] = {}
    for char, glyphs in load("confusables.json").items():
        if len(char) != 1 or char.isascii():
            continue
        drawn = [g["c"] for g in glyphs if g["c"].isascii() and g["c"].isprintable()]
        drawn = [d for d in drawn if d.strip()]
        if drawn:
            table[ord(char)] = min(drawn, key=lambda d: (not d.isalpha(), len(d), d)).lower()
    table.update(_CURATED)
    return table


# Characters Unicode draws as nothing (Default_Ignorable_Code_Point) or as a blank that is not
# a category-Z space: a name holding one looks like the name without it.
_BLANK = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0}
_BLANK_RANGES = (
    (0x180B, 0x180F),
    (0xFE00, 0xFE0F),
    (0xE0100, 0xE01EF),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
)


def is_invisible(char: str) -> bool:
    """Control, format, line/paragraph separators, non-ASCII spaces, variation selectors."""
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return True
    if category == "Zs" and char != " ":
        return True  # a space that is not the space bar's
    code = ord(char)
    return code in _BLANK or any(low <= code <= high for low, high in _BLANK_RANGES)


def _script(char: str) -> str | None:
    prefix = unicodedata.name(char, "").split(" ", 1)[0]
    return prefix if prefix in _SCRIPTS else None


def _mixed_word(name: str) -> str | None:
    """`Latin and Cyrillic letters in one word (U+0430 CYRILLIC SMALL LETTER A)` for "payments"
    spelled with a Cyrillic a: the letter shown is one of the script used least."""
    for word in _WORD.findall(name):
        if word.isascii():
            continue
        scripts = [s for s in map(_script, word) if s]
        if len(set(scripts)) > 1:
            rare = min(_SCRIPTS, key=lambda s: scripts.count(s) or len(word) + 1)
            odd = next(c for c in word if _script(c) == rare)
            names = " and ".join(s.title() for s in _SCRIPTS if s in scripts)
            return f"{names} letters in one word (U+{ord(odd):04X} {unicodedata.name(odd)})"
    return None


def name_hazards(name: str) -> list[str]:
    """Why a name may not read as what it is (empty: it reads as it is). Cheap for plain names.

    One rule for the manifest's warnings, export's warnings and how plans show names."""
    if name.isascii() and name.isprintable() and name == name.strip():
        return []
    reasons = []
    if name != name.strip():
        reasons.append("starts or ends with whitespace")
    if any(is_invisible(c) for c in name.strip()):
        reasons.append("holds invisible characters (control, format or non-ASCII space)")
    if unicodedata.normalize("NFC", name) != name:
        reasons.append("holds combining marks that NFC normalisation would change")
    elif any(not (c.isascii() or is_invisible(c)) and unicodedata.normalize("NFKC", c) != c
             for c in name):  # fmt: skip
        reasons.append("uses compatibility forms of characters (fullwidth, styled)")
    drawn, mixed = _latin_look_word(name), _mixed_word(name)
    if mixed:
        reasons.append(f"mixes {mixed}")
    elif drawn:
        reasons.append(f"has characters drawn like ASCII ones ({drawn})")
    return reasons


def _latin_look_word(name: str) -> str | None:
    """ "order" with an Armenian oh (U+0585), "git" with a script g (U+0261), "code" spelled all
    in Cyrillic (U+0441 U+043E U+0501 U+0435), "alerts-eu" with a Unicode hyphen (U+2010): a word
    whose every character is ASCII or drawn like an ASCII letter (or, between letters, like ASCII
    punctuation) reads as the ASCII word, whatever the scripts. (A Russian word with a letter no
    Latin one looks like reads as itself.)"""
    table = _confusable()
    for word in _DRAWN_WORD.findall(name):
        odd = [c for c in word if not c.isascii()]
        folded = "".join(odd).casefold()  # casefold may give two letters for one (U+FB01)
        if odd and all(c.isascii() or _drawn_as(table, c) for c in folded):
            first = odd[0]
            plain = word.casefold().translate(table)
            return f"U+{ord(first):04X} {unicodedata.name(first, '?')}: reads as {plain!r}"
    return None


def _drawn_as(table: dict[int, str], char: str) -> bool:
    """A letter drawn like an ASCII letter; any other character drawn like ASCII."""
    drawn = table.get(ord(char))
    return drawn is not None and (drawn.isalpha() or not char.isalpha())


def show_name(name: str) -> str:
    """A name as messages and plans show it: as is, or quoted with every non-ASCII or invisible
    character escaped (\\u200b) when it could be mistaken for another."""
    if not name_hazards(name):
        return name
    escaped = "".join(c if " " <= c <= "~" and c not in '"\\' else _escape(c) for c in name)
    return f'"{escaped}"'


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def quoted(name: str) -> str:
    """A name inside a message: 'name', or its escaped form when it could be mistaken."""
    return show_name(name) if name_hazards(name) else repr(name)


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def skeleton(name: str) -> str:
    """What a name reduces to once invisible characters, Unicode compatibility forms, case,
    surrounding blanks and look-alike letters of other scripts are set aside."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if not is_invisible(c) or c.isspace())
    text = unicodedata.normalize("NFKC", text.casefold())
    if not text.isascii():
        text = text.translate(_confusable())
    return " ".join(text.split())


def close_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Candidates close to `name` (a typo, or a look-alike), closest first."""
    pool = list(candidates)
    same = [c for c in pool if c != name and skeleton(c) == skeleton(name)]
    return (same + difflib.get_close_matches(name, [c for c in pool if c not in same], n=n))[:n]


def lookalikes(creates: Iterable[str], others: Iterable[str]) -> list[tuple[str, str]]:
    """(created, other) pairs of distinct names with one skeleton."""
    by_skeleton: dict[str, list[str]] = {}
    for name in others:
        by_skeleton.setdefault(skeleton(name), []).append(name)
    return [
        (new, old)
        for new in sorted(creates)
        for old in sorted(by_skeleton.get(skeleton(new), []))
        if old != new
    ]
