"""A thread-safe sliding-window rate cap for the HTTP client (no I/O of its own)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `calls` requests in any `period` seconds, counted the way a server would see them.

    A slot is held from the moment its request starts until `period` seconds after its answer came
    back: the server saw the request somewhere in between, so whatever window it counts in, it never
    sees more than `calls`. A run of fewer than `calls` requests never waits.
    """

    def __init__(
        self,
        calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ):
        if calls < 1 or period <= 0:
            raise ValueError("rate limit needs calls >= 1 and period > 0")
        self.calls = calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._done: deque[float] = deque()  # answer times of finished requests, ascending
        self._in_flight = 0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for -v and benchmarks

    def reserve(self) -> float:
        """Take a slot now and return 0, or take nothing and return how long to wait."""
        with self._lock:
            now = self._clock()
            while self._done and self._done[0] <= now - self.period:
                self._done.popleft()
            if len(self._done) + self._in_flight < self.calls:
                self._in_flight += 1
                return 0.0
            if self._done:
                return max(self._done[0] + self.period - now, 1e-3)
            return min(self.period / 100, 0.05)  # every slot is in flight: poll until one ends

    def acquire(self, cancelled: Callable[[], bool] | None = None) -> float:
        """Block until a slot is free, then take it; return the seconds waited.

        Returns without a slot (and the caller must not send) once `cancelled()` is true.
        """
        waited = 0.0
        while (wait := self.reserve()) > 0:
            if cancelled is not None and cancelled():
                with self._lock:
                    self._in_flight += 1  # the caller releases it as if it had been sent
                return waited
            with self._lock:
                self.waited += wait
            waited += wait
            self._sleep(wait)
        return waited

    def release(self) -> None:
        """The request holding a slot got its answer (or failed): the slot frees `period` later."""
        with self._lock:
            self._in_flight -= 1
            self._done.append(self._clock())
