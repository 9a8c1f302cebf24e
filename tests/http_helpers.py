"""Talking to the real servers over HTTP, for the tests."""
from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
import uuid

from sqlalchemy import create_engine, text

from bot.serve import Servers

TOKEN = "test-token-123"
AGENT_TOKEN = "agent-token-456"
TELEGRAM_SECRET = "telegram-secret-789"


def _exchange(opener: urllib.request.OpenerDirector, url: str, payload: dict | None,
              headers: dict | None, method: str | None) -> tuple[int, object]:
    """(status, JSON body) of one request, error statuses included."""
    request = urllib.request.Request(url, data=None if payload is None else json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})},
                                     method=method)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def post(url: str, payload: dict | None, headers: dict | None = None, method: str = "POST") -> tuple[int, object]:
    return _exchange(urllib.request.build_opener(), url, payload, headers, method)


class Resident:
    """One resident's conversation over the REST channel."""

    def __init__(self, server: Servers, sender: str | None = None) -> None:
        self.server = server
        self.sender = sender or f"resident-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> list[dict]:
        status, replies = post(f"{self.server.url}/webhooks/rest/webhook",
                                {"sender": self.sender, "message": message})
        assert status == 200
        return replies

    def says(self, message: str) -> str:
        """All reply texts for one message, joined."""
        return "\n".join(r.get("text", "") for r in self.say(message))


def tickets_in(server: Servers, sender: str) -> list[dict]:
    engine = create_engine(server.db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM tickets WHERE reporter_id = :r ORDER BY id"),
                            {"r": f"rest:{sender}"}).mappings().all()
    return [dict(r) for r in rows]


def count_tickets(server: Servers) -> int:
    with create_engine(server.db_url).connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM tickets")).scalar_one()




class Tab:
    """An HTTP client that keeps cookies, like a browser tab."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, path: str, payload: dict | None = None, method: str | None = None) -> tuple[int, dict]:
        return _exchange(self.opener, self.base + path, payload, None, method)
