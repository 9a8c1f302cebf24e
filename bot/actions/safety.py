"""The safety question (安全确认). A message that might be an emergency, but not
surely, gets one question before any form (有人受伤或被困吗？/ 现在有明火或烟吗？).
A clear no resumes what the message was about; anything else, or silence for
SAFETY_ANSWER_WAIT_SECONDS, is treated as yes: the emergency response."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import emergency, hazards, settings
from bot.actions.common import latest_text
from bot.actions.conversation import answer_question
from bot.actions.handoff import respond_to_emergency

TIMEOUT_INTENT = "EXTERNAL_safety_timeout"


class ActionAskSafetyAnswer(Action):
    """Asks the safety question (with what to do if the answer is yes), keeps
    the message it is about, and sets the clock for no answer."""

    def name(self) -> Text:
        return "action_ask_safety_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("safety_context"):
            return []  # asked already
        parse = tracker.latest_message or {}
        urgency = parse.get("urgency") or {}
        text = latest_text(tracker)
        dispatcher.utter_message(text=urgency.get("ask") or hazards.question_for(text))
        context = {"text": text, "intent": urgency.get("intent"), "if_yes": urgency.get("if_yes") or 1,
                   "faq_entry": parse.get("faq_entry"), "form": interrupted_form(tracker)}
        wait = timedelta(seconds=settings.safety_answer_wait_seconds())
        return [SlotSet("safety_context", context),
                ReminderScheduled(TIMEOUT_INTENT, datetime.now() + wait, name="safety_question",
                                  kill_on_user_message=True)]


class ValidateSafetyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_safety_form"

    def validate_safety_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        clear = intent != TIMEOUT_INTENT and emergency.is_all_clear(str(value or ""), intent)
        return {"safety_answer": "no" if clear else "yes"}


class ActionSafetyDecide(Action):
    """After the answer: the emergency response, or back to what the message was about."""

    def name(self) -> Text:
        return "action_safety_decide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        context: Dict[str, Any] = tracker.get_slot("safety_context") or {}
        text = context.get("text") or latest_text(tracker)
        events: List[EventType] = [SlotSet("safety_answer", None), SlotSet("safety_context", None)]
        if tracker.get_slot("safety_answer") != "no":
            return events + await respond_to_emergency(tracker, dispatcher, text,
                                                       int(context.get("if_yes") or 1))
        dispatcher.utter_message(response="utter_safety_all_clear")
        return events + await _resume(dispatcher, tracker, text, context)


def interrupted_form(tracker: Tracker) -> Optional[str]:
    """The form the safety question interrupted, if one was running."""
    loops = [e.get("name") for e in reversed(tracker.events) if e.get("event") == "active_loop"]
    earlier = [name for name in loops if name != "safety_form"]
    return earlier[0] if earlier else None


async def _resume(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                  context: Dict[str, Any]) -> List[EventType]:
    """Carry on with what the question interrupted: the form, or the message."""
    if context.get("form"):
        return [FollowupAction(context["form"])]
    intent: Optional[str] = context.get("intent")
    if intent == "repair_request":
        return [SlotSet("problem", text), FollowupAction("repair_form")]
    if intent == "complaint":
        return [SlotSet("complaint_text", text), FollowupAction("complaint_form")]
    if intent == "faq":
        await answer_question(dispatcher, tracker, text, context.get("faq_entry"))
        return []
    dispatcher.utter_message(response="utter_anything_else")
    return []
