"""The benchmark's table, on the console and in docs/benchmarks.md, with the targets checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

KEEP = "<!-- Everything below this line is kept by benchmarks/run.py when it rewrites the file. -->"
MANIFEST = """\
The manifest (`benchmarks/workload.py`) is what a real account's would look like: `defaults` set
`sticky_sender: true`, `local_connect: true` and one matrix cell (`US: {SMS: [shortcode, tollfree,
longcode]}`), so every Powerpack manages part of its matrix; every Powerpack links its own XML
application by id (`application: {type: xml, id: "..."}`: no Application list is needed); a third
override `local_connect: false` and a fifth manage a `CA: {SMS: [...]}` cell of their own. The
seeded account matches it exactly. "10% changed" is the same manifest with every tenth Powerpack
changed in one field (cycling over `local_connect`, the US SMS order and the application): one
write each."""


def row_data(row: Any) -> dict[str, Any]:
    cell = row.cell
    return {
        "count": cell.count,
        "latency_ms": cell.latency_ms,
        "rate_limit": cell.rate_limit,
        "list_priority": cell.list_priority,
        "scenario": row.scenario,
        "tool": row.tool,
        "minimal": row.minimal,
        "floor": row.floor,
        "sdk": row.sdk,
    }


def _calls(calls: dict[str, int]) -> str:
    parts = [f"{calls.get(k, 0)} {k}" for k in ("list", "get", "write") if calls.get(k)]
    parts += [f"{v} {k}" for k, v in calls.items() if k not in ("list", "get", "write") and v]
    return ", ".join(parts) or "0"


def _minimal_ok(data: dict[str, Any]) -> bool:
    calls = data["tool"]["calls"]
    return all(calls.get(k, 0) == v for k, v in data["minimal"].items()) and set(calls) <= {
        "list", "get", "write"
    }  # fmt: skip


def _unless_minimal(data: dict[str, Any]) -> str:
    return "" if _minimal_ok(data) else f" (minimal: {_calls(data['minimal'])})"


def _ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}x" if den > 0 else "-"


def _cells(data: dict[str, Any]) -> list[str]:
    tool, sdk = data["tool"], data["sdk"]
    rate = "300/5 s" if data["rate_limit"] else "off"
    where = " (list has matrix)" if data["list_priority"] else ""
    return [
        f"{data['count']:,}{where}",
        f"{data['latency_ms']:g} ms",
        rate,
        data["scenario"],
        f"{tool['wall']:.2f} s",
        _calls(tool["calls"]) + _unless_minimal(data),
        str(tool["calls"].get("429", 0)),
        f"{tool['rss_mb']:.0f} MB",
        f"{data['floor']:.2f} s",
        _ratio(tool["wall"], data["floor"]),
        f"{sdk['wall']:.2f} s" if sdk else "",
        f"{_calls(sdk['calls'])}" if sdk else "",
        _ratio(sdk["wall"], tool["wall"]) if sdk else "",
    ]


HEAD = ["N", "latency", "rate limit", "job", "wall", "calls (journal)", "429", "peak RSS",
        "floor", "wall / floor", "SDK wall", "SDK calls", "SDK / tool"]  # fmt: skip


def console_line(row: Any) -> str:
    return "  ".join(_cells(row_data(row)))


def console_table(results: dict[str, Any]) -> str:
    table = [HEAD] + [_cells(r) for r in results["rows"]]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEAD))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in table]
    lines += [f"{k}: {v:.3f} s" for k, v in results["startup"].items()]
    return "\n".join(lines)


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in results["rows"]]
    return "\n".join(lines)


def _find(rows, count, latency, rate, scenario, list_priority=False):
    for r in rows:
        key = (r["count"], r["latency_ms"], r["rate_limit"], r["scenario"], r["list_priority"])
        if key == (count, latency, rate, scenario, list_priority):
            return r
    return None


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target the run has figures for (None: not measured)."""
    rows, out = results["rows"], []
    out.append(("calls: exactly the minimal count, plan and apply (every row)",
                f"{sum(_minimal_ok(r) for r in rows)}/{len(rows)} rows minimal",
                all(_minimal_ok(r) for r in rows)))  # fmt: skip
    r = _find(rows, 1000, 50.0, False, "plan, nothing changed")
    if r and r["sdk"]:
        speed = r["sdk"]["wall"] / r["tool"]["wall"]
        out.append(("N=1,000, 50 ms, no rate limit: plan >= 5x faster than the SDK",
                    f"{r['tool']['wall']:.2f} s vs {r['sdk']['wall']:.2f} s: {speed:.1f}x",
                    speed >= 5))  # fmt: skip
    r = _find(rows, 1000, 50.0, True, "plan, nothing changed")
    if r:
        ratio, got = r["tool"]["wall"] / r["floor"], r["tool"]["calls"].get("429", 0)
        out.append(("N=1,000, 50 ms, rate limit on: plan within 1.3x of the floor, no 429",
                    f"{r['tool']['wall']:.2f} s / floor {r['floor']:.2f} s = {ratio:.2f}x, "
                    f"{got} 429", ratio <= 1.3 and got == 0))  # fmt: skip
    for lp in (False, True):
        r = _find(rows, 5000, 0.0, False, "plan, nothing changed", lp)
        if r:
            t = r["tool"]
            label = " (list carries the matrix)" if lp else ""
            out.append((f"N=5,000, no latency{label}: plan < 3 s, peak memory < 200 MB",
                        f"{t['wall']:.2f} s, {t['rss_mb']:.0f} MB",
                        t["wall"] < 3 and t["rss_mb"] < 200))  # fmt: skip
    for label, wall in results["startup"].items():
        out.append((f"`{label}` < 0.3 s", f"{wall:.3f} s", wall < 0.3))
    return out


