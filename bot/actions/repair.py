"""The repair (报修) form: collect, validate, read back, open the ticket."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import extraction, reports
from bot.actions.common import ContactValidation, latest_entity, latest_text, open_ticket, report_from


class ActionExtractMessageFacts(Action):
    """Slot mapping run on every user turn: `location` composed from the
    building / unit / room / place entities, `emotion_level` from the parse
    result's emotion, `phone_tail` from four digits while they are asked for."""

    def name(self) -> Text:
        return "action_extract_message_facts"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        emotion = (tracker.latest_message or {}).get("emotion") or {}
        events: List[EventType] = [SlotSet("emotion_level", emotion.get("level", "normal"))]
        parts = {e: latest_entity(tracker, e) for e in ("building", "unit", "room", "place")}
        if parts["building"] or parts["place"]:
            events.append(SlotSet("location", extraction.compose_location(**parts)))
        if tracker.get_slot("requested_slot") == "phone_tail":
            tail = extraction.phone_tail(latest_text(tracker))
            if tail:
                events.append(SlotSet("phone_tail", tail))
        return events


class ValidateRepairForm(ContactValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_repair_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        # A visit time only matters when the crew must enter a home.
        location = extraction.parse_location(tracker.get_slot("location") or "")
        if location and not location.room:
            return [s for s in domain_slots if s != "visit_time"]
        return domain_slots

    def validate_problem(self, value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if reports.describes_something(value):
            return {"problem": value}
        if tracker.get_slot("requested_slot") == "problem":
            dispatcher.utter_message(response="utter_problem_unclear")
        return {"problem": None}

    def validate_location(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        location = extraction.parse_location(str(value or ""))
        if extraction.is_usable_location(location):
            return {"location": location.value}
        dispatcher.utter_message(response="utter_invalid_location")
        return {"location": None}

    def validate_visit_time(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return {"visit_time": reports.visit_time(value)}

    def validate_repair_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value is False:
            dispatcher.utter_message(response="utter_repair_correction")
            return {"repair_confirmed": None}
        return {"repair_confirmed": value}


class ActionAskRepairConfirmed(Action):
    """Reads the key facts back (复述确认) before anything is dispatched."""

    def name(self) -> Text:
        return "action_ask_repair_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        lines = [
            "请核对一下报修信息：",
            f"位置：{tracker.get_slot('location')}",
            f"问题：{reports.summary(tracker.get_slot('problem') or '')}",
            f"电话：{extraction.mask_phone(tracker.get_slot('phone') or '')}",
        ]
        if tracker.get_slot("visit_time"):
            lines.append(f"上门时间：{tracker.get_slot('visit_time')}")
        lines.append("信息对吗？")
        dispatcher.utter_message(
            text="  \n".join(lines),  # a Markdown line break for the web chat; plain text elsewhere
            buttons=[{"title": "对的，提交", "payload": "/affirm"},
                     {"title": "需要修改", "payload": "/deny"}],
        )
        return []


class ActionOpenRepairTicket(Action):
    def name(self) -> Text:
        return "action_open_repair_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        report = report_from(tracker, "repair", tracker.get_slot("problem") or "",
                             tracker.get_slot("location"))
        return (await open_ticket(report, dispatcher, "utter_repair_ticket"))[1]
