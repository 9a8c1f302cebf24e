"""The resident's answer to the satisfaction survey (回访): the adapter over
bot/surveys.py, which recognises the answer and keeps it."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import surveys
from bot.actions.common import hand_over, latest_text
from bot.understanding.ratings import read_rating

# What the resident is told for each outcome (surveys.Outcome.kind).
RESPONSES = {"already": "utter_rating_already", "comment": "utter_rating_comment_saved",
             "none": "utter_rating_none", "low": "utter_rating_low"}


class ActionRecordRating(Action):
    def name(self) -> Text:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        rating = read_rating(latest_text(tracker))
        if rating is None:  # the NLU read it as a rating, so this does not happen; say so if it does
            dispatcher.utter_message(response="utter_rating_none")
            return []
        outcome = await asyncio.to_thread(surveys.record, tracker.sender_id, rating)
        values = {"survey_ticket": outcome.ticket_number or "", "score": outcome.score or ""}
        if outcome.kind == "thanks":
            response = "utter_rating_thanks_comment" if rating.comment else "utter_rating_thanks"
        else:
            response = RESPONSES[outcome.kind]
        dispatcher.utter_message(response=response, **values)
        events: List[EventType] = [SlotSet("survey_ticket", outcome.ticket_number)] if outcome.ticket_number else []
        if outcome.kind == "low":  # a person follows it up, with the ticket beside the conversation
            events += await hand_over(tracker, dispatcher, "survey_low", outcome.ticket_number,
                                      summary=f"回访 {outcome.score} 分：{latest_text(tracker)}")
        return events