def write_doc(path: Path, results: dict[str, Any], quick: bool) -> None:
    """docs/benchmarks.md: how to reproduce, the manifest, the table, the targets; the notes
    below the KEEP line survive."""
    kept = ""
    if path.exists() and KEEP in path.read_text(encoding="utf-8"):
        kept = path.read_text(encoding="utf-8").split(KEEP, 1)[1]
    check = "\n".join(
        f"| {t} | {m} | {'met' if ok else 'NOT met'} |" for t, m, ok in targets(results)
    )
    text = f"""# Benchmarks

Generated by `.venv/bin/python benchmarks/run.py`{" --quick" if quick else ""} in \
{results["seconds"]:.0f} s on {results["machine"]}.
Re-run it to reproduce; the text above the notes is rewritten on every run.

## What is measured

The sandbox runs as its own process (`powerpacks sandbox serve`), as the real API is remote; a fresh
one on a copy of the seeded account for every run. The real `powerpacks` CLI runs as a subprocess:
**wall** is the whole command (start-up, manifest load, fetch, plan, output, and for apply the
writes); **calls** are counted from the sandbox's request journal (list = a page of 20, get = one
Powerpack, write = an update); **peak RSS** is the CLI process's maximum resident memory
(`os.wait4`). Plans are the median of 3 runs where the table's cell is cheap, else one run.
**Rate limit 300/5 s**: the sandbox enforces the account limit (a sliding window, 429 beyond it)
and the client keeps under it with its own cap (the default). **off**: an account without the
limit; the client is told so (`POWERPACKS_RATE_LIMIT=off`), so only latency and CPU bound it.

The grid is a subset where the full one would take too long: N=100 and 1,000 run every cell;
N=5,000 runs with no latency and no limit (with and without the matrix in the list) and the plan
alone at 50 ms (33 s of floor); at 5,000 with the limit on, the limit alone is the answer (5,250
calls at 300 per 5 s: 85 s, the floor). The SDK baseline goes one call at a time (1,050 calls of
50 ms: about a minute), so it runs at N=100 (0 and 50 ms) and at N=1,000, 50 ms, no limit only;
with the limit on it would be the same figure (one call at a time stays far below 300 per 5 s).

{MANIFEST}

**Floor**: the minimal calls (every page, one GET per Powerpack whose matrix is managed when the
list doesn't carry it, one write per change), with each phase's calls spread over the client's
8 concurrent reads (4 writes, apply's default) at one latency per round (the first page alone: it
gives the count), or the account limit of 300 calls per 5 s (a sliding window: calls beyond the
first 300 wait 5 s per 300), whichever is slower. **SDK**: `benchmarks/baseline_sdk.py`, the
official `plivo` SDK used the way a user would (list every page, get each Powerpack, compare,
update each that differs, one call at a time). **wall / floor** and **SDK / tool** are the two
ratios; with no latency and no limit the floor is 0 (only CPU bounds the run), so no ratio.

## Results

{markdown_table(results)}

## Targets

| target | measured | |
|---|---|---|
{check}

{KEEP}"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + (kept or "\n"), encoding="utf-8")
