"""Fault injection (deterministic with a seed), latency, and the account rate limit (429)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import requests

from reconciler.sandbox import Sandbox, parse_fault


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("429:0.2", {"kind": "429", "rate": 0.2}),
        ("500:every=7", {"kind": "500", "every": 7}),
        ("503:1,method=post", {"kind": "503", "rate": 1.0, "method": "POST"}),
        ("drop-after:0.1,method=write", {"kind": "drop-after", "method": "WRITE"}),
        ("timeout:0.05,delay=3", {"kind": "timeout", "delay": 3.0}),
        ("429-retry-after:every=5,retry_after=2", {"retry_after": 2.0, "every": 5}),
    ],
)
def test_fault_specs_parse(spec: str, expected: dict) -> None:
    fault = parse_fault(spec)
    assert {k: getattr(fault, k) for k in expected} == expected


@pytest.mark.parametrize(
    "spec",
    ["404:0.1", "500", "500:", "500:1.5", "500:-0.1", "500:every=0", "500:x",
     "500:0.1,method=PUTS", "500:0.1,color=red", "timeout:0.1,delay=-1"],
)  # fmt: skip
def test_bad_fault_specs_say_why(spec: str) -> None:
    with pytest.raises(ValueError, match="fault"):
        parse_fault(spec)


def statuses(sandbox: Sandbox, count: int, method: str = "GET") -> list[int]:
    with requests.Session() as s:
        s.auth = (sandbox.auth_id, sandbox.auth_token)
        url = f"{sandbox.url}/v1/Account/{sandbox.auth_id}/Powerpack/"
        return [s.request(method, url, json={"name": f"n{time.time_ns()}"}).status_code
                for _ in range(count)]  # fmt: skip


def test_every_nth_request(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json", rate_limit=None, faults=["500:every=3"]) as sb:
        assert statuses(sb, 9) == [200, 200, 500] * 3


def test_rate_faults_are_deterministic_per_seed(tmp_path: Path) -> None:
    runs = []
    for seed in (1, 1, 2):
        with Sandbox(tmp_path / f"{seed}-{len(runs)}.json", rate_limit=None,
                     faults=["503:0.5"], seed=seed) as sb:  # fmt: skip
            runs.append(statuses(sb, 40))
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert 5 < runs[0].count(503) < 35


def test_429_with_and_without_retry_after(tmp_path: Path) -> None:
    faults = ["429:every=2", "429-retry-after:every=3,retry_after=2"]
    sb = Sandbox(tmp_path / "s.json", rate_limit=None, faults=faults)
    with sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        url = f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/"
        answers = [s.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 429, 429]
    assert "Retry-After" not in answers[1].headers
    assert answers[2].headers["Retry-After"] == "2"
    assert set(answers[2].json()) == {"api_id", "error"}


def test_method_filter_and_failed_writes_are_not_applied(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json", rate_limit=None, faults=["500:1,method=POST"]) as sb:
        assert statuses(sb, 2, "POST") == [500, 500]
        assert statuses(sb, 1, "GET") == [200]
        assert len(sb.snapshot()["powerpacks"]) == 4


def create(sb: Sandbox, name: str, timeout: float = 5) -> requests.Response:
    with requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        url = f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/"
        return s.post(url, json={"name": name}, timeout=timeout)


def names(sb: Sandbox) -> set[str]:
    return {p["name"] for p in sb.snapshot()["powerpacks"]}


def test_drop_closes_without_applying(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json", rate_limit=None, faults=["drop:1"]) as sb:
        with pytest.raises(requests.ConnectionError):
            create(sb, "dropped")
        assert "dropped" not in names(sb)
        assert sb.journal()[-1]["fault"] == "drop"


def test_drop_after_applies_then_closes(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json", rate_limit=None, faults=["drop-after:1"]) as sb:
        with pytest.raises(requests.ConnectionError):
            create(sb, "ambiguous")
        assert "ambiguous" in names(sb)
        assert (sb.journal()[-1]["fault"], sb.journal()[-1]["status"]) == ("drop-after", 200)


def test_timeout_outlasts_the_client_and_applies_nothing(tmp_path: Path) -> None:
    sb = Sandbox(tmp_path / "s.json", rate_limit=None, faults=["timeout:1,delay=30"])
    waited: list[float] = []
    release = asyncio.Event()

    async def pause(seconds: float) -> None:  # the fault's wait, until the test says so
        waited.append(seconds)
        await release.wait()

    sb.pause = pause  # type: ignore[method-assign]
    with sb:
        with pytest.raises(requests.ReadTimeout):
            create(sb, "slow", timeout=0.2)
        assert waited == [30.0]  # it would have waited 30 s
        sb._call(release.set)  # the delay ends: the connection is closed, nothing applied
        assert wait_for(lambda: any(e.get("fault") == "timeout" for e in sb.journal()))
        assert "slow" not in names(sb)


def test_faults_switch_at_runtime(sandbox: Sandbox) -> None:
    assert statuses(sandbox, 1) == [200]
    sandbox.set_faults(["503:1"])
    assert statuses(sandbox, 2) == [503, 503]
    sandbox.set_faults([])
    assert statuses(sandbox, 1) == [200]


def test_latency_is_added(tmp_path: Path) -> None:
    """Each request waits the latency before it is answered (seen, not waited: no clock)."""
    sb = Sandbox(tmp_path / "s.json", rate_limit=None, latency_ms=80)
    waited: list[float] = []

    async def pause(seconds: float) -> None:
        waited.append(seconds)

    sb.pause = pause  # type: ignore[method-assign]
    with sb:
        assert statuses(sb, 2) == [200, 200]
        assert waited == [0.08, 0.08]
        sb.set_latency(0)
        statuses(sb, 2)
        assert waited == [0.08, 0.08]  # no wait at all without latency


def test_default_rate_limit_is_300_per_5_seconds(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json") as sb:  # the demo state's own setting
        codes = statuses(sb, 301)
    assert codes[:300] == [200] * 300 and codes[300] == 429


def test_rate_limit_429_has_retry_after_and_can_be_switched(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "s.json", rate_limit=[3, 60]) as sb, requests.Session() as s:
        s.auth = (sb.auth_id, sb.auth_token)
        url = f"{sb.url}/v1/Account/{sb.auth_id}/Powerpack/"
        answers = [s.get(url) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
        sb.set_rate_limit(None)
        assert s.get(url).status_code == 200
        sb.set_rate_limit([1, 60])
        assert [s.get(url).status_code for _ in range(2)] == [200, 429]


def test_rate_limit_window_slides(tmp_path: Path) -> None:
    """Requests leave the window `window` seconds after they came in (on the sandbox's clock)."""
    now = [1000.0]
    sb = Sandbox(tmp_path / "s.json", rate_limit=[2, 0.6])
    sb.clock = lambda: now[0]  # type: ignore[method-assign]
    with sb:
        assert statuses(sb, 3) == [200, 200, 429]
        now[0] += 0.59
        assert statuses(sb, 1) == [429]
        now[0] += 0.02
        assert statuses(sb, 1) == [200]


def wait_for(condition, guard: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll until the condition holds (the sandbox's loop and I/O thread run on their own);
    the guard only stops a hang."""
    end = time.monotonic() + guard
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
