"""An unreachable or stuck API is reported within the deadline, over real loopback sockets."""

from __future__ import annotations

import socket
import time

import pytest

from reconciler.errors import ApiError

from .conftest import make_client


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


def test_unreachable_api_is_reported_within_the_deadline(closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    t0 = time.monotonic()
    c = make_client(url, deadline=0.6, max_retries=1000, backoff=(0.05, 0.2))
    with c, pytest.raises(ApiError, match=rf"connection refused at {url} \(gave up after"):
        c.request("GET", "Powerpack/")
    assert time.monotonic() - t0 < 1.0
    assert c.stats["GET Powerpack list"] > 1  # it did retry before giving up


def test_a_silent_api_is_reported_within_the_deadline(silent_port):
    url = f"http://127.0.0.1:{silent_port}"
    t0 = time.monotonic()
    c = make_client(url, timeout=0.2, deadline=0.7, max_retries=1000)
    with c, pytest.raises(ApiError, match="no complete answer within"):
        c.request("GET", "Powerpack/")
    assert time.monotonic() - t0 < 1.2


def test_default_settings_give_up_on_an_unreachable_api_within_30_s(closed_port):
    slept: list[float] = []
    with make_client(f"http://127.0.0.1:{closed_port}", backoff=(0.5, 8.0)) as c:
        c._sleep = slept.append  # pauses are counted on a fake clock instead of waited
        c._clock = lambda: time.monotonic() + sum(slept)
        t0 = c._clock()
        with pytest.raises(ApiError, match="connection refused"):
            c.request("GET", "Powerpack/")
        assert c._clock() - t0 <= 30
    assert len(slept) >= 3  # it kept trying for a while first
