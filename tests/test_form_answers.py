"""Form answers recognised by what they are (bot/form_answers.py), and the
forms' adapters: questions asked at most twice, defaults, corrections."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import form_answers
from bot.actions import ActionAskLocation, ActionAskPhone, ActionAskRepairConfirmed, ValidateRepairForm
from bot.actions.report_form import asked_in_a_row
from bot.understanding import requests

REPAIR = ["problem", "location", "phone", "visit_time", "repair_confirmed"]
DOMAIN = {"forms": {"repair_form": {"required_slots": REPAIR}, "complaint_form": {"required_slots": ["complaint_text", "phone"]}},
          "slots": {}}


def read(text, asked, intent="inform", current=None):
    return form_answers.read(text, asked, intent, REPAIR, current or {})


@pytest.mark.parametrize("text, asked, intent, expected", [
    ("下午", "visit_time", "greet", {"visit_time": "下午"}),  # read as a greeting, still a time
    ("明儿上午吧", "visit_time", "faq", {"visit_time": "明儿上午吧"}),
    ("afternoon is fine", "visit_time", "inform", {"visit_time": "afternoon is fine"}),
    ("都行", "visit_time", "affirm", {"visit_time": "随时"}),
    ("一三九一二三四五六七八", "phone", "inform", {"phone": "13912345678"}),  # voice input
    ("13912345678", "visit_time", "inform", {"phone": "13912345678"}),  # another fact than the one asked
    ("十二栋一单元八零三", "location", "inform", {"location": "12栋1单元803"}),
    ("building 3 unit 2 room 502", "location", "inform", {"location": "3栋2单元502"}),
    ("下午都在", "visit_time", "possible_emergency", {"visit_time": "下午都在"}),  # no safety question for that
    ("上门维修要收费吗", "phone", "faq", {}),  # a question: answered, then the form resumes
    ("着火了", "phone", "emergency", {}),
    ("算了不修了", "phone", "stop", {}),
    ("我家", "location", "inform", {"location": "我家"}),  # an answer, to be turned down by validation
])
def test_answers_are_read_by_what_they_are(text, asked, intent, expected):
    assert read(text, asked, intent) == expected


def test_a_first_message_with_every_fact_fills_every_slot():
    facts = read("5栋1单元702厨房水龙头一直滴水 电话13912345678 随时可以来", None, "repair_request")
    assert facts == {"location": "5栋1单元702", "phone": "13912345678", "visit_time": "随时",
                     "problem": "5栋1单元702厨房水龙头一直滴水 电话13912345678 随时可以来"}
    # "今天一看" is when the fault was seen, not a visit time
    assert "visit_time" not in read("今天一看墙皮都鼓起来了，派个师傅来看看", None, "repair_request")


def test_only_the_report_part_of_a_message_with_a_question_becomes_the_problem():
    facts = form_answers.read("物业费怎么交？另外厨房水龙头滴水", None, "repair_request", REPAIR, {},
                              report_text="厨房水龙头滴水")
    assert facts["problem"] == "厨房水龙头滴水"


@pytest.mark.parametrize("text, expected", [
    ("对", {"repair_confirmed": True}),
    ("對，沒錯", {"repair_confirmed": True}),
    ("yes that's right", {"repair_confirmed": True}),
    ("不对", {"repair_confirmed": False}),
    ("电话不对", {"repair_confirmed": False}),  # which fact, but not its new value
    ("不对，房号是602", {"location": "3栋2单元602", "repair_confirmed": None}),
    ("是12栋不是3栋", {"location": "12栋2单元502", "repair_confirmed": None}),
    ("电话错了，是13911112222", {"phone": "13911112222", "repair_confirmed": None}),
    ("时间改成明天上午", {"visit_time": "明天上午", "repair_confirmed": None}),
    ("不对，是厨房下水道堵了", {"problem": "厨房下水道堵了", "repair_confirmed": None}),
])
def test_a_correction_at_the_read_back_changes_exactly_the_fact_named(text, expected):
    current = {"problem": "卫生间漏水", "location": "3栋2单元502", "phone": "13900001111", "visit_time": "下午"}
    assert read(text, "repair_confirmed", "deny", current) == expected


def test_several_requests_in_one_message():
    assert requests.clauses("物业费怎么交？另外我家厨房水龙头一直滴水") == ["物业费怎么交", "我家厨房水龙头一直滴水"]
    found = requests.several([("物业费怎么交", "faq", 0.99), ("厨房水龙头滴水", "repair_request", 0.97)])
    assert requests.first(found)["intent"] == "repair_request" and len(found) == 2
    assert requests.several([("水管漏了", "repair_request", 0.9), ("地上全是水", "repair_request", 0.9)]) is None
    assert requests.several([("物业费怎么交", "faq", 0.99), ("嗯", "inform", 0.9)]) is None


# ---- the adapters: no loops --------------------------------------------------

def bot(response):
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response}}


def user(text, intent="inform"):
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}, "entities": []}}


def turn(text, intent="inform"):
    return [{"event": "action", "name": "action_listen"}, user(text, intent)]


def form_tracker(slots, events, text, intent="inform"):
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker("alice", dict(slots), latest, events, False, None, {"name": "repair_form"}, "repair_form")


def validate(slots, events, text, intent="inform"):
    dispatcher = CollectingDispatcher()
    events = events + turn(text, intent) + [{"event": "action", "name": "repair_form"}]
    result = asyncio.run(ValidateRepairForm().run(dispatcher, form_tracker(slots, events, text, intent), DOMAIN))
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}, [m["response"] for m in dispatcher.messages]


def ask(action, events, loop="repair_form"):
    dispatcher = CollectingDispatcher()
    t = Tracker("alice", {}, {}, events, False, None, {"name": loop}, "repair_form")
    asyncio.run(action.run(dispatcher, t, DOMAIN))
    return [m["response"] for m in dispatcher.messages]


def test_the_second_asking_is_rephrased_with_an_example():
    assert ask(ActionAskLocation(), []) == ["utter_ask_location"]
    events = [bot("utter_ask_location")] + turn("我家") + [{"event": "slot", "name": "location", "value": None}]
    assert ask(ActionAskLocation(), events) == ["utter_ask_location_again"]
    assert ask(ActionAskPhone(), [], loop="complaint_form") == ["utter_ask_phone_for_complaint"]
    # an FAQ answered in between is not a failed answer: the question starts afresh
    events = [bot("utter_ask_location")] + turn("物业费怎么交", "faq") + [
        {"event": "action", "name": "action_answer_faq"}, bot("utter_faq_answer")]
    assert ask(ActionAskLocation(), events) == ["utter_ask_location"]


def test_a_fact_given_ends_a_run_of_the_same_question():
    form_ran = {"event": "action", "name": "repair_form"}
    events = [bot("utter_ask_phone")] + turn("下午") + [form_ran, {"event": "slot", "name": "visit_time", "value": "下午"},
                                                        bot("utter_ask_phone")]
    assert asked_in_a_row(events, "phone", REPAIR) == 1
    assert asked_in_a_row(events + turn("x"), "phone", REPAIR) == 1
    # a number the entity extractor took for a phone, turned down by the form, is no fact
    events = [bot("utter_ask_phone")] + turn("1381234") + [
        {"event": "slot", "name": "phone", "value": "1381234"}, form_ran,
        {"event": "slot", "name": "phone", "value": None}, bot("utter_ask_phone_again")]
    assert asked_in_a_row(events, "phone", REPAIR) == 2


def test_after_two_askings_the_visit_time_falls_back_to_any_time():
    slots = {"problem": "水管漏水", "location": "3栋2单元502", "phone": "13900001111", "requested_slot": "visit_time"}
    asked_twice = [bot("utter_ask_visit_time")] + turn("嗯嗯") + [bot("utter_ask_visit_time_again")]
    set_, said = validate(slots, asked_twice, "那个啥")
    assert set_["visit_time"] == "随时" and said == ["utter_visit_time_default"]
    set_, said = validate(slots, [bot("utter_ask_visit_time")], "那个啥")
    assert set_["visit_time"] is None and said == []  # asked once: it is asked again, with an example


def test_after_two_askings_a_missing_fact_goes_to_a_person():
    slots = {"problem": "水管漏水", "requested_slot": "location"}
    asked_twice = [bot("utter_ask_location")] + turn("就在我家") + [bot("utter_ask_location_again")]
    set_, said = validate(slots, asked_twice, "你们自己查")
    assert set_["stuck_on"] == "location" and set_["requested_slot"] is None  # the form ends
    assert said == ["utter_report_stuck"]


def test_an_unclear_answer_at_the_read_back_asks_what_to_change():
    slots = {"problem": "水管漏水", "location": "3栋2单元502", "phone": "13900001111", "visit_time": "下午",
             "requested_slot": "repair_confirmed"}
    set_, _ = validate(slots, [bot("utter_ask_repair_confirmed")], "嗯那个")
    assert set_["repair_confirmed"] is None
    assert ask(ActionAskRepairConfirmed(), [bot("utter_ask_repair_confirmed")] + turn("嗯那个")) == [
        "utter_ask_repair_confirmed_again"]
    set_, _ = validate(slots, [bot("utter_ask_repair_confirmed")], "不对，房号是602")
    assert set_["location"] == "3栋2单元602" and set_["repair_confirmed"] is None
    # a correction after two askings is progress, not a reason to give up
    asked_twice = [bot("utter_ask_repair_confirmed")] + turn("不对", "deny") + [bot("utter_ask_repair_confirmed_again")]
    set_, said = validate(slots, asked_twice, "房号是3-2-602")
    assert set_["location"] == "3栋2单元602" and "stuck_on" not in set_ and said == []
