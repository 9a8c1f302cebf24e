"""The agents' routes of the console (/agent/...): the handoff queue, a
conversation's transcript, replying (refused when it holds forbidden
wording), taking and resolving, tickets, reply suggestions and the wording
check. A blueprint of bot.console.agent_api, which signs people in."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot import handoffs, suggestions, tickets, wording
from bot.console import review
from bot.figures.period import local_midnight, parse_day
from bot.http_json import body, error, field
from bot.models import OPEN_STATUSES, STATUS_NAMES, Handoff, Ticket
from bot.privacy import mask_phones
from bot.rasa_client import RasaClient

MAX_TEXT = 2000


def transcript(tracker: dict) -> list[dict]:
    """The resident's and the assistant's (or agent's) messages, phones masked;
    a resident's line keeps the emotion (with its cues) the NLU found when it came in."""
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


def last_resident_message(tracker: dict) -> str | None:
    return next((e.get("text") for e in reversed(tracker.get("events") or [])
                 if e.get("event") == "user" and e.get("text")), None)


def ticket_beside(conversation_id: str, waiting: Handoff | None) -> Ticket | None:
    """The ticket an agent should see beside a conversation: the handoff's own,
    else the resident's most recent open one on that channel."""
    if waiting is None:
        return None
    if waiting.ticket_number:
        return tickets.find(waiting.ticket_number)
    recent = tickets.tickets_of(tickets.reporter_id(waiting.channel, conversation_id), limit=1)
    return recent[0] if recent and recent[0].status in OPEN_STATUSES else None


def blueprint(rasa: RasaClient, actor: Callable[[Request, dict], str]) -> Blueprint:
    """`actor` names who made a request (the signed-in person, or the service's "agent" field)."""
    bp = Blueprint("agent")

    @bp.get("/agent/handoffs")
    async def handoff_queue(request: Request) -> HTTPResponse:
        """The waiting handoffs, and above them the level-1/2 tickets at risk of
        missing a deadline or past it (polled by the console every few seconds)."""
        return json({"handoffs": [handoffs.as_dict(h) for h in handoffs.queue()],
                     "attention": [tickets.as_dict(t) for t in tickets.needing_attention()]})

    @bp.get("/agent/conversations/<conversation_id>")
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        lines = transcript(await rasa.tracker(conversation_id))
        waiting = handoffs.waiting_for(conversation_id)
        if not lines and waiting is None:
            return error(404, f"没有会话“{conversation_id}”")
        ticket = ticket_beside(conversation_id, waiting)
        return json({"conversation_id": conversation_id, "transcript": lines,
                     "handoff": handoffs.as_dict(waiting) if waiting else None,
                     "ticket": tickets.as_dict(ticket) if ticket else None})

    @bp.post("/agent/conversations/<conversation_id>/reply")
    async def reply(request: Request, conversation_id: str) -> HTTPResponse:
        data = body(request)
        text, agent = (field(data, "text") or "").strip(), actor(request, data)
        if not text:
            return error(400, "内容为空")
        if len(text) > MAX_TEXT:
            return error(400, f"内容超过 {MAX_TEXT} 个字")
        findings, rewrite = wording.check(text)
        if findings:
            return error(422, "回复含有禁忌用语，未发送",
                          findings=[f.as_dict() for f in findings], rewrite=rewrite)
        if handoffs.waiting_for(conversation_id) is None:
            return error(404, f"会话“{conversation_id}”没有等待中的转人工")
        handoffs.take(conversation_id, agent, replying=True)
        asked = last_resident_message(await rasa.tracker(conversation_id))
        await rasa.append(conversation_id, [{"event": "bot", "text": text, "metadata": {"agent": agent}}])
        # The learning loop: the agent answered in the bot's place; a trainer reviews it.
        item = review.record(conversation_id, asked, text, agent) if asked else None
        return json({"sent": True, "review_item": item.id if item else None})

    @bp.post("/agent/conversations/<conversation_id>/take")
    async def take(request: Request, conversation_id: str) -> HTTPResponse:
        handoff = handoffs.take(conversation_id, actor(request, body(request)))
        if handoff is None:
            return error(404, f"会话“{conversation_id}”没有等待中的转人工")
        return json({"handoff": handoffs.as_dict(handoff)})

    @bp.post("/agent/conversations/<conversation_id>/resolve")
    async def resolve(request: Request, conversation_id: str) -> HTTPResponse:
        handoff = handoffs.resolve(conversation_id, actor(request, body(request)))
        if handoff is None:
            return error(404, f"会话“{conversation_id}”没有等待中的转人工")
        if handoff.reason in handoffs.CALL_TASKS:  # a phone call was the task; the chat was never paused
            return json({"resolved": True, "handoff": handoffs.as_dict(handoff)})
        # After the pause Rasa predicted nothing, so the tracker's last action is
        # the handoff; `action_listen` puts it back to waiting for the resident.
        await rasa.append(conversation_id, [{"event": "resume"}])
        await rasa.execute(conversation_id, "utter_handed_back")  # the sentence lives in domain.yml
        await rasa.append(conversation_id, [{"event": "action", "name": "action_listen"}])
        return json({"resolved": True, "handoff": handoffs.as_dict(handoff)})

    @bp.get("/agent/tickets")
    async def ticket_list(request: Request) -> HTTPResponse:
        def yes_no(name: str) -> bool | None:
            value = request.args.get(name)
            return None if value in (None, "") else value == "true"

        def day(name: str, title: str) -> date | None:
            value = request.args.get(name)
            return parse_day(value, title) if value else None

        opened_from, opened_to = day("from", "开始日期"), day("to", "结束日期")
        rows = tickets.list_tickets(status=request.args.get("status") or None,
                                    kind=request.args.get("kind") or None, flagged=yes_no("flagged"),
                                    building=request.args.get("building") or None,
                                    overdue=yes_no("overdue"), category=request.args.get("category") or None,
                                    opened_from=local_midnight(opened_from) if opened_from else None,
                                    opened_before=local_midnight(opened_to + timedelta(days=1)) if opened_to else None)
        return json({"tickets": [tickets.as_dict(t) for t in rows]})

    @bp.get("/agent/tickets/<number>")
    async def ticket_page(request: Request, number: str) -> HTTPResponse:
        ticket = tickets.find(number)
        if ticket is None:
            return error(404, f"没有工单 {number}")
        return json(tickets.as_dict(ticket, phone_in_clear=True))

    @bp.patch("/agent/tickets/<number>")
    async def update_ticket(request: Request, number: str) -> HTTPResponse:
        data = body(request)
        status = field(data, "status")
        if status not in STATUS_NAMES:
            return error(400, f"状态必须是 {sorted(STATUS_NAMES)} 之一")
        ticket = tickets.add_status(number, status, actor(request, data), field(data, "note"))
        if ticket is None:
            return error(404, f"没有工单 {number}")
        return json(tickets.as_dict(ticket, phone_in_clear=True))

    @bp.post("/agent/suggest")
    async def suggest(request: Request) -> HTTPResponse:
        data = body(request)
        conversation_id, ticket_no = field(data, "conversation_id"), field(data, "ticket_no")
        message, said = (field(data, "message") or "").strip(), field(data, "agent_said", list) or []
        facts = {name: field(data, name) for name in ("intent", "category", "emotion")}
        urgency = field(data, "urgency", int)
        ticket = tickets.find(ticket_no) if ticket_no else None
        if ticket_no and ticket is None:
            return error(404, f"没有工单 {ticket_no}")
        if conversation_id:
            events = (await rasa.tracker(conversation_id)).get("events") or []
            ticket = ticket or ticket_beside(conversation_id, handoffs.waiting_for(conversation_id))
            situation = suggestions.situation_of(events, ticket)
            if not situation.resident:
                return error(404, f"没有会话“{conversation_id}”")
        elif not message:
            return error(400, "消息为空")
        else:
            situation = suggestions.Situation(
                (message[:MAX_TEXT],), facts["intent"], facts["category"] or (ticket.category if ticket else None),
                facts["emotion"], urgency, ticket.kind if ticket else None, ticket.status if ticket else None,
                bool(ticket and tickets.is_overdue(ticket)), tuple(str(line)[:MAX_TEXT] for line in said[-2:]))
        return json({"suggestions": suggestions.suggest(situation, ticket)})

    @bp.post("/agent/check")
    async def check(request: Request) -> HTTPResponse:
        draft = field(body(request), "draft") or ""
        if not draft.strip():
            return error(400, "草稿为空")
        findings, rewrite = wording.check(draft[:MAX_TEXT])
        return json({"ok": not findings, "findings": [f.as_dict() for f in findings],
                     "rewrite": rewrite})

    return bp
