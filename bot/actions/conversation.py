"""Everything outside the two forms: FAQ answers, fallback, ticket status,
cancelling a report."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import faq, reports, tickets
from bot.actions.common import (clear_report, eta_words, hand_over, latest_entity, latest_text,
                                reporter, service_phone)
from bot.db import session_scope
from bot.models import UnansweredQuestion

logger = logging.getLogger(__name__)


class ActionAnswerFaq(Action):
    """Answers from knowledge/faq.yml, or passes the question on honestly."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        question = latest_text(tracker)
        match, answer = faq.answer(question)
        if answer:
            dispatcher.utter_message(text=answer)
            return []
        channel, reporter_id = reporter(tracker)
        try:
            with session_scope() as session:
                session.add(UnansweredQuestion(
                    text=question, reporter_id=reporter_id, channel=channel,
                    best_faq_id=match.entry.id if match else None,
                    best_score=match.score if match else None, created_at=tickets.utcnow()))
        except SQLAlchemyError:
            logger.exception("could not record an unanswered question")
        dispatcher.utter_message(response="utter_faq_unknown", phone=service_phone())
        return []


class ActionDefaultFallback(Action):
    """Low NLU confidence: say so plainly and show what works; the second time
    in a row, a person takes over."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if _misunderstood_before(tracker):
            return [UserUtteranceReverted()] + hand_over(tracker, dispatcher, "misunderstood")
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


class ActionTicketStatus(Action):
    """A resident's own tickets only: by number, or the latest ones."""

    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        _, reporter_id = reporter(tracker)
        number = latest_entity(tracker, "ticket_no")
        try:
            if number:
                found = tickets.ticket_of(reporter_id, number)
                if not found:
                    dispatcher.utter_message(response="utter_ticket_not_found", ticket_no=number)
                    return []
                rows = [found]
            else:
                rows = tickets.tickets_of(reporter_id)
        except SQLAlchemyError:
            logger.exception("ticket lookup failed")
            dispatcher.utter_message(response="utter_ticket_store_down", phone=service_phone())
            return []
        if not rows:
            dispatcher.utter_message(response="utter_no_tickets")
        for ticket in rows:
            dispatcher.utter_message(
                response="utter_ticket_status", ticket_no=ticket.number,
                kind="报修" if ticket.kind == "repair" else "投诉", category=ticket.category_name,
                status=tickets.status_text(ticket), team=ticket.team_name, **eta_words(ticket))
        return []


class ActionCancelReport(Action):
    def name(self) -> Text:
        return "action_cancel_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_report_cancelled")
        return [ActiveLoop(None)] + clear_report()
