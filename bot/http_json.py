"""JSON request and error helpers shared by the agent and trainer routes."""
from __future__ import annotations

from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse, json


def error(status: int, message: str, **extra: Any) -> HTTPResponse:
    return json({"error": message, **extra}, status=status)


def body(request: Request) -> dict:
    """The JSON object sent, or {} for an empty or non-object body."""
    try:
        data = request.json if request.body else {}
    except Exception:  # Sanic raises its own InvalidUsage for malformed JSON
        return {}
    return data if isinstance(data, dict) else {}
