"""JSON request and error helpers shared by the agent and trainer routes: the
body and its fields, type-checked, and the guard on requests that change something."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, json

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KIND_NAMES = {str: "字符串", bool: "布尔值（true 或 false）", dict: "对象", list: "列表", int: "整数"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidBody(ValueError):
    """A request body a route cannot use; the message, for the user, says why (a 400)."""


def error(status: int, message: str, **extra: Any) -> HTTPResponse:
    return json({"error": message, **extra}, status=status)


def body(request: Request) -> dict:
    """The JSON object sent, or {} for an empty body."""
    if not request.body:
        return {}
    try:
        data = request.json
    except InvalidUsage:  # Sanic's answer to malformed JSON
        raise InvalidBody("请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise InvalidBody("请求内容必须是 JSON 对象（{...}）")
    return data


def field(data: dict, name: str, *kinds: type) -> Any:
    """data[name] when it is one of `kinds` (default: a string), None when it is
    absent or null; any other type is an InvalidBody."""
    kinds = kinds or (str,)
    value = data.get(name)
    if value is not None and not isinstance(value, kinds):
        raise InvalidBody(f"“{name}”必须是{'或'.join(_KIND_NAMES[k] for k in kinds)}")
    return value


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an origin or URL; None if it names no host."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        return None
    return (scheme, parts.hostname, port) if parts.hostname else None


def refuse_write(request: Request, scripted: bool) -> HTTPResponse | None:
    """Why a request that changes something is refused, or None. It must be JSON,
    which an HTML form cannot send; and a browser's must come from this service's
    own pages: a page on another port of the same host is another origin, which
    SameSite cookies do not keep out. `scripted` (the service token, which no
    browser sends by itself) needs JSON only."""
    if request.method not in WRITES:
        return None
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        return error(415, "请求内容必须是 JSON（Content-Type: application/json）")
    if scripted:
        return None
    origin = request.headers.get("origin")
    own = _origin(f"{request.scheme}://{request.host}")
    if (request.headers.get("sec-fetch-site") in ("cross-site", "same-site")
            or (origin is not None and (own is None or _origin(origin) != own))):
        return error(403, "只接受本工作台页面发出的操作请求，其他网页发来的已拒绝")
    return None
