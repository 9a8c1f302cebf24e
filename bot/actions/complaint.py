"""The complaint (投诉) form: acknowledge (feeling, fact, next step), collect a
contact for the follow-up call, open the ticket."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import reports, routing
from bot.actions.common import finish_report, report_from
from bot.actions.report_form import ReportFormValidation


class ValidateComplaintForm(ReportFormValidation):
    def name(self) -> Text:
        return "validate_complaint_form"

    def validate_complaint_text(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not reports.describes_something(value):
            return {"complaint_text": None}
        route = routing.route_complaint(value)
        dispatcher.utter_message(response="utter_complaint_ack", fact=reports.summary(value),
                                 category=route.category_name, team=route.team_name)
        return {"complaint_text": value}


class ActionOpenComplaintTicket(Action):
    def name(self) -> Text:
        return "action_open_complaint_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.get_slot("complaint_text") or ""
        report = report_from(tracker, "complaint", text, location=text)
        return await finish_report(tracker, dispatcher, report, "utter_complaint_ticket")
