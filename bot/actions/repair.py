"""The repair (报修) form: collect, validate, read back, open the ticket."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import extraction, form_answers, privacy, reports
from bot.actions.common import finish_report, latest_entity, latest_text, report_from
from bot.actions.report_form import ActionAskFact, ReportFormValidation
from bot.text import language_of


class ActionExtractMessageFacts(Action):
    """Slot mapping run on every user turn: outside a form, `location` composed
    from the building / unit / room / place entities and `visit_time`; `emotion_level`
    from the parse result's emotion, `language` from the words, `phone_tail`
    from four digits while they are asked for."""

    def name(self) -> Text:
        return "action_extract_message_facts"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        emotion = (tracker.latest_message or {}).get("emotion") or {}
        events: List[EventType] = [SlotSet("emotion_level", emotion.get("level", "normal"))]
        language = language_of(latest_text(tracker))
        if language:
            events.append(SlotSet("language", language))
        parts = {e: latest_entity(tracker, e) for e in ("building", "unit", "room", "place")}
        if not tracker.active_loop_name:  # a form reads its own answers (bot/form_answers.py)
            if parts["building"] or parts["place"]:
                events.append(SlotSet("location", extraction.compose_location(**parts)))
            when = form_answers.visit_time_in(latest_text(tracker))
            if when:
                events.append(SlotSet("visit_time", when))
        if tracker.get_slot("requested_slot") == "phone_tail":
            tail = extraction.phone_tail(latest_text(tracker))
            if tail:
                events.append(SlotSet("phone_tail", tail))
        return events


class ValidateRepairForm(ReportFormValidation):
    def name(self) -> Text:
        return "validate_repair_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        # A visit time only matters when the crew must enter a home.
        location = extraction.parse_location(tracker.get_slot("location") or "")
        if location and not location.room:
            return [s for s in slots if s != "visit_time"]
        return slots

    def validate_problem(self, value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return {"problem": value if reports.describes_something(value) else None}

    def validate_location(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        location = extraction.parse_location(str(value or ""))
        return {"location": location.value if extraction.is_usable_location(location) else None}

    def validate_visit_time(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return {"visit_time": form_answers.time_phrase(str(value or ""))}

    def validate_repair_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        # False ("不对") or an unclear answer: the read-back's second asking says how to correct.
        return {"repair_confirmed": True if value is True else None}


class ActionAskRepairConfirmed(ActionAskFact):
    """Reads the key facts back (复述确认) before anything is dispatched; asked
    again, it says how to correct a fact."""

    slot = "repair_confirmed"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        visit_time = tracker.get_slot("visit_time")  # none for a public place: no home visit
        dispatcher.utter_message(
            response="utter_ask_repair_confirmed" if visit_time else "utter_ask_repair_confirmed_public",
            location=tracker.get_slot("location"), problem=reports.summary(tracker.get_slot("problem") or ""),
            phone_masked=privacy.mask_phone(tracker.get_slot("phone") or ""), visit_time=visit_time)


class ActionOpenRepairTicket(Action):
    def name(self) -> Text:
        return "action_open_repair_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        report = report_from(tracker, "repair", tracker.get_slot("problem") or "",
                             tracker.get_slot("location"))
        return await finish_report(tracker, dispatcher, report, "utter_repair_ticket")
