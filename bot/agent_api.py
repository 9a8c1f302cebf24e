"""Agent API: the HTTP JSON service human agents (客服专员) work through.

    python -m bot.agent_api [--port 5056]

Every route under /agent needs a person with the agent permission (an agent or
an admin, signed in through /auth/login: an HttpOnly session cookie), or the
service credential `Authorization: Bearer $AGENT_API_TOKEN`. Accounts are made
with `python -m bot.accounts create`.
Conversations live in Rasa: this service reads transcripts and sends replies
through Rasa's HTTP API ($RASA_URL, $RASA_AUTH_TOKEN), so a reply reaches the
resident on the channel they wrote from (`output_channel=latest`).

POST  /auth/login                           {"username", "password"} → session cookie
POST  /auth/logout
GET   /auth/me
GET   /agent/handoffs                       waiting handoffs, most urgent then oldest first
GET   /agent/conversations/<id>             transcript (phones masked) and the handoff
POST  /agent/conversations/<id>/reply       {"text", "agent"}; refused if it holds 禁忌用语
POST  /agent/conversations/<id>/resolve     {"agent"}; the bot takes over again
GET   /agent/tickets?status=&kind=&flagged= tickets, phones masked
GET   /agent/tickets/<number>               one ticket with its history
PATCH /agent/tickets/<number>               {"status", "note", "agent"}
POST  /agent/suggest                        {"message", "ticket_no"?} → 3 replies
POST  /agent/check                          {"draft"} → forbidden wording and a rewrite
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import Any
from urllib.parse import quote

import aiohttp
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot import accounts, handoffs, phrases, tickets
from bot.accounts import Person
from bot.extraction import mask_phones
from bot.models import STATUS_NAMES
from bot.privacy import install_log_masking

logger = logging.getLogger(__name__)
MAX_TEXT = 2000
COOKIE = "wuye_session"
SERVICE = Person("service", "admin")
HANDED_BACK = "人工客服已经处理完毕，接下来由我继续为您服务。还有什么需要帮忙的吗？"


def _error(status: int, message: str, **extra: Any) -> HTTPResponse:
    return json({"error": message, **extra}, status=status)


class RasaClient:
    """The few calls of Rasa's HTTP API an agent needs."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}

    def _events_url(self, conversation_id: str) -> str:
        return f"{self.url}/conversations/{quote(conversation_id, safe='')}/tracker"

    async def tracker(self, conversation_id: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.get(self._events_url(conversation_id), params=self.params) as r:
                r.raise_for_status()
                return await r.json()

    async def append(self, conversation_id: str, events: list[dict]) -> None:
        """Add events; side effects run, so bot messages reach the resident."""
        params = {**self.params, "execute_side_effects": "true", "output_channel": "latest"}
        async with aiohttp.ClientSession() as session:
            async with session.post(self._events_url(conversation_id) + "/events",
                                    params=params, json=events) as r:
                r.raise_for_status()


def transcript(tracker: dict) -> list[dict]:
    """The resident's and the assistant's (or agent's) messages, phones masked."""
    lines = []
    for event in tracker.get("events") or []:
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            lines.append({"role": "resident", "text": mask_phones(event.get("text") or ""),
                          "at": event.get("timestamp"),
                          "emotion": parse.get("emotion"), "urgency": parse.get("urgency")})
        elif event.get("event") == "bot" and event.get("text"):
            agent = (event.get("metadata") or {}).get("agent")
            lines.append({"role": "agent" if agent else "assistant", "agent": agent,
                          "text": mask_phones(event["text"]), "at": event.get("timestamp")})
    return lines


def create_app(rasa: RasaClient, token: str) -> Sanic:
    app = Sanic("wuye_agent_api")

    def who(request: Request) -> Person | None:
        given = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return SERVICE
        return accounts.person_for(request.cookies.get(COOKIE))

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if not request.path.startswith("/agent"):
            return None
        person = who(request)
        if person is None:
            return _error(401, "sign in first (or send the service token)")
        if not person.may("agent"):
            return _error(403, f"a {person.role} may not use the agent console")
        request.ctx.person = person
        return None

    def actor(request: Request, data: dict) -> str:
        """Who did it: the signed-in person; the service names its agent in the body."""
        person = request.ctx.person
        return str(data.get("agent") or "客服") if person is SERVICE else person.username

    @app.post("/auth/login")
    async def login(request: Request) -> HTTPResponse:
        data = body(request)
        if not data.get("username") or not data.get("password"):
            return _error(400, "username and password are required")
        signed_in = accounts.sign_in(str(data["username"]), str(data["password"]))
        if signed_in is None:
            return _error(401, "wrong username or password")
        session_token, person = signed_in
        reply = json({"username": person.username, "role": person.role})
        reply.cookies[COOKIE] = session_token
        reply.cookies[COOKIE]["httponly"] = True
        reply.cookies[COOKIE]["samesite"] = "Strict"
        reply.cookies[COOKIE]["max-age"] = accounts.SESSION_HOURS * 3600
        return reply

    @app.post("/auth/logout")
    async def logout(request: Request) -> HTTPResponse:
        accounts.sign_out(request.cookies.get(COOKIE))
        reply = json({"signed_out": True})
        del reply.cookies[COOKIE]
        return reply

    @app.get("/auth/me")
    async def me(request: Request) -> HTTPResponse:
        person = accounts.person_for(request.cookies.get(COOKIE))
        if person is None:
            return _error(401, "not signed in")
        return json({"username": person.username, "role": person.role})

    def body(request: Request) -> dict:
        data = request.json if request.body else {}
        return data if isinstance(data, dict) else {}

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/agent/handoffs")
    async def handoff_queue(request: Request) -> HTTPResponse:
        return json({"handoffs": [handoffs.as_dict(h) for h in handoffs.queue()]})

    @app.get("/agent/conversations/<conversation_id>")
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        lines = transcript(await rasa.tracker(conversation_id))
        waiting = handoffs.waiting_for(conversation_id)
        if not lines and waiting is None:
            return _error(404, f"no conversation '{conversation_id}'")
        return json({"conversation_id": conversation_id, "transcript": lines,
                     "handoff": handoffs.as_dict(waiting) if waiting else None})

    @app.post("/agent/conversations/<conversation_id>/reply")
    async def reply(request: Request, conversation_id: str) -> HTTPResponse:
        data = body(request)
        text = str(data.get("text") or "").strip()
        if not text:
            return _error(400, "text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, f"text is longer than {MAX_TEXT} characters")
        findings, rewrite = phrases.check(text)
        if findings:
            return _error(422, "the reply contains forbidden wording (禁忌用语)",
                          findings=[f.__dict__ for f in findings], rewrite=rewrite)
        if handoffs.waiting_for(conversation_id) is None:
            return _error(404, f"no waiting handoff for '{conversation_id}'")
        await rasa.append(conversation_id, [{"event": "bot", "text": text,
                                             "metadata": {"agent": actor(request, data)}}])
        return json({"sent": True})

    @app.post("/agent/conversations/<conversation_id>/resolve")
    async def resolve(request: Request, conversation_id: str) -> HTTPResponse:
        handoff = handoffs.resolve(conversation_id, actor(request, body(request)))
        if handoff is None:
            return _error(404, f"no waiting handoff for '{conversation_id}'")
        # After the pause Rasa predicted nothing, so the tracker's last action is
        # the handoff; `action_listen` puts it back to waiting for the resident.
        await rasa.append(conversation_id, [
            {"event": "resume"},
            {"event": "bot", "text": HANDED_BACK, "metadata": {"utter_action": "utter_handed_back"}},
            {"event": "action", "name": "action_listen"},
        ])
        return json({"resolved": True, "handoff": handoffs.as_dict(handoff)})

    @app.get("/agent/tickets")
    async def ticket_list(request: Request) -> HTTPResponse:
        flagged = request.args.get("flagged")
        rows = tickets.list_tickets(status=request.args.get("status"), kind=request.args.get("kind"),
                                    flagged=None if flagged is None else flagged == "true")
        return json({"tickets": [tickets.as_dict(t) for t in rows]})

    @app.get("/agent/tickets/<number>")
    async def ticket_page(request: Request, number: str) -> HTTPResponse:
        ticket = tickets.find(number)
        if ticket is None:
            return _error(404, f"no ticket {number}")
        return json(tickets.as_dict(ticket, phone_in_clear=True))

    @app.patch("/agent/tickets/<number>")
    async def update_ticket(request: Request, number: str) -> HTTPResponse:
        data = body(request)
        status = data.get("status")
        if status not in STATUS_NAMES:
            return _error(400, f"status must be one of {sorted(STATUS_NAMES)}")
        ticket = tickets.add_status(number, status, actor(request, data), data.get("note"))
        if ticket is None:
            return _error(404, f"no ticket {number}")
        return json(tickets.as_dict(ticket, phone_in_clear=True))

    @app.post("/agent/suggest")
    async def suggest(request: Request) -> HTTPResponse:
        data = body(request)
        message = str(data.get("message") or "").strip()
        if not message:
            return _error(400, "message is empty")
        ticket = tickets.find(str(data["ticket_no"])) if data.get("ticket_no") else None
        if data.get("ticket_no") and ticket is None:
            return _error(404, f"no ticket {data['ticket_no']}")
        return json({"suggestions": phrases.suggest(message[:MAX_TEXT], ticket)})

    @app.post("/agent/check")
    async def check(request: Request) -> HTTPResponse:
        draft = str(body(request).get("draft") or "")
        if not draft.strip():
            return _error(400, "draft is empty")
        findings, rewrite = phrases.check(draft[:MAX_TEXT])
        return json({"ok": not findings, "findings": [f.__dict__ for f in findings],
                     "rewrite": rewrite})

    @app.exception(aiohttp.ClientError)
    async def rasa_unreachable(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("Rasa API call failed: %s", exception)
        return _error(502, "the conversation server did not answer")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5056)
    args = parser.parse_args()
    install_log_masking()
    token = os.environ.get("AGENT_API_TOKEN")
    if not token:
        raise SystemExit("AGENT_API_TOKEN must be set")
    rasa = RasaClient(os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                      os.environ.get("RASA_AUTH_TOKEN") or None)
    create_app(rasa, token).run(host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
