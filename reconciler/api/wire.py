"""What the client checks on the wire, with no I/O: URL policy, call kinds, answer texts."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from reconciler.errors import ApiError

AUTH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]*")


def _same(text: str) -> str:
    return text


def check_api_url(api_url: str, mask: Callable[[str], str] = _same) -> str:
    """The base URL without trailing slash; plain http only on loopback, where TLS means nothing.

    Messages never repeat credentials written into the URL (and go through `mask`).
    """
    try:
        parts = urlsplit(api_url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise ApiError("invalid API URL: expected https://host[:port]") from None
    shown = mask(repr(parts._replace(netloc=(parts.hostname or "") + port).geturl()))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ApiError(f"invalid API URL {shown}: no credentials, query or fragment allowed in it")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ApiError(f"invalid API URL {shown}: expected https://host[:port]")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ApiError(
            f"refusing plain http:// API URL {shown}: use https:// "
            "(http is allowed on loopback only)"
        )
    return api_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_path(path: str, auth_id: str, mask: Callable[[str], str] = _same) -> str:
    """The absolute path for `path`, relative to the account or in the plan's "/v1/..." form;
    another account's path, or one with unsafe segments, is refused."""
    prefix = f"/v1/Account/{auth_id}/"
    path = path.replace("{auth_id}", auth_id)
    if path.startswith("/v1/Account/"):
        if not path.startswith(prefix):
            raise ApiError(f"refusing path {mask(path)!r}: it is not this account's")
    else:
        path = prefix + path.lstrip("/")
    for segment in path.split("/"):
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise ApiError(f"refusing unsafe API path {mask(path)!r}")
    return path


def call_kind(method: str, path: str) -> str:
    """A call's kind for stats: "GET Powerpack list", "GET Powerpack", "POST Powerpack create"..."""
    parts = [p for p in path.split("/") if p][3:]
    resource = parts[0] if parts else "?"
    collection = len(parts) == 1
    if method == "GET":
        return f"GET {resource} list" if collection else f"GET {resource}"
    if method == "POST":
        return f"POST {resource} create" if collection else f"POST {resource} update"
    return f"{method} {resource}"


def retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < 1e6 else None


def api_message(raw: bytes) -> str:
    """The API's `error` text (also nested or as `message`), on one line; "" if none.

    Whole: the caller masks secrets first, then shortens it (a cut first could leave most of
    a token in the message)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict):
        for key in ("error", "message"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("error") or value.get("message")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    return ""


MESSAGE_LIMIT = 300  # characters of an API's error text shown in a message


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A masked text cut at a word boundary near `limit`, marked when cut."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + " [...]"


def tls_reason(error: BaseException) -> str:
    """The reason inside a TLS failure, whole: "certificate verify failed: self-signed
    certificate", "wrong version number (is it a plain http:// server?)"."""
    import ssl

    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {item.verify_message or item.reason}"
        if isinstance(item, ssl.SSLError):
            reason = str(item.reason or item.strerror or item).replace("_", " ").lower()
            hint = " (is it a plain http:// server?)" if "wrong version" in reason else ""
            return f"{reason}{hint}"
        if isinstance(item, BaseException):
            stack += [*item.args, item.__cause__, item.__context__]
    return str(error).splitlines()[0] if str(error) else type(error).__name__
