"""When the bot must not handle a conversation alone: emergencies (response
levels 1-2), upset residents, and residents who ask for a person."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import emergency, extraction, knowledge, reports, routing, tickets
from bot.actions.common import hand_over, latest_text, announce_ticket, report_from, reporter

REPORT_KINDS = {"repair_request": "repair", "complaint": "complaint"}


class ActionEmergency(Action):
    """Safety first, then a ticket at the emergency's level, then a person. Runs
    ahead of any form (the form is closed)."""

    def name(self) -> Text:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_text(tracker)
        level = ((tracker.latest_message or {}).get("urgency") or {}).get("level") or 1
        return await respond_to_emergency(tracker, dispatcher, text, level)


async def respond_to_emergency(tracker: Tracker, dispatcher: CollectingDispatcher, text: str,
                               level: int) -> List[EventType]:
    """Safety text for the level, a ticket at that level, then a person."""
    for response, values in emergency.first_responses(level):
        dispatcher.utter_message(response=response, **values)
    named_here = extraction.is_usable_location(extraction.parse_location(text))
    report = replace(report_from(tracker, "repair", text,
                                 location=text if named_here else tracker.get_slot("location")),
                     urgency=level)
    ticket, events = await announce_ticket(report, dispatcher, "utter_emergency_ticket",
                                       level_name=knowledge.sla().levels[level].name)
    return [ActiveLoop(None)] + events + await hand_over(
        tracker, dispatcher, "emergency", ticket.number if ticket else None)


class ActionHandoff(Action):
    """An upset resident or a request for a person: the complaint or repair is
    still recorded (flagged), then a person takes over."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        events: List[EventType] = [ActiveLoop(None)]
        ticket_number = None
        if intent == "request_human":
            reason = "request"
            _, reporter_id = reporter(tracker)
            try:
                latest = await asyncio.to_thread(tickets.tickets_of, reporter_id, 1)
            except SQLAlchemyError:
                latest = []  # hand_over reports the outage
            ticket_number = latest[0].number if latest else None
        else:
            reason = "emotion"
            kind = REPORT_KINDS.get(intent)
            if kind:
                text = latest_text(tracker)
                route = (routing.route_complaint if kind == "complaint" else routing.route_repair)(text)
                dispatcher.utter_message(response="utter_complaint_ack", fact=reports.summary(text),
                                         category=route.category_name, team=route.team_name)
                ticket, ticket_events = await announce_ticket(
                    report_from(tracker, kind, text, location=text), dispatcher, "utter_ticket_logged")
                events += ticket_events
                ticket_number = ticket.number if ticket else None
        return events + await hand_over(tracker, dispatcher, reason, ticket_number)
