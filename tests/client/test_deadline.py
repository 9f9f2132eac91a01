"""An unreachable or stuck API is reported within the deadline, over real loopback sockets."""

from __future__ import annotations

import socket

import pytest

from reconciler.errors import ApiError
from tests.support.client import make_client


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers (read timeouts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield s.getsockname()[1]


class FakeClock:
    """A clock the client's own sleeps move (no waiting): retries and deadlines are counted."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_unreachable_api_is_reported_within_the_deadline(closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    clock = FakeClock()
    c = make_client(url, deadline=0.6, max_retries=1000, backoff=(0.05, 0.2), clock=clock,
                    sleep=clock.sleep)  # fmt: skip
    with c, pytest.raises(ApiError, match=rf"connection refused at {url} \(gave up after"):
        c.request("GET", "Powerpack/")
    assert clock.now - 1000.0 <= 0.6  # never a pause that would end past the deadline
    assert c.stats["GET Powerpack list"] == len(clock.slept) + 1 > 1  # it retried first


def test_a_silent_api_is_reported_within_the_deadline(silent_port):
    """A server that accepts and never answers: each exchange is cut at its deadline (real
    sockets: 0.2 s each), and the call gives up once the 0.7 s deadline leaves no room."""
    url = f"http://127.0.0.1:{silent_port}"
    c = make_client(url, timeout=0.2, deadline=0.7, max_retries=1000, backoff=(0.01, 0.02))
    with c, pytest.raises(ApiError, match=r"no complete answer within 0?\.\d+ s"):
        c.request("GET", "Powerpack/")
    assert 1 <= c.stats["GET Powerpack list"] <= 4  # 0.7 s holds three 0.2 s exchanges, not more


def test_default_settings_give_up_on_an_unreachable_api_within_30_s(closed_port):
    slept: list[float] = []
    clock = FakeClock()
    c = make_client(f"http://127.0.0.1:{closed_port}", backoff=(0.5, 8.0), clock=clock,
                    sleep=clock.sleep)  # fmt: skip
    with c, pytest.raises(ApiError, match="connection refused"):
        c.request("GET", "Powerpack/")
    assert clock.now - 1000.0 <= 30
    slept.extend(clock.slept)
    assert len(slept) >= 3  # it kept trying for a while first
