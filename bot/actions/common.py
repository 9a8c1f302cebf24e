"""What every action needs: who is talking, what they said, contact validation,
and turning a finished report into a ticket.

Database work runs in a worker thread (`asyncio.to_thread`): a slow or locked
database delays one conversation, never the action server's event loop.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import clock, extraction, form_answers, handoffs, knowledge, privacy, tickets

logger = logging.getLogger(__name__)

# Slots that describe one report; cleared once its ticket exists (location and
# phone stay: the same resident usually reports from the same flat).
REPORT_SLOTS = ("problem", "visit_time", "repair_confirmed", "complaint_text", "requested_slot", "stuck_on")


# Channels whose sender id proves who is writing (Telegram's chat id). On the
# others (REST, web chat) anyone can claim any id, so a status request must be
# proved with the last four digits of the ticket's phone.
TRUSTED_CHANNELS = ("telegram",)


def reporter(tracker: Tracker) -> tuple[str, str]:
    """(channel, reporter id). Tickets belong to a sender on one channel."""
    channel = tracker.get_latest_input_channel() or "unknown"
    return channel, tickets.reporter_id(channel, tracker.sender_id)


def latest_text(tracker: Tracker) -> str:
    """The resident's last message as they wrote it. (`latest_message["text"]`
    is what the NLU read: Simplified and cut to its length limit.)"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("text") or ""
    return (tracker.latest_message or {}).get("text") or ""


def latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def location_fields(text: Optional[str]) -> Dict[Text, Optional[str]]:
    """The ticket's location columns from a location slot or free text."""
    loc = extraction.parse_location(text or "")
    if not loc:
        return {"location": None, "building": None, "unit": None, "room": None}
    return {"location": loc.value, "building": loc.building, "unit": loc.unit, "room": loc.room}


def clear_report() -> List[EventType]:
    return [SlotSet(slot, None) for slot in REPORT_SLOTS]


def service_phone() -> str:
    return str(knowledge.community_facts().get("service_phone", ""))


def eta_words(ticket: Any) -> Dict[Text, Text]:
    """The promised time of a ticket, in the words the replies use."""
    if ticket.kind == "complaint":
        return {"eta_label": "回访时间", "eta": clock.local_time_text(ticket.followup_by)}
    return {"eta_label": "预计到场" if ticket.onsite_by else "预计处理完成",
            "eta": tickets.promised_time_text(ticket)}


def report_from(tracker: Tracker, kind: str, description: str,
                location: Optional[str]) -> tickets.Report:
    """A report from the conversation so far; `location` is the text the place is
    read from (the location slot, or the message itself)."""
    channel, reporter_id = reporter(tracker)
    return tickets.Report(kind=kind, description=description, channel=channel,
                          reporter_id=reporter_id, phone=tracker.get_slot("phone"),
                          visit_time=tracker.get_slot("visit_time"), **location_fields(location))


async def announce_ticket(report: tickets.Report, dispatcher: CollectingDispatcher,
                     response: str, **extra: Any) -> Tuple[Optional[Any], List[EventType]]:
    """Create the ticket and tell the resident its number, team and time.
    Returns (ticket or None when the database is down, events)."""
    try:
        ticket = await asyncio.to_thread(tickets.open_ticket, report)
    except tickets.TicketStoreDown:
        dispatcher.utter_message(response="utter_ticket_store_down", phone=service_phone())
        return None, clear_report()
    dispatcher.utter_message(
        response=response,
        ticket_no=ticket.number,
        category=ticket.category_name,
        team=ticket.team_name,
        phone_masked=privacy.mask_phone(ticket.contact_phone or ""),
        followup=clock.local_time_text(ticket.followup_by) if ticket.followup_by else "",
        **eta_words(ticket),
        **extra,
    )
    return ticket, clear_report() + [SlotSet("ticket_no", ticket.number)]


async def finish_report(tracker: Tracker, dispatcher: CollectingDispatcher, report: tickets.Report,
                        response: str) -> List[EventType]:
    """The end of a report form: the ticket, or, when the form gave up on a fact
    (asked twice without an answer), a person who takes over with what was said."""
    if tracker.get_slot("stuck_on"):
        missing = form_answers.FACT_NAMES.get(tracker.get_slot("stuck_on"), tracker.get_slot("stuck_on"))
        summary = "；".join([f"登记未完成（缺{missing}）", report.description, report.location or ""])
        return clear_report() + await hand_over(tracker, dispatcher, "stuck", summary=summary.rstrip("；"))
    return (await announce_ticket(report, dispatcher, response))[1]


async def hand_over(tracker: Tracker, dispatcher: CollectingDispatcher, reason: str,
                    ticket_number: Optional[str] = None, summary: Optional[str] = None) -> List[EventType]:
    """Record a handoff, tell the resident when a person answers, and pause the
    bot for this conversation (Rasa's ConversationPaused)."""
    message = tracker.latest_message or {}
    emotion = message.get("emotion") or {}
    urgency = (message.get("urgency") or {}).get("level")
    channel, _ = reporter(tracker)
    request = handoffs.HandoffRequest(
        conversation_id=tracker.sender_id, channel=channel, reason=reason,
        summary=summary or latest_text(tracker), urgency=urgency if urgency in (1, 2) else None,
        emotion_score=emotion.get("score"), emotion_cues=tuple(emotion.get("cues") or ()),
        ticket_number=ticket_number)
    try:
        handoff = await asyncio.to_thread(handoffs.open_handoff, request)
    except SQLAlchemyError as error:
        logger.error("could not record a handoff: %s", type(error).__name__)
        dispatcher.utter_message(response="utter_handoff_unavailable",
                                 phone=knowledge.community_facts().get("duty_phone", ""))
        return []
    if handoff.callback_by:  # nobody can answer now: say honestly when someone calls
        dispatcher.utter_message(response="utter_handoff_callback",
                                 callback_time=clock.local_time_text(handoff.callback_by),
                                 phone=knowledge.community_facts().get("duty_phone", ""))
    else:
        dispatcher.utter_message(response="utter_handoff", minutes=handoffs.wait_minutes(request.urgency))
    return [ConversationPaused()]
