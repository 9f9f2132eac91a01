"""A quick benchmark run (small N) so it can't rot: structure and exact call counts, no timing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402
import run  # noqa: E402
import workload  # noqa: E402

COUNT = 25  # two list pages, the second one short


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("bench")
    out, doc = folder / "results.json", folder / "benchmarks.md"
    assert run.main(["--quick", "--count", str(COUNT), "--json", str(out), "--doc", str(doc)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["doc"] = doc.read_text(encoding="utf-8")
    return data


def _row(results: dict, scenario: str, list_priority: bool) -> dict:
    found = [
        r
        for r in results["rows"]
        if (r["scenario"], r["list_priority"]) == (scenario, list_priority)
    ]
    assert len(found) == 1
    return found[0]


def test_every_cell_and_job_is_measured(results: dict) -> None:
    assert {(r["scenario"], r["list_priority"]) for r in results["rows"]} == {
        (s, lp) for s in run.SCENARIOS for lp in (False, True)
    }
    for row in results["rows"]:
        assert row["count"] == COUNT and row["tool"]["code"] == 0
        assert row["tool"]["wall"] > 0 and row["tool"]["rss_mb"] > 10


def test_the_tool_makes_exactly_the_minimal_calls(results: dict) -> None:
    changes = workload.changed_count(COUNT)
    expected = {
        ("plan, nothing changed", False): {"list": 2, "get": COUNT},
        ("plan, 10% changed", False): {"list": 2, "get": COUNT},
        ("apply, 10% changed", False): {"list": 2, "get": COUNT, "write": changes},
        ("plan, nothing changed", True): {"list": 2},
        ("plan, 10% changed", True): {"list": 2},
        ("apply, 10% changed", True): {"list": 2, "write": changes},
    }
    for key, calls in expected.items():
        assert _row(results, *key)["tool"]["calls"] == calls, key


def test_the_sdk_baseline_does_the_same_job_one_call_at_a_time(results: dict) -> None:
    changes = workload.changed_count(COUNT)
    plan = _row(results, "plan, 10% changed", False)["sdk"]
    apply = _row(results, "apply, 10% changed", False)["sdk"]
    assert plan["calls"] == {"list": 2, "get": COUNT}
    assert apply["calls"] == {"list": 2, "get": COUNT, "write": changes}
    assert _row(results, "plan, 10% changed", True)["sdk"] is None


def test_the_doc_has_the_table_and_the_targets(results: dict) -> None:
    doc = results["doc"]
    assert "| N | latency | rate limit | job | wall |" in doc
    assert (
        "| calls: exactly the minimal count, plan and apply (every row) | 6/6 rows minimal | met |"
        in doc
    )
    assert set(results["startup"]) == {
        "powerpacks --version",
        f"powerpacks validate ({COUNT} Powerpacks)",
    }
    assert report.KEEP in doc


def test_floor_is_the_slower_of_latency_and_rate_limit() -> None:
    minimal = workload.minimal_calls(1000, 0, list_priority=False)
    assert minimal == {"list": 50, "get": 1000, "write": 0}
    # 1 + ceil(49 / 8) + ceil(1000 / 8) = 133 rounds of 50 ms; 1,050 calls = 3 windows of 5 s
    assert run.floor_seconds(minimal, 50.0, rate_limit=False) == pytest.approx(6.65)
    assert run.floor_seconds(minimal, 50.0, rate_limit=True) == pytest.approx(15.0)
    assert run.floor_seconds(minimal, 0.0, rate_limit=False) == 0.0
