"""Benchmark: how long `validate` takes on large manifests (target: 5,000 Powerpacks under 2 s).

    .venv/bin/python benchmarks/validate_bench.py [--sizes 100,1000,5000] [--repeat 3] [--pure]
        [--members N]

Prints one row per size: the YAML parse alone, the whole load (parse + checks + models), and the
`powerpacks validate -f FILE` command end to end (a fresh process, imports included).
`--members N` gives every Powerpack N long codes, a toll-free number and a short code (pool
members, checked once across the file); the default 0 keeps the manifest of earlier runs.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reconciler.manifest import load_manifest
from reconciler.manifest.yamlnodes import compose

ORDERS = ["[shortcode, tollfree, longcode]", "[tollfree, longcode, shortcode]"]


def manifest_text(count: int, members: int = 0) -> str:
    """A realistic manifest: shared defaults, and Powerpacks mixing every kind of field."""
    out = ["# yaml-language-server: $schema=powerpacks.schema.json", "version: 1", "prune: false"]
    out += ["defaults:", "  sticky_sender: true", "  local_connect: true", "powerpacks:"]
    for i in range(count):
        out.append(f"  pool-{i:05d}:")
        if i % 7 == 0:
            out.append(f"    renamed_from: old-pool-{i:05d}")
        out.append(f"    local_connect: {'false' if i % 3 else 'true'}")
        out.append(_application(i))
        out.append("    number_priority:")
        out.append(f"      US: {{SMS: {ORDERS[i % 2]}, MMS: {ORDERS[(i + 1) % 2]}}}")
        out.append(f"      CA:\n        SMS: {ORDERS[i % 2]}")
        if members:
            out.append("    numbers:")
            out += [f'      - "1415{i:05d}{n:02d}"' for n in range(members)]
            out.append(f'    tollfree: ["1888{i:07d}"]')
            out.append(f'    shortcodes: ["{10000 + i}"]')
    return "\n".join(out) + "\n"


def _application(i: int) -> str:
    forms = [
        '{type: xml, name: "Marketing replies"}',
        f'{{type: xml, id: "{20372631212782780 + i}"}}',
        f'{{type: phlo, id: "e564a2f3-3f6b-4d0a-9a7e-{i:012d}"}}',
        "none",
    ]
    return f"    application: {forms[i % 4]}   # comment {i}"


def best(repeat: int, step) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(count: int, repeat: int, folder: Path, members: int) -> tuple[int, float, float, float]:
    path = folder / f"m{count}.yaml"
    text = manifest_text(count, members)
    path.write_text(text, encoding="utf-8")
    parse = best(repeat, lambda: _compose_without_gc(text, str(path)))
    load = best(repeat, lambda: load_manifest(str(path)))
    assert len(load_manifest(str(path)).powerpacks) == count
    command = [sys.executable, "-m", "reconciler", "validate", "-f", str(path)]
    cli = best(repeat, lambda: subprocess.run(command, check=True, capture_output=True))
    return text.count("\n"), parse, load, cli


def _compose_without_gc(text: str, path: str) -> None:
    """The YAML share of a load, under the same conditions (load_manifest pauses the GC)."""
    gc.disable()
    try:
        compose(text, path)
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pure", action="store_true", help="force the pure-Python YAML parser")
    parser.add_argument("--members", type=int, default=0, help="long codes per Powerpack")
    args = parser.parse_args()
    if args.pure:
        _force_pure_parser()
    print(f"YAML parser: {_parser_kind()}; best of {args.repeat} runs")
    head = ("Powerpacks", "lines", "YAML parse", "load_manifest", "validate CLI")
    print("{:>10} {:>7} {:>11} {:>14} {:>13}".format(*head))
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(s) for s in args.sizes.split(",")):
            lines, parse, load, cli = measure(count, args.repeat, Path(tmp), args.members)
            print(f"{count:>10} {lines:>7} {parse:>10.3f}s {load:>13.3f}s {cli:>12.3f}s")


def _force_pure_parser() -> None:
    """Patch the parser in this process only (the CLI column keeps the installed parser)."""
    from ruamel.yaml import YAML

    import reconciler.manifest.yamlnodes as manifest_yaml

    manifest_yaml.YAML = lambda typ: YAML(typ=typ, pure=True)  # type: ignore[assignment,misc]


def _parser_kind() -> str:
    from reconciler.manifest.yamlnodes import YAML

    parser = YAML(typ="safe").Parser
    return "libyaml (ruamel.yaml.clib)" if "CParser" in repr(parser) else "pure Python"


if __name__ == "__main__":
    main()
