"""Every bad manifest under cases/ fails with exactly the problems its `# expect:` lines list (and
the warnings its `# warn:` lines list); every manifest under warning_cases/ is valid, with exactly
the warnings its `# warn:` lines list."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError, Problem
from reconciler.manifest import load_manifest, parse_manifest
from reconciler.manifest.yamlnodes import compose

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
WARNING_CASES = sorted((Path(__file__).parent / "warning_cases").glob("*.yaml"))


def expected(case: Path, tag: str = "expect") -> list[str]:
    text = case.read_bytes().decode("utf-8", "replace")
    mark = f"# {tag}: "
    return [line[len(mark) :] for line in text.splitlines() if line.startswith(mark)]


def shown(case: Path, found: tuple[Problem, ...] | list[Problem]) -> list[str]:
    assert all(p.file == str(case) for p in found)
    return [str(p)[len(str(case)) + 1 :] for p in found]


def problems(case: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_manifest(str(case))
    return shown(case, info.value.problems)


def warnings_of(case: Path) -> list[str]:
    """The warnings of a file, valid or not (a ManifestError of the walker carries them)."""
    try:
        return shown(case, load_manifest(str(case)).warnings)
    except ManifestError as e:
        return shown(case, getattr(e, "warnings", []))


def test_the_catalogue_covers_30_failures() -> None:
    assert len(CASES) >= 30
    assert all(expected(case) for case in CASES), "every case states what it expects"
    assert len(WARNING_CASES) >= 5
    assert all(expected(case, "warn") for case in WARNING_CASES), "every case states its warnings"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_manifest(case: Path) -> None:
    assert problems(case) == expected(case)
    assert warnings_of(case) == expected(case, "warn")


@pytest.mark.parametrize("case", WARNING_CASES, ids=lambda p: p.stem)
def test_warned_manifest(case: Path) -> None:
    manifest = load_manifest(str(case))  # valid: a warning never fails a file
    assert shown(case, manifest.warnings) == expected(case, "warn")


@pytest.mark.parametrize("case", CASES + WARNING_CASES, ids=lambda p: p.parent.name + "/" + p.stem)
def test_pure_python_parser_agrees(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ruamel.yaml.clib the same problems are found (YAML syntax wording may differ)."""
    import reconciler.manifest.yamlnodes as manifest_yaml

    want = expected(case)
    pure = _with_pure_parser(monkeypatch, manifest_yaml)
    got = problems(case) if want else []
    assert warnings_of(case) == expected(case, "warn")
    assert pure.called or case.stem in ("empty_file", "yaml_not_utf8")
    if "invalid YAML" in " ".join(want):
        assert [g.split(":")[0] for g in got] == [w.split(":")[0] for w in want]  # same lines
        assert all("invalid YAML" in g for g in got)
    else:
        assert got == want


class _Spy:
    called = False


def _with_pure_parser(monkeypatch: pytest.MonkeyPatch, module: object) -> _Spy:
    from ruamel.yaml import YAML

    spy = _Spy()

    def pure_yaml(typ: str) -> YAML:
        spy.called = True
        return YAML(typ=typ, pure=True)

    monkeypatch.setattr(module, "YAML", pure_yaml)
    return spy


def test_problem_prints_file_line_col_path_message() -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifest("version: 1\npowerpacks:\n  a: {sticky_sender: 1}\n", "pp.yaml")
    assert str(info.value) == (
        "pp.yaml:3:22: powerpacks.a.sticky_sender: must be true or false; found the number 1"
    )


def test_unreadable_file_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the file"):
        load_manifest(str(tmp_path / "missing.yaml"))
    with pytest.raises(ManifestError, match="cannot read the file"):
        load_manifest(str(tmp_path))


def test_compose_keeps_key_and_value_positions() -> None:
    root = compose("version: 1\npowerpacks:\n  a: {}\n", "x.yaml")
    assert root is not None
    (key, value), _ = root.value
    assert (key.start_mark.line, key.start_mark.column) == (0, 0)
    assert (value.start_mark.line, value.start_mark.column) == (0, 9)


def test_deep_nesting_is_a_clean_error_not_a_crash() -> None:
    """libyaml composes recursively in C: 50,000 levels would crash the process."""
    for opener in ("[", "{a: ", "- "):
        with pytest.raises(ManifestError, match="nested more than 100 levels"):
            parse_manifest(opener * 50_000, "deep.yaml")


def test_short_deep_text_with_the_pure_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.manifest.yamlnodes as manifest_yaml

    _with_pure_parser(monkeypatch, manifest_yaml)
    with pytest.raises(ManifestError, match="nested more than 100 levels"):
        parse_manifest("[" * 2000 + "]" * 2000, "deep.yaml")


def test_lone_surrogate_in_text() -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifest("version: 1\npowerpacks:\n  \ud800: {}\n", "s.yaml")
    assert str(info.value) == "s.yaml:3:3: character U+D800 is not valid Unicode"
