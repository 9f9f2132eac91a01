"""Fault injection (deterministic with a seed) and the account rate limit.

Fault spec syntax, one fault per spec (repeat `--fault`, or pass a list in Python):

    KIND:TRIGGER[,OPTION=VALUE...]

KIND     429              answer 429 Too Many Requests, no Retry-After header
         429-retry-after  answer 429 with `Retry-After` (option retry_after=SECONDS, default 1)
         500 | 502 | 503  answer that server error
         drop             close the connection without answering (the request is NOT applied)
         drop-after       apply the request, then close without answering (an ambiguous write)
         timeout          wait `delay` seconds (option delay=SECONDS, default 30), then close
                          without answering (the request is NOT applied)
TRIGGER  0.2              a fraction of the matching requests, drawn from the seeded generator
         every=7          every 7th matching request (the 7th, 14th, ...)
OPTIONS  method=POST      only requests with this HTTP method (GET, POST, DELETE; "write" = POST
                          or DELETE); default all methods
         delay=, retry_after=   as above

Examples: `429:0.2`, `429-retry-after:every=5,retry_after=2`, `500:every=7,method=POST`,
`drop-after:0.1,method=write`, `timeout:0.05,delay=3`. Each fault counts and draws on every
request it matches, independently of the others; when several fire, the first given answers. Only
`drop-after` ever applies a write before failing.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = ("429", "429-retry-after", "500", "502", "503", "drop", "drop-after", "timeout")
_METHODS = ("GET", "POST", "DELETE", "WRITE")


@dataclass
class Fault:
    """One parsed fault spec; `seen` counts the requests it matched (for every=N)."""

    kind: str
    rate: float | None = None
    every: int | None = None
    method: str | None = None
    delay: float = 30.0
    retry_after: float = 1.0
    seen: int = 0

    def matches(self, method: str) -> bool:
        """Whether this fault considers a request with `method`."""
        if self.method is None:
            return True
        if self.method == "WRITE":
            return method in ("POST", "DELETE", "PUT", "PATCH")
        return method == self.method


def _number(spec: str, text: str, low: float, high: float | None = None) -> float:
    """A float within [low, high], or ValueError naming the spec."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"fault {spec!r}: {text!r} is not a number") from None
    if value < low or (high is not None and value > high):
        raise ValueError(f"fault {spec!r}: {text} is out of range")
    return value


def _option(fault: Fault, spec: str, key: str, value: str) -> None:
    """Apply one KEY=VALUE option to `fault`."""
    if key == "method" and value.upper() in _METHODS:
        fault.method = value.upper()
    elif key == "delay":
        fault.delay = _number(spec, value, 0.0)
    elif key == "retry_after":
        fault.retry_after = _number(spec, value, 0.0)
    elif key == "every":
        fault.every = int(_number(spec, value, 1.0))
    else:
        raise ValueError(f"fault {spec!r}: unknown option {key}={value}")


def parse_fault(spec: str) -> Fault:
    """Parse `KIND:TRIGGER[,OPTION=VALUE...]`; ValueError with a clear message otherwise."""
    kind, sep, rest = spec.strip().partition(":")
    if kind not in KINDS or not sep or not rest:
        raise ValueError(f"fault {spec!r}: expected KIND:RATE or KIND:every=N, KIND one of {KINDS}")
    trigger, *options = rest.split(",")
    fault = Fault(kind)
    if "=" in trigger:
        key, _, value = trigger.partition("=")
        _option(fault, spec, key.strip(), value.strip())
    else:
        fault.rate = _number(spec, trigger, 0.0, 1.0)
    for option in options:
        key, _, value = option.partition("=")
        _option(fault, spec, key.strip(), value.strip())
    if fault.rate is None and fault.every is None:
        raise ValueError(f"fault {spec!r}: the trigger must be a rate (0.2) or every=N")
    return fault


class FaultPlan:
    """The active faults and their seeded generator: the same requests get the same faults."""

    def __init__(self, specs: Iterable[str | Fault] = (), seed: int = 0) -> None:
        self.faults = [s if isinstance(s, Fault) else parse_fault(s) for s in specs]
        self.rng = random.Random(seed)

    def pick(self, method: str) -> Fault | None:
        """The first fault (in spec order) that fires for this request, or None.

        Every matching fault counts and draws on every request, whether or not an earlier one
        fires, so each fault's schedule does not depend on the others.
        """
        fired = [fault for fault in self.faults if fault.matches(method) and self._fires(fault)]
        return fired[0] if fired else None

    def _fires(self, fault: Fault) -> bool:
        """Count the request against `fault`; whether it fires now."""
        fault.seen += 1
        if fault.every is not None and fault.seen % fault.every == 0:
            return True
        return fault.rate is not None and self.rng.random() < fault.rate


class RateLimiter:
    """A sliding window: at most `limit` admitted requests in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = int(limit)
        self.window = float(window)
        self.times: deque[float] = deque()

    def admit(self, now: float) -> float | None:
        """None when admitted (and counted), else the seconds until a slot frees."""
        times = self.times
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window - now
        times.append(now)
        return None


def make_limiter(setting: object) -> RateLimiter | None:
    """A RateLimiter from a `[limit, window]` setting; None (or false) turns it off."""
    if not setting:
        return None
    if not isinstance(setting, (list, tuple)) or len(setting) != 2:
        raise ValueError(f"rate_limit must be [requests, seconds] or null, got {setting!r}")
    return RateLimiter(int(setting[0]), float(setting[1]))
