"""Rasa SDK actions run directly against a real SQLite database."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions import (ActionAnswerFaq, ActionAskRepairConfirmed, ActionExtractMessageFacts, ActionOpenComplaintTicket,
                         ActionOpenRepairTicket, ActionTicketStatus, ValidateRepairForm)
from bot.db import session_scope
from bot.models import Ticket, UnansweredQuestion

DOMAIN = {"forms": {"repair_form": {"required_slots": ["problem", "location", "phone", "visit_time", "repair_confirmed"]}},
          "slots": {}}


def tracker(text="", slots=None, sender="alice", entities=None, channel="rest", intent="inform"):
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker(sender, slots or {}, latest, events, False, None, None, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher.messages, events


def test_repair_ticket_is_created_and_announced(database):
    messages, events = run(ActionOpenRepairTicket(), tracker(slots={
        "problem": "卫生间漏水", "location": "3栋2单元502", "phone": "13812345678", "visit_time": "随时"}))
    with session_scope() as s:
        row = s.execute(select(Ticket)).scalar_one()
    assert row.number.startswith("BX-") and row.team_name == "水电维修组"
    assert (row.building, row.unit, row.room, row.reporter_id) == ("3", "2", "502", "rest:alice")
    reply = messages[0]
    assert reply["response"] == "utter_repair_ticket"
    assert reply["ticket_no"] == row.number and reply["phone_masked"] == "138＊＊＊＊5678"
    assert {"event": "slot", "name": "problem", "value": None, "timestamp": None} in events


def test_complaint_ticket(database):
    messages, _ = run(ActionOpenComplaintTicket(), tracker(slots={
        "complaint_text": "6栋楼上天天半夜吵", "phone": "13900001111"}))
    with session_scope() as s:
        row = s.execute(select(Ticket)).scalar_one()
    assert row.number.startswith("TS-") and row.category == "noise" and row.building == "6"
    assert messages[0]["response"] == "utter_complaint_ticket" and messages[0]["followup"]


def test_bad_phone_and_location_are_turned_down():
    form, dispatcher = ValidateRepairForm(), CollectingDispatcher()
    assert form.validate_phone("1381234", dispatcher, tracker(), DOMAIN) == {"phone": None}
    assert form.validate_phone("手机 138 1234 5678", dispatcher, tracker(), DOMAIN) == {"phone": "13812345678"}
    assert form.validate_phone("幺三八 一二三四 五六七八", dispatcher, tracker(), DOMAIN) == {"phone": "13812345678"}
    assert form.validate_location("我家", dispatcher, tracker(), DOMAIN) == {"location": None}
    assert form.validate_location("8-2-1102", dispatcher, tracker(), DOMAIN) == {"location": "8栋2单元1102"}
    assert form.validate_visit_time("13812345678", dispatcher, tracker(), DOMAIN) == {"visit_time": None}
    assert form.validate_visit_time("明天下午3点后", dispatcher, tracker(), DOMAIN) == {"visit_time": "明天下午3点后"}
    assert dispatcher.messages == []  # the second asking says what is wanted (tests/test_form_answers.py)


def test_no_visit_time_is_asked_for_a_public_place():
    form = ValidateRepairForm()
    slots = asyncio.run(form.required_slots(DOMAIN["forms"]["repair_form"]["required_slots"],
                                            CollectingDispatcher(), tracker(slots={"location": "东门"}), DOMAIN))
    assert "visit_time" not in slots


def test_read_back_masks_the_phone():
    messages, _ = run(ActionAskRepairConfirmed(), tracker(slots={
        "problem": "厨房水管漏水", "location": "3栋502", "phone": "13812345678"}))
    assert messages[0]["response"] == "utter_ask_repair_confirmed_public"  # no visit time: no home visit
    assert (messages[0]["location"], messages[0]["phone_masked"]) == ("3栋502", "138＊＊＊＊5678")
    assert "13812345678" not in str(messages[0])


def test_status_only_shows_the_residents_own_tickets(database):
    run(ActionOpenRepairTicket(), tracker(sender="777", channel="telegram", slots={
        "problem": "灯坏了", "location": "5栋", "phone": "13812345678"}))
    with session_scope() as s:
        bobs = s.execute(select(Ticket.number)).scalar_one()
    entity = [{"entity": "ticket_no", "value": bobs}]

    def ask(sender: str, channel: str, tail: str | None = None):
        return run(ActionTicketStatus(), tracker(f"查一下{bobs}", sender=sender, entities=entity, channel=channel,
                                                 intent="check_ticket_status", slots={"phone_tail": tail}))

    messages, _ = ask("alice", "telegram")  # Telegram's chat id is trusted: another chat sees nothing
    assert messages[0]["response"] == "utter_ticket_not_found"
    messages, _ = ask("777", "telegram")
    assert messages[0]["response"] == "utter_ticket_status" and messages[0]["ticket_no"] == bobs
    messages, events = ask("777", "rest")  # REST: anyone may claim "777", so the phone is asked for
    assert messages == [] and events == [{"event": "active_loop", "name": "ticket_status_form", "timestamp": None}]
    messages, events = ask("alice", "rest", tail="1234")
    assert messages[0]["response"] == "utter_phone_tail_mismatch" and events[0]["value"] is None
    messages, _ = ask("alice", "rest", tail="5678")
    assert messages[0]["response"] == "utter_ticket_status" and messages[0]["ticket_no"] == bobs


def test_phone_tail_is_read_from_what_residents_type():
    from bot.extraction import phone_tail
    assert [phone_tail(t) for t in ("5678", "后四位是 5678", "13812345678", "138 1234 5678", "12", "56789")] == [
        "5678", "5678", "5678", "5678", None, None]


def test_unanswerable_questions_are_passed_on_and_recorded(database):
    unsure = tracker("小区附近的地铁几点停运")
    unsure.latest_message["faq_entry"] = {"id": "parking_visitor", "confidence": 0.2, "answerable": False}
    messages, _ = run(ActionAnswerFaq(), unsure)
    assert messages[0]["response"] == "utter_faq_unknown"
    with session_scope() as s:
        row = s.execute(select(UnansweredQuestion)).scalar_one()
        assert (row.text, row.best_faq_id, row.best_score) == ("小区附近的地铁几点停运", "parking_visitor", 0.2)
    sure = tracker("物业费多少钱一平米")
    sure.latest_message["faq_entry"] = {"id": "fee_standard", "confidence": 0.95, "answerable": True}
    messages, _ = run(ActionAnswerFaq(), sure)
    assert messages[0]["response"] == "utter_faq_answer" and "2.80" in messages[0]["answer"]


def test_every_question_of_a_message_with_several_requests_is_answered(database):
    t = tracker("物业费多少钱一平米？另外快递放哪")
    t.latest_message["requests"] = [
        {"text": "物业费多少钱一平米", "intent": "faq", "faq_entry": {"id": "fee_standard", "answerable": True}},
        {"text": "快递放哪", "intent": "faq", "faq_entry": {"id": "parcel", "answerable": True}}]
    messages, _ = run(ActionAnswerFaq(), t)
    assert [m["response"] for m in messages] == ["utter_faq_answer", "utter_faq_answer"]
    assert "2.80" in messages[0]["answer"] and "驿站" in messages[1]["answer"]


def test_message_facts_fill_location_and_emotion_slots():
    parts = [{"entity": "building", "value": "8"}, {"entity": "unit", "value": "2"},
             {"entity": "room", "value": "1102"}]
    t = tracker("8-2-1102", entities=parts)
    t.latest_message["emotion"] = {"level": "high", "score": 0.6, "cues": ["!!"]}
    _, events = run(ActionExtractMessageFacts(), t)
    assert [(e["name"], e["value"]) for e in events] == [("emotion_level", "high"), ("location", "8栋2单元1102")]
    _, events = run(ActionExtractMessageFacts(), tracker("我家502室", entities=[{"entity": "room", "value": "502"}]))
    assert [(e["name"], e["value"]) for e in events] == [("emotion_level", "normal"), ("language", "zh")]
    _, events = run(ActionExtractMessageFacts(), tracker("The tap leaks, anyone home tomorrow morning"))
    assert [(e["name"], e["value"]) for e in events] == [
        ("emotion_level", "normal"), ("language", "en"), ("visit_time", "anyone home tomorrow morning")]
