"""URL routing: every path form real SDKs send (`//`, no trailing slash) to one handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import numbers, pools
from .account import Account
from .validate import ApiFail

Handler = Callable[..., dict[str, Any]]
# A route: path pattern ("*" = one segment, handed to the handler) -> {method: handler}.
# Handlers take (account, *segments, query, body).
_P = "*"


def _routes() -> list[tuple[tuple[str, ...], dict[str, Handler]]]:
    """The route table, under /v1/Account/{auth_id}/ (except PHLO)."""
    a = Account
    return [
        (("Powerpack",), {"GET": lambda acc, q, b: a.list_powerpacks(acc, q),
                          "POST": lambda acc, q, b: a.create_powerpack(acc, b)}),
        (("Powerpack", _P), {"GET": lambda acc, u, q, b: a.render(acc, a.powerpack(acc, u)),
                             "POST": lambda acc, u, q, b: a.update_powerpack(acc, u, b),
                             "DELETE": lambda acc, u, q, b: a.delete_powerpack(acc, u, b)}),
        (("NumberPool", _P), {"GET": lambda acc, p, q, b: pools.pool_object(acc, p)}),
        (("NumberPool", _P, "Number"), {"GET": lambda acc, p, q, b: pools.list_numbers(acc, p, q)}),
        (("NumberPool", _P, "Number", _P), {
            "GET": lambda acc, p, n, q, b: pools.find_number(acc, p, n, q),
            "POST": lambda acc, p, n, q, b: pools.add_number(acc, p, n, b),
            "DELETE": lambda acc, p, n, q, b: pools.remove_number(acc, p, n, b)}),
        (("NumberPool", _P, "Tollfree"), {
            "GET": lambda acc, p, q, b: pools.list_numbers(acc, p, q, tollfree=True)}),
        (("NumberPool", _P, "Tollfree", _P), {
            "GET": lambda acc, p, n, q, b: pools.find_number(acc, p, n, q, tollfree=True),
            "POST": lambda acc, p, n, q, b: pools.add_number(acc, p, n, b, tollfree=True),
            "DELETE": lambda acc, p, n, q, b: pools.remove_number(acc, p, n, b, tollfree=True)}),
        (("NumberPool", _P, "Shortcode"), {
            "GET": lambda acc, p, q, b: pools.list_shortcodes(acc, p, q)}),
        (("NumberPool", _P, "Shortcode", _P), {
            "GET": lambda acc, p, s, q, b: pools.find_shortcode(acc, p, s),
            "DELETE": lambda acc, p, s, q, b: pools.remove_shortcode(acc, p, s)}),
        (("Number",), {"GET": lambda acc, q, b: numbers.list_numbers(acc, q)}),
        (("Number", _P), {"GET": lambda acc, n, q, b: numbers.get_number(acc, n)}),
        (("Application",), {"GET": lambda acc, q, b: pools.list_applications(acc, q)}),
        (("Application", _P), {"GET": lambda acc, i, q, b: pools.get_application(acc, i)}),
    ]  # fmt: skip


ROUTES = _routes()


def segments(path: str) -> list[str]:
    """Path segments with repeated and trailing slashes collapsed (docs/api.md section 1).

    NODE's find_shortcode appends `&service=` to the path itself (section 6): a segment's `&...`
    tail is a misplaced query, so it is cut off (ids, numbers and short codes never hold `&`).
    """
    return [s for s in (part.partition("&")[0] for part in path.split("/")) if s]


def _match(rest: list[str]) -> tuple[dict[str, Handler], list[str]] | None:
    """The route's method table and the captured segments, or None."""
    for pattern, methods in ROUTES:
        if len(pattern) == len(rest) and all(
            p in (_P, s) for p, s in zip(pattern, rest, strict=True)
        ):
            return methods, [s for p, s in zip(pattern, rest, strict=True) if p == _P]
    return None


def resolve(path: str) -> tuple[str, str | None, list[str]]:
    """(kind, auth_id in the path, rest): kind is "account", "phlo" or "unknown"."""
    parts = segments(path)
    if len(parts) >= 3 and parts[0] == "v1" and parts[1] == "Account":
        return "account", parts[2], parts[3:]
    if len(parts) == 3 and parts[0] == "v1" and parts[1].lower() == "phlo":
        return "phlo", None, parts[2:]
    return "unknown", None, parts


def dispatch(account: Account, method: str, rest: list[str], query: dict[str, str], body: Any):
    """Run the handler for an account path: 404 unknown route, 405 known route, wrong method."""
    found = _match(rest)
    if found is None:
        raise ApiFail(404, "not found")
    methods, captured = found
    handler = methods.get(method)
    if handler is None:
        allow = ", ".join(sorted(methods))
        raise ApiFail(405, f"method {method} not allowed", {"Allow": allow})
    if not isinstance(body, dict):
        raise ApiFail(400, "request body must be a JSON object")
    return handler(account, *captured, query, body)
