"""What the repair and complaint forms share: facts read from every message by
what they are (bot.form_answers), phone validation, and no loops: a question
is asked at most twice in a row (the second time with an example); after that
the visit time falls back to "随时" and any other fact goes to a person."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import form_answers
from bot.actions.common import latest_text
from bot.actions.conversation import answer_questions_with_the_request

STUCK_SLOT = "stuck_on"  # the fact a form gave up on; its finishing action hands over to a person
# Actions and responses that run inside a form's turn without breaking a run of the same question.
_FORM_STEPS = frozenset({"action_listen", "action_extract_message_facts", "repair_form", "complaint_form"})


def ask_responses(slot: str) -> tuple[str, ...]:
    return (f"utter_ask_{slot}", f"utter_ask_{slot}_again", f"utter_ask_{slot}_for_complaint",
            f"utter_ask_{slot}_public")


def asked_in_a_row(events: Iterable[Dict[Text, Any]], slot: str, form_slots: Iterable[str]) -> int:
    """How many times the question for `slot` was asked since the resident last
    gave any fact, or anything else (an FAQ answer, a safety question) happened.
    Slot values set right after a message, before the form ran, are only
    candidates: the form's validation decides whether they were a fact."""
    form_slots, asks, count, candidates = set(form_slots), ask_responses(slot), 0, False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            candidates = True
        elif kind == "action":
            candidates = False
            if event.get("name") not in _FORM_STEPS:
                count = 0
        elif kind == "bot":
            count = count + 1 if (event.get("metadata") or {}).get("utter_action") in asks else 0
        elif kind == "slot" and not candidates and event.get("name") in form_slots and event.get("value") is not None:
            count = 0
        elif kind == "active_loop" and not event.get("name"):
            count = 0
    return count


def answers_the_form(tracker: Tracker, form: str) -> bool:
    """Is the latest message new to the form (it runs straight after it), not
    one the form comes back to after an interruption was handled?"""
    actions = [e.get("name") for e in reversed(tracker.events) if e.get("event") == "action"]
    if actions[:1] == [form]:
        actions = actions[1:]  # Rasa marks the form's own run first
    return actions[:1] == ["action_listen"]


class ReportFormValidation(FormValidationAction, ABC):
    """Base of validate_repair_form and validate_complaint_form."""

    @abstractmethod
    def name(self) -> Text:
        """validate_<form name>"""

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        return [] if tracker.get_slot(STUCK_SLOT) else domain_slots

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[EventType]:
        if not answers_the_form(tracker, self.form_name()):
            return []  # the form resumes after an interruption: that message was not for it
        slots = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        message = tracker.latest_message or {}
        asked = tracker.get_slot("requested_slot")
        if asked is None:  # the form opens: questions that came with the report are answered first
            await answer_questions_with_the_request(dispatcher, tracker)
        facts = form_answers.read(
            latest_text(tracker), asked=asked,
            intent=(message.get("intent") or {}).get("name"), slots=slots,
            current={slot: tracker.get_slot(slot) for slot in slots},
            report_text=report_part(message))
        return [SlotSet(slot, value) for slot, value in facts.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        asked = tracker.get_slot("requested_slot")
        form_slots = self.domain_slots(domain)
        answered = any(e.get("name") == asked for e in events)
        progress = any(e.get("name") in form_slots and e.get("name") != asked and e.get("value") is not None
                       for e in events)  # another fact given or corrected
        if (asked and answered and not progress and tracker.slots.get(asked) is None
                and asked_in_a_row(self._before_this_run(tracker), asked, form_slots) >= form_answers.MAX_ASKS):
            events += self.give_up(asked, dispatcher)
            tracker.slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        return events

    def _before_this_run(self, tracker: Tracker) -> List[Dict[Text, Any]]:
        """The conversation up to this run of the form (Rasa marks the run with
        the form's name; what follows are this message's own slot values)."""
        events = list(tracker.events)
        marks = [i for i, e in enumerate(events) if e.get("event") == "action" and e.get("name") == self.form_name()]
        return events[:marks[-1]] if marks else events

    @staticmethod
    def give_up(slot: str, dispatcher: CollectingDispatcher) -> List[EventType]:
        """After the question was asked twice: a default where there is one, else a person."""
        if slot == "visit_time":
            dispatcher.utter_message(response="utter_visit_time_default")
            return [SlotSet("visit_time", form_answers.ANY_TIME)]
        dispatcher.utter_message(response="utter_report_stuck", fact=form_answers.FACT_NAMES.get(slot, slot))
        return [SlotSet(STUCK_SLOT, slot)]

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return {"phone": form_answers.phone(str(value or ""))}


def report_part(message: Dict[Text, Any]) -> Optional[str]:
    """The fault or grievance part of a message that also held other requests
    (see bot.nlu.components.RequestSplitter), else None (the whole message)."""
    intent = (message.get("intent") or {}).get("name")
    parts = [r["text"] for r in message.get("requests") or () if r.get("intent") == intent]
    return "，".join(parts) or None


class ActionAskFact(Action, ABC):
    """Asks for one fact: the first time plainly, the second time in a row
    rephrased with an example (`utter_ask_<slot>_again`)."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for (a class attribute in each subclass)."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def first_response(self, tracker: Tracker) -> str:
        return f"utter_ask_{self.slot}"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response=self.first_response(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        form = tracker.active_loop_name or ""
        form_slots = (domain.get("forms", {}).get(form) or {}).get("required_slots", [])
        if asked_in_a_row(tracker.events, self.slot, form_slots):
            dispatcher.utter_message(response=f"utter_ask_{self.slot}_again")
        else:
            self.ask(dispatcher, tracker)
        return []


class ActionAskProblem(ActionAskFact):
    slot = "problem"


class ActionAskLocation(ActionAskFact):
    slot = "location"


class ActionAskVisitTime(ActionAskFact):
    slot = "visit_time"


class ActionAskComplaintText(ActionAskFact):
    slot = "complaint_text"


class ActionAskPhone(ActionAskFact):
    slot = "phone"

    def first_response(self, tracker: Tracker) -> str:
        complaint = tracker.active_loop_name == "complaint_form"
        return "utter_ask_phone_for_complaint" if complaint else "utter_ask_phone"
