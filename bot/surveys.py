"""The satisfaction follow-up (回访) of a finished repair or complaint.

When a ticket is first resolved or closed, `tickets.add_status` schedules a
"survey" job (bot/jobs.py). The worker (bot/worker.py) runs it: the resident
gets, on their own channel, a 1-5 rating with buttons (Telegram inline
buttons, web-chat quick replies) and may add a comment. A rating of 1 to
sla.yml's `survey.low_score` reopens the ticket, flagged, for a person. With no
answer, one reminder after `reminder_after_hours`, then a call task for an
agent after `call_after_hours`. Each ticket is surveyed once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Protocol

from sqlalchemy import select

from bot import handoffs, jobs, knowledge, tickets
from bot.clock import utcnow
from bot.db import session_scope
from bot.models import Survey, Ticket
from bot.understanding.ratings import Rating

@dataclass(frozen=True)
class Outcome:
    """What became of a survey answer, for the conversation to say.
    kind: "thanks", "low" (reopened for a person), "comment" (added to an
    earlier rating), "already" (rated before), "none" (no survey was sent here)."""
    kind: str
    ticket_number: str | None = None
    score: int | None = None


def _latest(session, conversation_id: str, answered: bool) -> tuple[Survey, Ticket] | None:
    query = (select(Survey, Ticket).join(Ticket, Ticket.id == Survey.ticket_id)
             .where(Survey.conversation_id == conversation_id, Survey.sent_at.is_not(None))
             .order_by(Survey.sent_at.desc(), Survey.id.desc()).limit(1))
    query = query.where(Survey.score.is_not(None) if answered else Survey.score.is_(None))
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def record(conversation_id: str, rating: Rating, now: datetime | None = None) -> Outcome:
    """Keep a resident's answer: the score (once per ticket) and any comment; a
    comment sent with a second score is added to the first. A low score
    reopens the ticket; another closes a resolved one."""
    now = now or utcnow()
    with session_scope() as session:
        waiting = _latest(session, conversation_id, answered=False)
        if waiting is None:
            answered = _latest(session, conversation_id, answered=True)
            if answered is None:
                return Outcome("none")
            survey, ticket = answered
            if not rating.comment:
                return Outcome("already", ticket.number, survey.score)
            survey.comment = "\n".join(filter(None, (survey.comment, rating.comment)))[:2000]
            return Outcome("comment", ticket.number, survey.score)
        survey, ticket = waiting
        survey.score, survey.answered_at = rating.score, now
        survey.comment = (rating.comment or "")[:2000] or None
        number, status = ticket.number, ticket.status
    jobs.cancel([f"survey_reminder:{survey.ticket_id}", f"survey_call:{survey.ticket_id}"])
    note = f"回访评分 {rating.score} 分" + (f"：{rating.comment}" if rating.comment else "")
    if rating.score <= knowledge.sla().survey_low_score:
        tickets.add_status(number, "open", "回访", note)  # the conversation hands it to a person, flagged
        return Outcome("low", number, rating.score)
    if status == "resolved":
        tickets.add_status(number, "closed", "回访", note)
    return Outcome("thanks", number, rating.score)


class Messenger(Protocol):
    """Sends a response from domain.yml into a resident's conversation, on the
    channel they last used (bot/rasa_client.py)."""

    async def say(self, conversation_id: str, response: str, slots: dict) -> None: ...

    async def busy(self, conversation_id: str) -> bool:
        """Is the conversation with a person or in the middle of a form?"""


class NotNow(RuntimeError):
    """The conversation is busy (a person has it, or a form is open): try later."""


async def send_survey(payload: dict, messenger: Messenger, now: datetime | None = None) -> None:
    """The "survey" job: ask for the rating once, then schedule the reminder and the call."""
    with session_scope() as session:
        ticket = session.get(Ticket, payload["ticket_id"])
        if ticket is None:
            return
        conversation_id = tickets.sender_of(ticket)
        survey = session.execute(select(Survey).where(Survey.ticket_id == ticket.id)).scalar_one_or_none()
        if survey is not None and survey.sent_at is not None:
            return  # sent before: a ticket is surveyed once
        if survey is None:
            session.add(Survey(ticket_id=ticket.id, conversation_id=conversation_id, channel=ticket.channel))
    if await messenger.busy(conversation_id):
        raise NotNow(f"conversation of {ticket.number} is busy")
    await messenger.say(conversation_id, "utter_ask_satisfaction", _slots(ticket))
    now = now or utcnow()
    timing = knowledge.sla()
    with session_scope() as session:
        survey = session.execute(select(Survey).where(Survey.ticket_id == ticket.id)).scalar_one()
        survey.sent_at = now
        jobs.schedule(session, "survey_reminder", f"survey_reminder:{ticket.id}",
                      now + timedelta(hours=timing.survey_reminder_hours), {"ticket_id": ticket.id})
        jobs.schedule(session, "survey_call", f"survey_call:{ticket.id}",
                      now + timedelta(hours=timing.survey_call_hours), {"ticket_id": ticket.id})


def _slots(ticket: Ticket) -> dict:
    return {"survey_ticket": ticket.number, "survey_subject": ticket.category_name}


def _unanswered(ticket_id: int) -> tuple[Survey, Ticket] | None:
    """The ticket's survey and the ticket, while the survey waits for its answer."""
    with session_scope() as session:
        row = session.execute(select(Survey, Ticket).join(Ticket, Ticket.id == Survey.ticket_id).where(
            Survey.ticket_id == ticket_id, Survey.score.is_(None))).first()
        return (row[0], row[1]) if row else None


async def remind(payload: dict, messenger: Messenger, now: datetime | None = None) -> None:
    """The "survey_reminder" job: one reminder, unless the resident has answered."""
    found = _unanswered(payload["ticket_id"])
    if found is None or found[0].reminded_at is not None:
        return
    survey, ticket = found
    if await messenger.busy(survey.conversation_id):
        raise NotNow(f"conversation of {ticket.number} is busy")
    await messenger.say(survey.conversation_id, "utter_remind_satisfaction", _slots(ticket))
    with session_scope() as session:
        session.get(Survey, survey.id).reminded_at = now or utcnow()


async def call_task(payload: dict, messenger: Messenger, now: datetime | None = None) -> None:
    """The "survey_call" job: no answer after the reminder, so an agent phones
    the resident (a task in the agents' queue, with the ticket)."""
    found = _unanswered(payload["ticket_id"])
    if found is None or found[0].call_task_at is not None:
        return
    survey, ticket = found
    handoffs.open_handoff(handoffs.HandoffRequest(
        conversation_id=survey.conversation_id, channel=survey.channel, reason="survey_call",
        summary=f"回访未回复，请电话回访：{ticket.number} {ticket.category_name} {ticket.location or ''}".strip(),
        ticket_number=ticket.number))
    with session_scope() as session:
        session.get(Survey, survey.id).call_task_at = now or utcnow()


HANDLERS: dict[str, Callable[[dict, Messenger], Awaitable[None]]] = {
    "survey": send_survey, "survey_reminder": remind, "survey_call": call_task}
