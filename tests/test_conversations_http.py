"""Whole conversations over the REST channel against the real servers (issue 12):
answers read by what they are, no loops, several requests in one message,
corrections, English. Each asserts the replies and the ticket in the database."""
from __future__ import annotations

from bench import conversations
from http_helpers import TOKEN, Resident, tickets_in


def test_a_bare_time_is_a_visit_time_whatever_it_reads_like(server):
    resident = Resident(server)
    assert "什么时候上门" in resident.says("3栋2单元502厨房水龙头一直滴水 电话13812345678")
    assert "请核对" in resident.says("下午")
    resident.says("对")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["visit_time"] == "下午"


def test_every_fact_in_the_first_message_goes_straight_to_the_read_back(server):
    resident = Resident(server)
    read_back = resident.says("5栋1单元702厨房水龙头一直滴水 电话13912345678 随时可以来")
    assert "请核对" in read_back and "5栋1单元702" in read_back and "139＊＊＊＊5678" in read_back
    resident.says("对的")
    [ticket] = tickets_in(server, resident.sender)
    assert (ticket["building"], ticket["unit"], ticket["room"]) == ("5", "1", "702")
    assert (ticket["contact_phone"], ticket["visit_time"]) == ("13912345678", "随时")


def test_an_answer_to_another_question_is_taken_and_spoken_digits_are_a_phone(server):
    resident = Resident(server)
    assert "具体位置" in resident.says("我家防盗门的门把手掉了 要报修")
    assert "具体位置" in resident.says("你打我电话一三九一二三四五六七八就行")  # the phone, given early
    assert "什么时候上门" in resident.says("9栋3单元1704")  # no second phone question
    resident.says("今天下午")
    resident.says("对")
    [ticket] = tickets_in(server, resident.sender)
    assert (ticket["contact_phone"], ticket["room"], ticket["visit_time"]) == ("13912345678", "1704", "今天下午")


def test_a_question_is_never_asked_three_times(server):
    resident = Resident(server)
    assert "什么时候上门" in resident.says("5栋2单元301 卫生间水管漏水 电话13924681357")
    assert "没听明白您方便的时间" in resident.says("嗯嗯")  # not a time: asked again, with examples
    reply = resident.says("那个啥")  # not the same question a third time: the default, then the read-back
    assert "先按\"随时\"登记" in reply and "请核对" in reply
    resident.says("对")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["visit_time"] == "随时"


def test_a_fact_that_cannot_be_read_twice_goes_to_a_person_with_what_was_said(server):
    resident = Resident(server)
    assert "具体位置" in resident.says("厨房下水道堵了 要报修")
    assert "没认出这个位置" in resident.says("就在我家")
    reply = resident.says("你们自己查")
    assert "没能登记下来" in reply and "人工客服" in reply
    assert tickets_in(server, resident.sender) == []
    tracker = conversations._tracker(server.url, TOKEN, resident.sender)
    assert tracker["paused"] is True


def test_a_correction_at_the_read_back_changes_exactly_that_fact(server):
    resident = Resident(server)
    resident.says("4栋3单元1101 洗衣机水龙头接口渗水 电话17800112233 明天下午在家")
    reply = resident.says("不对，房号是1102")
    assert "4栋3单元1102" in reply and "请核对" in reply
    reply = resident.says("时间改成明天上午")
    assert "明天上午" in reply and "请核对" in reply
    resident.says("对，没错")
    [ticket] = tickets_in(server, resident.sender)
    assert (ticket["building"], ticket["unit"], ticket["room"]) == ("4", "3", "1102")
    assert (ticket["contact_phone"], ticket["visit_time"]) == ("17800112233", "明天上午")


def test_a_question_and_a_fault_in_one_message_are_both_handled(server):
    resident = Resident(server)
    replies = resident.say("物业费怎么交？另外我家厨房水龙头一直滴水")
    assert "小程序" in replies[0]["text"]  # the question first
    assert "具体位置" in replies[-1]["text"]  # then the repair form, for the fault alone
    resident.says("2栋1单元201")
    resident.says("15711223344")
    read_back = resident.says("下午都在")
    assert "厨房水龙头一直滴水" in read_back and "物业费" not in read_back
    resident.says("对")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["description"] == "我家厨房水龙头一直滴水" and ticket["category"] == "water"


def test_a_question_in_the_middle_of_a_form_is_answered_and_the_form_resumes(server):
    resident = Resident(server)
    resident.says("阳台水龙头坏了 8栋4单元1402")
    replies = resident.say("上门维修要收费吗")
    assert "材料费" in replies[0]["text"] and "联系电话" in replies[-1]["text"]
    assert "什么时候上门" in resident.says("13800001111")


def test_english_is_understood_and_answered_with_an_english_line(server):
    resident = Resident(server)
    reply = resident.says("The kitchen tap in building 3 unit 2 room 502 is leaking")
    assert "联系电话" in reply and "phone number" in reply
    assert "When may the technician come" in resident.says("my phone is 13912345678")
    assert "Are they correct" in resident.says("tomorrow afternoon")
    reply = resident.says("yes")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["number"] in reply and "Your repair is booked" in reply
    assert (ticket["room"], ticket["contact_phone"], ticket["category"]) == ("502", "13912345678", "water")


def test_the_conversation_runner_judges_tickets_handoffs_and_repeated_questions(server):
    script = {"id": "runner", "opening": ["5栋2单元301 卫生间水管漏水 电话13924681357 随时可以来"],
              "answers": {}, "confirm": ["对"],
              "expect": {"ticket": "repair", "facts": {"room": "301", "phone": "13924681357", "visit_time_has": "随时"},
                         "handoff": False}}
    assert conversations.judge(script, conversations.play(script, server.url, TOKEN), server.db_url) == []
    wrong = {**script, "expect": {"ticket": "complaint", "handoff": True}}
    assert conversations.judge(wrong, conversations.play(wrong, server.url, TOKEN), server.db_url) == [
        "no complaint ticket", "not handed over"]
