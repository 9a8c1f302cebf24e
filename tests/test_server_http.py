"""The real Rasa server and action server, started once, talked to over HTTP.

Asserts the replies a resident sees and the tickets in the database."""
from __future__ import annotations

import urllib.request

import pytest

from bot.serve import LOG_DIR
from http_helpers import TOKEN, Resident, count_tickets, post, tickets_in

def test_faq_is_answered_from_the_knowledge_base(server):
    reply = Resident(server).says("物业费多少钱一平啊")
    assert "2.80 元/平方米/月" in reply


def test_repair_with_all_facts_up_front(server):
    resident = Resident(server)
    assert "什么时候上门" in resident.says("3栋502卫生间漏水了 电话13812345678")
    replies = resident.say("随时")
    read_back = replies[0]["text"]
    assert "3栋502" in read_back and "138＊＊＊＊5678" in read_back and "13812345678" not in read_back
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/affirm", "/deny"]
    reply = resident.says("/affirm")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["number"] in reply and "水电维修组" in reply and "138＊＊＊＊5678" in reply
    assert (ticket["kind"], ticket["category"], ticket["team"], ticket["urgency"]) == ("repair", "water", "water_electric", 3)
    assert (ticket["building"], ticket["room"], ticket["contact_phone"], ticket["visit_time"]) == ("3", "502", "13812345678", "随时")
    assert ticket["description"] == "3栋502卫生间漏水了 电话13812345678"


def test_repair_step_by_step_with_bad_input_and_a_correction(server):
    resident = Resident(server)
    assert "哪里出了问题" in resident.says("我要报修")
    assert "具体位置" in resident.says("厨房下水道堵住了")
    assert "没认出这个位置" in resident.says("就在我家")
    assert "联系电话" in resident.says("8-2-1102")
    assert "号码我没认出来" in resident.says("1381234")
    assert "什么时候上门" in resident.says("139 0000 1111")
    assert "8栋2单元1102" in resident.says("明天上午")
    assert "要改的内容" in resident.says("不对")
    assert "8栋2单元1103" in resident.says("房号是8-2-1103")
    reply = resident.says("对的")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["number"] in reply
    assert (ticket["building"], ticket["unit"], ticket["room"]) == ("8", "2", "1103")
    assert ticket["contact_phone"] == "13900001111" and ticket["description"] == "厨房下水道堵住了"


def test_complaint_gets_empathy_then_a_ticket_with_a_follow_up(server):
    resident = Resident(server)
    reply = resident.says("楼上装修有噪音 晚上十点还在电钻 麻烦处理一下")
    assert "抱歉" in reply and "噪音扰民" in reply and "联系电话" in reply
    assert "维修师傅" not in reply  # a complaint's own phone question, not the repair form's
    reply = resident.says("15012345678")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["number"].startswith("TS-") and ticket["number"] in reply
    assert ticket["category"] == "noise" and ticket["followup_by"] is not None
    assert "回电" in reply and "150＊＊＊＊5678" in reply


@pytest.mark.parametrize("message", [
    "", "   ", "😀😀😀", "啊" * 10_000, "<script>alert('x')</script>",
    "'; DROP TABLE tickets; --", "查一下 BX-20990101-9999",
])
def test_bad_input_gets_a_clear_reply_and_loses_nothing(server, message):
    before = count_tickets(server)
    replies = Resident(server).say(message)
    assert replies and all(r.get("text") for r in replies)
    assert count_tickets(server) == before
    assert urllib.request.urlopen(f"{server.url}/", timeout=5).status == 200


def test_the_http_api_requires_the_token(server):
    assert post(f"{server.url}/model/parse", {"text": "物业费怎么交"})[0] == 401
    status, parsed = post(f"{server.url}/model/parse?token={TOKEN}", {"text": "物業費怎麼交"})
    assert status == 200 and parsed["intent"]["name"] == "faq"


def test_parse_result_carries_entities(server):
    text_ = "12号楼二单元1201漏水 电话13812345678"
    status, parsed = post(f"{server.url}/model/parse?token={TOKEN}", {"text": text_})
    entities = [(e["entity"], e["value"], text_[e["start"]:e["end"]]) for e in parsed["entities"]]
    assert entities == [("building", "12", "12号楼"), ("unit", "2", "二单元"), ("room", "1201", "1201"),
                        ("category", "water", "漏水"), ("phone", "13812345678", "13812345678")]


def test_logs_never_hold_a_phone_number_in_clear(server):
    Resident(server).says("7栋门禁坏了 电话18612345678")
    logs = "".join(p.read_text(errors="ignore") for p in LOG_DIR.glob(f"*-{server.rasa_port}.log"))
    assert "186＊＊＊＊5678" in logs  # the servers log messages at DEBUG here...
    assert "18612345678" not in logs  # ...but never the number in clear
