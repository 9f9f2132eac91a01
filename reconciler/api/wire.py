"""What the client checks on the wire, with no I/O: URL policy, call kinds, answer texts."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from urllib.parse import urlsplit

from reconciler.errors import ApiError


def check_api_url(api_url: str, secret: str = "") -> str:
    """The base URL without trailing slash; plain http only on loopback, where TLS means nothing.

    Messages never repeat credentials written into the URL (nor `secret`, wherever it appears).
    """
    try:
        parts = urlsplit(api_url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise ApiError("invalid API URL: expected https://host[:port]") from None
    shown = repr(parts._replace(netloc=(parts.hostname or "") + port).geturl())
    if secret:
        shown = shown.replace(secret, "***")
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
    """The API's `error` text (also nested or as `message`), one line, trimmed; "" if none."""
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
                return " ".join(value.split())[:300]
    return ""
