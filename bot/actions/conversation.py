"""Everything outside the repair and complaint forms: FAQ answers, fallback,
ticket status (with its proof of identity on weak channels), cancelling a report."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import clock, extraction, faq, reports, tickets
from bot.actions.common import (TRUSTED_CHANNELS, clear_report, eta_words, hand_over, latest_text,
                                reporter, service_phone)
from bot.db import session_scope
from bot.models import FaqAnswer, UnansweredQuestion

logger = logging.getLogger(__name__)


class ActionAnswerFaq(Action):
    """Answers from knowledge/faq.yml, or passes the question on honestly."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        if not await answer_questions_with_the_request(dispatcher, tracker):
            await answer_question(dispatcher, tracker, latest_text(tracker), message.get("faq_entry"))
        return []


async def answer_questions_with_the_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer each question of a message that held several requests (the
    NLU's "requests"); False when it held none."""
    questions = [r for r in (tracker.latest_message or {}).get("requests") or () if r.get("intent") == "faq"]
    for request in questions:
        await answer_question(dispatcher, tracker, request["text"], request.get("faq_entry"))
    return bool(questions)


async def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, question: str,
                          guess: Optional[Dict[str, Any]]) -> None:
    """The entry's answer, or a pass-on (recorded for the trainers' review);
    either is recorded for the dashboard."""
    answer = faq.answer(guess)
    if answer:
        dispatcher.utter_message(response="utter_faq_answer", answer=answer)
        _keep(FaqAnswer(faq_id=guess["id"], conversation_id=tracker.sender_id, at=clock.utcnow()))
        return
    channel, reporter_id = reporter(tracker)
    _keep(UnansweredQuestion(
        text=question, reporter_id=reporter_id, channel=channel,
        best_faq_id=(guess or {}).get("id"), best_score=(guess or {}).get("confidence"),
        created_at=clock.utcnow()))
    dispatcher.utter_message(response="utter_faq_unknown", phone=service_phone())


def _keep(record: Any) -> None:
    """Store a record of what was asked, in the background: the answer never
    waits for the database, and an outage loses the record, never the answer."""
    def add() -> None:
        with session_scope() as session:
            session.add(record)

    def finished(task: asyncio.Future) -> None:
        _keeping.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("could not record %s: %s", type(record).__name__, type(task.exception()).__name__)

    task = asyncio.ensure_future(asyncio.to_thread(add))
    _keeping.add(task)  # held until done, so the task is not collected mid-way
    task.add_done_callback(finished)


_keeping: set[asyncio.Future] = set()


class ActionDefaultFallback(Action):
    """Low NLU confidence: say so plainly and show what works; the second time
    in a row, a person takes over."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if _misunderstood_before(tracker):
            return [UserUtteranceReverted()] + await hand_over(tracker, dispatcher, "misunderstood")
        if not reports.substance(latest_text(tracker)):
            dispatcher.utter_message(response="utter_empty_message")
        else:
            dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]


FALLBACK_RESPONSES = ("utter_default", "utter_empty_message")


def _misunderstood_before(tracker: Tracker) -> bool:
    """Was the bot's last answer before this message a 'did not understand'?"""
    user_turns = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turns += 1
        elif event.get("event") == "bot" and user_turns == 1:
            return (event.get("metadata") or {}).get("utter_action") in FALLBACK_RESPONSES
    return False


MAX_WRONG_TAILS = 3  # wrong phone tails in a session before lookups stop


def _times_said(tracker: Tracker, response: str) -> int:
    return sum(1 for e in tracker.events
               if e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == response)


def _asked_number(tracker: Tracker) -> Optional[str]:
    """The ticket number in the resident's latest status request, if any."""
    for event in reversed(tracker.events):
        parse = event.get("parse_data") or {} if event.get("event") == "user" else {}
        if (parse.get("intent") or {}).get("name") == "check_ticket_status":
            return next((e.get("value") for e in parse.get("entities") or []
                         if e.get("entity") == "ticket_no"), None)
    return None


def _lookup(reporter_id: str, number: Optional[str], tail: Optional[str]) -> Optional[List[Any]]:
    """The tickets a status request may see; None when a numbered ticket is not
    this resident's. With a phone tail (weak channels) a ticket is the
    resident's when its phone ends with it; otherwise when they reported it."""
    def proven(ticket: Any) -> bool:
        return (ticket.contact_phone or "").endswith(tail) if tail else ticket.reporter_id == reporter_id

    if number:
        ticket = tickets.find(number)
        return [ticket] if ticket and proven(ticket) else None
    return [t for t in tickets.tickets_of(reporter_id) if proven(t)]


class ActionTicketStatus(Action):
    """A resident's own tickets only: by number, or the latest ones. On a weak
    channel the resident first proves it with the phone's last four digits
    (ticket_status_form), three wrong tries at most per session."""

    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        channel, reporter_id = reporter(tracker)
        tail = None
        if channel not in TRUSTED_CHANNELS:
            if _times_said(tracker, "utter_phone_tail_mismatch") >= MAX_WRONG_TAILS:
                dispatcher.utter_message(response="utter_status_locked", phone=service_phone())
                return []
            tail = tracker.get_slot("phone_tail")
            if not tail:
                return [ActiveLoop("ticket_status_form")]  # the form asks for the digits
        number = _asked_number(tracker)
        try:
            rows = await asyncio.to_thread(_lookup, reporter_id, number, tail)
        except SQLAlchemyError as error:
            logger.error("ticket lookup failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_ticket_store_down", phone=service_phone())
            return []
        if not rows and tail:
            dispatcher.utter_message(response="utter_phone_tail_mismatch")
            return [SlotSet("phone_tail", None)]
        if rows is None:
            dispatcher.utter_message(response="utter_ticket_not_found", ticket_no=number)
            return []
        if not rows:
            dispatcher.utter_message(response="utter_no_tickets")
        for ticket in rows:
            dispatcher.utter_message(
                response="utter_ticket_status", ticket_no=ticket.number,
                kind="报修" if ticket.kind == "repair" else "投诉", category=ticket.category_name,
                status=tickets.status_text(ticket), team=ticket.team_name, **eta_words(ticket))
        return []


class ValidateTicketStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_status_form"

    def validate_phone_tail(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        tail = extraction.phone_tail(str(value or ""))
        if tail is None:
            dispatcher.utter_message(response="utter_invalid_phone_tail")
        return {"phone_tail": tail}


class ActionCancelReport(Action):
    def name(self) -> Text:
        return "action_cancel_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_report_cancelled")
        return [ActiveLoop(None)] + clear_report()
