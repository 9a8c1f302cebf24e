"""The safety question (安全确认): a possible emergency is asked about before any
form; a clear no carries on with what the message was about, anything else or
silence is an emergency. The action's choices run directly; the conversation
runs over HTTP against the real servers ("/possible_emergency" stands for a
message the model is unsure about)."""
import asyncio
import time

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ActionSafetyDecide
from http_helpers import Resident, tickets_in

GUESS = {"id": "fire_escape_howto", "confidence": 0.9, "answerable": True}


def _decide(answer: str, context: dict):
    slots = {"safety_answer": answer, "safety_context": context}
    tracker = Tracker("bob", slots, {"text": "没有", "intent": {"name": "deny"}}, [], False, None, None,
                      "safety_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSafetyDecide().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_a_clear_no_resumes_the_repair_with_the_first_message(knowledge_copy):
    messages, events = _decide("no", {"text": "厨房有股焦味 灶台打不着火", "intent": "repair_request", "if_yes": 1})
    assert messages[0]["response"] == "utter_safety_all_clear"
    assert {"event": "slot", "name": "problem", "value": "厨房有股焦味 灶台打不着火", "timestamp": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "repair_form"


def test_a_clear_no_answers_the_question_it_interrupted(knowledge_copy):
    messages, _ = _decide("no", {"text": "着火的话往哪跑", "intent": "faq", "faq_entry": GUESS, "if_yes": 1})
    assert messages[1]["response"] == "utter_faq_answer" and messages[1]["answer"]  # read live from knowledge/


def test_a_no_to_a_complaint_opens_the_complaint_form(knowledge_copy):
    _, events = _decide("no", {"text": "楼道里总有烟味 有人抽烟", "intent": "complaint", "if_yes": 1})
    assert events[-1]["name"] == "complaint_form"


def test_an_unclear_answer_is_an_emergency_with_safety_text_ticket_and_person(server):
    resident = Resident(server)
    asked = resident.says("/possible_emergency")
    assert "有人受伤或被困吗" in asked
    reply = resident.says("我也不太清楚 好像有人在喊")
    assert "119" in reply or "120" in reply
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["urgency"] == 1


def test_a_clear_no_is_taken_at_its_word(server):
    resident = Resident(server)
    resident.says("/possible_emergency")
    reply = resident.says("没有")
    assert "没有危险就好" in reply and "还有什么可以帮您" in reply
    assert tickets_in(server, resident.sender) == []


def test_silence_after_the_question_counts_as_yes(server):
    """SAFETY_ANSWER_WAIT_SECONDS is 3 s in the test servers."""
    resident = Resident(server)
    assert "有人受伤或被困吗" in resident.says("/possible_emergency")
    deadline = time.monotonic() + 90
    while not tickets_in(server, resident.sender) and time.monotonic() < deadline:
        time.sleep(0.5)
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["urgency"] == 1 and ticket["status"] == "open"
