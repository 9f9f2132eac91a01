"""A quick benchmark run (small N) so it can't rot: structure and exact call counts, no timing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
import workload  # noqa: E402

COUNT = 25  # two list pages, the second one short

# N=25, members managed (workload.py): every Powerpack's pool holds 5 long codes and a toll-free
# number, and pp-00000 and pp-00020 a short code. Changed: long codes of 1, 11, 21 move on and
# toll-free numbers of 9, 19 move back (5 moves), spares are added to 3, 13, 23 and 6, 16 (5 adds,
# 5 lookups), 5 and 15 lose a long code (2 removals), 7 and 17 change one's service (2).
POOLS_PLAN = {"list": 2, "get": COUNT, "pool": COUNT, "shortcodes": 2}
POOLS_CHANGED = {**POOLS_PLAN, "lookup": 5}
POOLS_APPLY = {**POOLS_CHANGED, "add": 5 + 5 + 2, "remove": 2 + 5 + 2}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("bench")
    out, doc = folder / "results.json", folder / "benchmarks.md"
    assert run.main(["--quick", "--count", str(COUNT), "--json", str(out), "--doc", str(doc)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["doc"] = doc.read_text(encoding="utf-8")
    return data


def _row(results: dict, scenario: str, list_priority: bool, work: str = "attributes") -> dict:
    found = [
        r
        for r in results["rows"]
        if (r["scenario"], r["list_priority"], r["workload"]) == (scenario, list_priority, work)
    ]
    assert len(found) == 1
    return found[0]


def test_every_cell_and_job_is_measured(results: dict) -> None:
    assert {(r["scenario"], r["list_priority"], r["workload"]) for r in results["rows"]} == {
        (s, lp, w)
        for s in run.SCENARIOS
        for lp, w in ((False, "attributes"), (True, "attributes"), (False, "pools"))
    }
    for row in results["rows"]:
        assert row["count"] == COUNT and row["tool"]["code"] == 0
        assert row["tool"]["wall"] > 0 and row["tool"]["rss_mb"] > 10


def test_the_tool_makes_exactly_the_minimal_calls(results: dict) -> None:
    changes = workload.changed_count(COUNT)
    expected = {
        ("plan, nothing changed", False, "attributes"): {"list": 2, "get": COUNT},
        ("plan, 10% changed", False, "attributes"): {"list": 2, "get": COUNT},
        ("apply, 10% changed", False, "attributes"): {"list": 2, "get": COUNT, "write": changes},
        ("plan, nothing changed", True, "attributes"): {"list": 2},
        ("plan, 10% changed", True, "attributes"): {"list": 2},
        ("apply, 10% changed", True, "attributes"): {"list": 2, "write": changes},
        ("plan, nothing changed", False, "pools"): POOLS_PLAN,
        ("plan, 10% changed", False, "pools"): POOLS_CHANGED,
        ("apply, 10% changed", False, "pools"): POOLS_APPLY,
    }
    for key, calls in expected.items():
        row = _row(results, *key)
        assert row["tool"]["calls"] == calls, key
        assert {k: v for k, v in row["minimal"].items() if v} == calls, key  # the formula agrees


def test_the_sdk_baseline_does_the_same_job_one_call_at_a_time(results: dict) -> None:
    changes = workload.changed_count(COUNT)
    plan = _row(results, "plan, 10% changed", False)["sdk"]
    apply = _row(results, "apply, 10% changed", False)["sdk"]
    assert plan["calls"] == {"list": 2, "get": COUNT}
    assert apply["calls"] == {"list": 2, "get": COUNT, "write": changes}
    assert _row(results, "plan, 10% changed", True)["sdk"] is None
    assert _row(results, "plan, 10% changed", False, "pools")["sdk"]["calls"] == POOLS_CHANGED
    assert _row(results, "apply, 10% changed", False, "pools")["sdk"]["calls"] == POOLS_APPLY


def test_the_doc_has_the_table_and_the_targets(results: dict) -> None:
    doc = results["doc"]
    assert "| N | members | latency | rate limit | job | wall | CPU |" in doc
    assert (
        "| calls: exactly the minimal count, plan and apply (every row) | 9/9 rows minimal | met |"
        in doc
    )
    assert "one request per add or removal" in doc
    assert set(results["startup"]) == {
        "powerpacks --version",
        f"powerpacks validate ({COUNT} Powerpacks)",
        f"powerpacks validate ({COUNT} Powerpacks, members managed)",
    }
    assert report.KEEP in doc


def test_tqdm_is_imported_only_on_a_terminal(results: dict) -> None:
    assert not any(v["tqdm"] for v in results["startup"].values())
    assert results["progress"] == {"plan, stderr a file": False, "plan, stderr a terminal": True}


def test_the_floor_uses_the_clients_real_concurrency() -> None:
    from reconciler.api.client import MAX_WORKERS
    from reconciler.cli.apply_cmd import apply_cmd as apply_command

    assert run.READ_WORKERS == MAX_WORKERS
    parallelism = next(p for p in apply_command.params if p.name == "parallelism")
    assert parallelism.default == run.WRITE_WORKERS


def test_floor_is_the_slower_of_latency_and_rate_limit() -> None:
    minimal, steps = workload.minimal_calls(1000, "attributes", False, list_priority=False)
    assert {k: v for k, v in minimal.items() if v} == {"list": 50, "get": 1000}
    # 1 + ceil(49 / 32) + ceil(1000 / 32) = 35 rounds of 50 ms; 1,050 calls = 3 windows of 5 s
    assert run.floor_seconds(minimal, steps, 50.0, rate_limit=False) == pytest.approx(1.75)
    assert run.floor_seconds(minimal, steps, 50.0, rate_limit=True) == pytest.approx(15.05)
    assert run.floor_seconds(minimal, steps, 0.0, rate_limit=False) == 0.0


def test_the_pool_formula_at_1000() -> None:
    minimal, steps = workload.minimal_calls(1000, "pools", False, list_priority=False)
    assert {k: v for k, v in minimal.items() if v} == {
        "list": 50, "get": 1000, "pool": 1000, "shortcodes": 50
    }  # fmt: skip
    # 2,100 calls: 6 windows; 1 + 2 + 32 + ceil(1,050 / 32) = 68 rounds of 50 ms
    assert run.floor_seconds(minimal, steps, 50.0, rate_limit=True) == pytest.approx(30.05)
    assert run.floor_seconds(minimal, steps, 50.0, rate_limit=False) == pytest.approx(3.4)
    minimal, steps = workload.minimal_calls(1000, "pools", True, list_priority=False)
    assert minimal["lookup"] == 200 and (minimal["add"], minimal["remove"]) == (500, 400)
    assert steps == {"update": 0, "add": 200, "move": 200, "service": 100, "remove": 100}


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/v1/Account/MA1/Powerpack/", "list"),
        ("GET", "/v1/Account/MA1/Powerpack/d35f2e82/", "get"),
        ("POST", "/v1/Account/MA1/Powerpack/d35f2e82/", "write"),
        ("GET", "/v1/Account/MA1/NumberPool/p1/Number/", "pool"),
        ("GET", "/v1/Account/MA1/NumberPool/p1/Shortcode/", "shortcodes"),
        ("GET", "/v1/Account/MA1/Number/14155550100/", "lookup"),
        ("POST", "/v1/Account/MA1/NumberPool/p1/Number/14155550100/", "add"),
        ("POST", "/v1/Account/MA1/NumberPool/p1/Tollfree/18885550100/", "add"),
        ("DELETE", "/v1/Account/MA1/NumberPool/p1/Tollfree/18885550100/", "remove"),
        ("DELETE", "/v1/Account/MA1/NumberPool/p1/Shortcode/72345/", "remove"),
        ("GET", "/v1/Account/MA1/NumberPool/p1/Number/14155550100/", "other"),
        ("GET", "/v1/Account/MA1/Application/", "other"),
    ],
)
def test_journal_kinds(method: str, path: str, kind: str) -> None:
    assert harness.kind(method, path) == kind
