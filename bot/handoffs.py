"""Handing a conversation to a human agent (转人工): the record of why, the
queue agents work from, and how long a resident is told to wait."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from bot import knowledge
from bot.db import session_scope
from bot.privacy import mask_phones
from bot.models import Handoff, Ticket
from bot.clock import utcnow

REASONS = ("emergency", "emotion", "request", "misunderstood", "stuck")  # stuck: a report form gave up on a fact


@dataclass(frozen=True)
class HandoffRequest:
    conversation_id: str
    channel: str
    reason: str
    summary: str
    urgency: int | None = None
    emotion_score: float | None = None
    emotion_cues: tuple[str, ...] = ()
    ticket_number: str | None = None


def wait_minutes(urgency: int | None) -> int:
    """How soon a person answers: the response time of the level (level 3 when
    there is none)."""
    return knowledge.sla().levels[urgency or 3].respond_minutes


def _waiting(session: Session, conversation_id: str) -> Handoff | None:
    """The conversation's waiting handoff (there is at most one)."""
    return session.execute(select(Handoff).where(
        Handoff.conversation_id == conversation_id, Handoff.status == "waiting")).scalar_one_or_none()


def open_handoff(request: HandoffRequest) -> Handoff:
    """Record the handoff (one waiting handoff per conversation) and flag its ticket."""
    if request.reason not in REASONS:
        raise ValueError(f"unknown handoff reason {request.reason!r}")
    with session_scope() as session:
        handoff = _waiting(session, request.conversation_id)
        if handoff is None:
            handoff = Handoff(conversation_id=request.conversation_id, channel=request.channel,
                              status="waiting", created_at=utcnow())
            session.add(handoff)
        handoff.reason = request.reason
        handoff.urgency = min(filter(None, (handoff.urgency, request.urgency)), default=None)
        handoff.emotion_score = request.emotion_score
        handoff.emotion_cues = json.dumps(list(request.emotion_cues), ensure_ascii=False)
        handoff.summary = mask_phones(request.summary)[:500]
        handoff.ticket_number = request.ticket_number or handoff.ticket_number
        if handoff.ticket_number:
            session.execute(update(Ticket).where(Ticket.number == handoff.ticket_number)
                            .values(flagged=True))
        session.flush()
        return handoff


def queue() -> list[Handoff]:
    """Waiting handoffs: most urgent level first (none counts as 3), then oldest."""
    with session_scope() as session:
        return list(session.execute(
            select(Handoff).where(Handoff.status == "waiting").order_by(
                case((Handoff.urgency.is_(None), 3), else_=Handoff.urgency), Handoff.created_at,
                Handoff.id)
        ).scalars())


def waiting_for(conversation_id: str) -> Handoff | None:
    with session_scope() as session:
        return _waiting(session, conversation_id)


def take(conversation_id: str, agent: str) -> Handoff | None:
    """An agent takes the waiting handoff (the queue then shows who has it);
    None when there is none. Taking it again hands it to the new agent."""
    with session_scope() as session:
        handoff = _waiting(session, conversation_id)
        if handoff and handoff.taken_by != agent:
            handoff.taken_by, handoff.taken_at = agent, utcnow()
        return handoff


def resolve(conversation_id: str, agent: str) -> Handoff | None:
    """Close the conversation's waiting handoff; None when there is none."""
    with session_scope() as session:
        handoff = _waiting(session, conversation_id)
        if handoff:
            handoff.status, handoff.resolved_at, handoff.resolved_by = "resolved", utcnow(), agent
        return handoff


def as_dict(handoff: Handoff) -> dict:
    return {
        "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
        "reason": handoff.reason, "urgency": handoff.urgency, "emotion_score": handoff.emotion_score,
        "emotion_cues": json.loads(handoff.emotion_cues or "[]"), "summary": handoff.summary,
        "ticket_number": handoff.ticket_number, "status": handoff.status, "taken_by": handoff.taken_by,
        "created_at": handoff.created_at.isoformat() + "Z",
        "waiting_seconds": int((utcnow() - handoff.created_at).total_seconds()),
    }
