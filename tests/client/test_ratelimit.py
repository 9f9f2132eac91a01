"""The sliding-window rate cap: its arithmetic on a fake clock, and its thread safety for real."""

from __future__ import annotations

import threading
import time

import pytest

from reconciler.api.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake():
    return FakeTime()


def limiter(fake: FakeTime, calls: int = 300, period: float = 5.0) -> RateLimiter:
    return RateLimiter(calls, period, clock=fake.clock, sleep=fake.sleep)


def test_fewer_calls_than_the_cap_never_wait(fake):
    rl = limiter(fake)
    for _ in range(299):
        rl.acquire()
        fake.now += 0.001
        rl.release()
    assert fake.slept == [] and rl.waited == 0


def test_the_next_call_waits_until_the_oldest_answer_is_period_old(fake):
    rl = limiter(fake, calls=3, period=5.0)
    for answered_at in (1.0, 2.0, 3.0):
        rl.acquire()
        fake.now = answered_at
        rl.release()
    rl.acquire()  # 4th: waits until 1.0 + 5.0
    assert fake.now == pytest.approx(6.0)
    rl.release()
    rl.acquire()  # 5th: the window now holds answers at 2, 3 and 6: waits until 7.0
    assert fake.now == pytest.approx(7.0)


def test_in_flight_requests_hold_their_slot(fake):
    rl = limiter(fake, calls=2, period=1.0)
    rl.acquire()
    rl.acquire()
    assert rl.reserve() > 0  # both slots in flight: nothing free however long ago they started
    fake.now = 100.0
    assert rl.reserve() > 0
    rl.release()
    assert rl.reserve() > 0  # answered just now: free only `period` later
    fake.now = 101.0
    assert rl.reserve() == 0


def test_the_window_slides(fake):
    rl = limiter(fake, calls=10, period=1.0)
    starts = []
    for _ in range(55):
        rl.acquire()
        starts.append(fake.now)
        fake.now += 0.01
        rl.release()
    for s in starts:
        assert sum(1 for t in starts if s <= t < s + 1.0) <= 10
    assert fake.now == pytest.approx(5.0, abs=0.2)  # 55 calls at 10 per second


def test_invalid_limits_are_refused():
    with pytest.raises(ValueError):
        RateLimiter(0, 5.0)


def test_threads_never_exceed_the_cap_in_any_window():
    rl = RateLimiter(5, 0.2)
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            rl.acquire()
            start = time.monotonic()
            time.sleep(0.002)
            end = time.monotonic()
            rl.release()
            with lock:
                spans.append((start, end))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(spans) == 20
    # A server counting arrivals sees each request between its start and end: at any start, the
    # requests not yet `period` past their answer are at most the cap.
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start and e > start - 0.2) <= 5
