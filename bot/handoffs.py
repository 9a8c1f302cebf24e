"""Handing a conversation to a human agent (转人工): the record of why, the
queue agents work from, and how long a resident is told to wait."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from bot import clock, knowledge
from bot.db import session_scope
from bot.privacy import mask_phones
from bot.models import Account, Handoff, LoginSession, Ticket
from bot.clock import utcnow

# Why a conversation went to a person, and the name agents read (the console and
# the dashboard take it from here). stuck: a report form gave up on a fact;
# survey_low: a resident rated a finished ticket low; survey_call: a resident
# never answered the survey, so an agent calls.
REASON_NAMES = {"emergency": "紧急情况", "emotion": "情绪激动", "request": "要求人工", "misunderstood": "未能理解",
                "stuck": "登记未完成", "survey_low": "回访不满意", "survey_call": "回访电话"}
REASONS = tuple(REASON_NAMES)
CALL_TASKS = ("survey_call",)  # handoffs that ask an agent to phone; the chat goes on meanwhile
STAFF_ROLES = ("agent", "admin")  # who answers residents


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


def staff_signed_in(session: Session, now: datetime) -> bool:
    """Is anyone who answers residents signed in to the console now?"""
    return session.execute(select(LoginSession.token_hash).join(Account).where(
        LoginSession.expires_at > now, Account.active.is_(True), Account.role.in_(STAFF_ROLES)
    ).limit(1)).first() is not None


def _callback_time(session: Session, urgency: int | None, now: datetime) -> datetime | None:
    """When nobody can answer now (outside office hours, nobody signed in), the
    time by which someone calls back: the next opening plus the level's response
    time. None when a person can answer; never for emergencies (the duty line)."""
    if urgency in (1, 2) or clock.in_office_hours(now) or staff_signed_in(session, now):
        return None
    return clock.next_opening(now) + timedelta(minutes=wait_minutes(urgency))


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
            now = utcnow()
            handoff = Handoff(conversation_id=request.conversation_id, channel=request.channel,
                              status="waiting", created_at=now,
                              callback_by=_callback_time(session, request.urgency, now))
            session.add(handoff)
        handoff.reason = request.reason
        handoff.urgency = min(filter(None, (handoff.urgency, request.urgency)), default=None)
        if handoff.urgency in (1, 2):
            handoff.callback_by = None
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


def take(conversation_id: str, agent: str, replying: bool = False) -> Handoff | None:
    """An agent takes the waiting handoff (the queue then shows who has it);
    None when there is none. Taking it again hands it to the new agent. A reply
    takes it too, and the first reply's time is kept (first response time)."""
    with session_scope() as session:
        handoff = _waiting(session, conversation_id)
        if handoff:
            now = utcnow()
            if handoff.taken_by != agent:
                handoff.taken_by, handoff.taken_at = agent, now
            if replying and handoff.first_reply_at is None:
                handoff.first_reply_at = now
        return handoff


def resolve(conversation_id: str, agent: str) -> Handoff | None:
    """Close the conversation's waiting handoff; None when there is none."""
    with session_scope() as session:
        handoff = _waiting(session, conversation_id)
        if handoff:
            handoff.status, handoff.resolved_at, handoff.resolved_by = "resolved", utcnow(), agent
        return handoff


@dataclass(frozen=True)
class WaitingNotice:
    """What a resident who writes while waiting for a person is told: about how
    many minutes are left, or the time of the call-back."""
    minutes: int
    callback_by: datetime | None = None


def notice_while_waiting(conversation_id: str, urgency: int | None,
                         now: datetime | None = None) -> WaitingNotice | None:
    """A resident wrote while the conversation waits for a person (the message
    is already in the transcript). None when an agent has taken the conversation
    (the bot never speaks in their place) or a notice went out less than
    sla.yml's waiting_notice_minutes ago. An urgent message (level 1-2) raises
    the handoff to that level."""
    now = now or utcnow()
    with session_scope() as session:
        handoff = _waiting(session, conversation_id)
        if handoff is None:
            return None
        if urgency in (1, 2) and (handoff.urgency is None or urgency < handoff.urgency):
            handoff.urgency, handoff.callback_by = urgency, None
        if handoff.taken_by:
            return None
        every = timedelta(minutes=knowledge.sla().waiting_notice_minutes)
        if handoff.acknowledged_at and now - handoff.acknowledged_at < every:
            return None
        handoff.acknowledged_at = now
        waited = (now - handoff.created_at).total_seconds() / 60
        return WaitingNotice(max(1, math.ceil(wait_minutes(handoff.urgency) - waited)), handoff.callback_by)


def as_dict(handoff: Handoff) -> dict:
    return {
        "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
        "reason": handoff.reason, "urgency": handoff.urgency, "emotion_score": handoff.emotion_score,
        "emotion_cues": json.loads(handoff.emotion_cues or "[]"), "summary": handoff.summary,
        "ticket_number": handoff.ticket_number, "status": handoff.status, "taken_by": handoff.taken_by,
        "created_at": handoff.created_at.isoformat() + "Z",
        "callback_by": handoff.callback_by.isoformat() + "Z" if handoff.callback_by else None,
        "waiting_seconds": int((utcnow() - handoff.created_at).total_seconds()),
    }
