"""Emergencies, upset residents and handoffs, and every agent API endpoint,
against the real servers."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from http_helpers import AGENT_TOKEN, TOKEN, Resident, post, tickets_in

AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}


def agent(server, path: str, payload: dict | None = None, method: str | None = None,
          headers: dict | None = AUTH) -> tuple[int, dict]:
    return post(f"{server.agent_url}{path}", payload, headers=headers,
                method=method or ("GET" if payload is None else "POST"))


def handoffs_of(server, sender: str) -> list[dict]:
    with create_engine(server.db_url).connect() as conn:
        rows = conn.execute(text("SELECT * FROM handoffs WHERE conversation_id = :c ORDER BY id"),
                            {"c": sender}).mappings().all()
    return [dict(r) for r in rows]


def test_fire_gets_safety_first_then_a_level_one_ticket_and_a_person(server):
    resident = Resident(server)
    replies = [r["text"] for r in resident.say("5栋楼道着火了 好多烟")]
    assert "119" in replies[0] and "不要乘电梯" in replies[0]
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["urgency"] == 1 and ticket["flagged"] and ticket["building"] == "5"
    assert any(ticket["number"] in r for r in replies) and "人工客服接手" in replies[-1]
    [handoff] = handoffs_of(server, resident.sender)
    assert (handoff["reason"], handoff["urgency"], handoff["ticket_number"]) == ("emergency", 1, ticket["number"])
    # Paused: the bot answers nothing on its own, but says the message arrived and the wait.
    assert resident.says("你们人呢") == "收到，您的消息已经转给人工客服，大约 1 分钟内会有同事回复您，请稍候。"


def test_a_trapped_person_interrupts_a_form(server):
    resident = Resident(server)
    assert "哪里出了问题" in resident.says("我要报修")
    reply = resident.says("电梯里有人被困住了 快来人")
    assert "不要扒门" in reply and "人工客服接手" in reply
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["urgency"] == 2 and ticket["category"] == "lift"


def test_a_long_emergency_message_is_kept_to_the_length_cap_on_the_ticket(server):
    resident = Resident(server)
    long_message = "7栋楼道着火了，" + "烟很大，" * 400
    reply = "\n".join(r.get("text", "") for r in resident.say(long_message))
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["urgency"] == 1 and ticket["description"] == long_message[:1000]
    assert "119" in reply and "前 1000 个字" in reply


def test_an_upset_complaint_is_recorded_flagged_and_handed_over(server):
    resident = Resident(server)
    reply = resident.says("你们这垃圾物业！！说了多少遍了还不解决，我要打12345")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["kind"] == "complaint" and ticket["flagged"]
    assert "抱歉" in reply and ticket["number"] in reply and "人工客服接手" in reply
    [handoff] = handoffs_of(server, resident.sender)
    assert handoff["reason"] == "emotion" and "垃圾物业" in json.loads(handoff["emotion_cues"])


def test_asking_for_a_person_and_being_misunderstood_twice(server):
    asking = Resident(server)
    assert "人工客服接手" in asking.says("转人工")
    assert handoffs_of(server, asking.sender)[0]["reason"] == "request"
    confused = Resident(server)
    assert "没有收到文字" in confused.says("😀😀😀")
    assert "人工客服接手" in confused.says("😀😀😀")
    assert handoffs_of(server, confused.sender)[0]["reason"] == "misunderstood"


def test_parse_results_carry_emotion_and_urgency(server):
    status, parsed = post(f"{server.url}/model/parse?token={TOKEN}", {"text": "水管爆了！！快来人"})
    assert parsed["intent"]["name"] == "emergency"
    assert parsed["urgency"]["level"] == 2 and parsed["urgency"]["reason"]
    assert parsed["emotion"]["level"] == "high" and "!!" in parsed["emotion"]["cues"]
    status, parsed = post(f"{server.url}/model/parse?token={TOKEN}", {"text": "物业费怎么交"})
    assert parsed["urgency"]["level"] is None and parsed["emotion"]["level"] == "normal"


def test_an_agent_takes_over_replies_and_hands_back(server):
    resident = Resident(server)
    resident.says("太过分了 维修工把我家地板弄坏了还骂人！！")
    status, queue = agent(server, "/agent/handoffs")
    assert status == 200
    ids = [h["conversation_id"] for h in queue["handoffs"]]
    assert resident.sender in ids
    levels = [h["urgency"] or 3 for h in queue["handoffs"]]
    assert levels == sorted(levels)  # most urgent first

    status, convo = agent(server, f"/agent/conversations/{resident.sender}")
    assert status == 200 and convo["handoff"]["reason"] == "emotion"
    first = convo["transcript"][0]
    assert first["role"] == "resident" and first["emotion"]["level"] == "high"

    status, refused = agent(server, f"/agent/conversations/{resident.sender}/reply", {"text": "这不是我的事，等着吧"})
    assert status == 422 and [f["phrase"] for f in refused["findings"]] == ["这不是我的事", "等着吧"]
    assert agent(server, f"/agent/conversations/{resident.sender}/reply", {"text": "  "})[0] == 400
    status, _ = agent(server, f"/agent/conversations/{resident.sender}/reply",
                      {"text": "非常抱歉，我是客服小王，马上安排主管上门核实。", "agent": "小王"})
    assert status == 200
    status, convo = agent(server, f"/agent/conversations/{resident.sender}")
    assert convo["transcript"][-1] == {**convo["transcript"][-1], "role": "agent", "agent": "小王"}

    status, done = agent(server, f"/agent/conversations/{resident.sender}/resolve", {"agent": "小王"})
    assert status == 200 and done["handoff"]["status"] == "resolved"
    assert resident.sender not in [h["conversation_id"] for h in agent(server, "/agent/handoffs")[1]["handoffs"]]
    status, convo = agent(server, f"/agent/conversations/{resident.sender}")
    assert convo["transcript"][-1]["text"].startswith("人工客服已经处理完毕")  # utter_handed_back, from the domain
    assert "2.80" in resident.says("物业费多少钱一平")  # the bot answers again
    assert agent(server, f"/agent/conversations/{resident.sender}/resolve", {})[0] == 404


def test_agent_api_refuses_without_the_token_and_for_unknown_things(server):
    assert agent(server, "/agent/handoffs", headers={})[0] == 401
    assert agent(server, "/agent/handoffs", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert agent(server, "/agent/conversations/nobody-ever")[0] == 404
    assert agent(server, "/agent/conversations/nobody-ever/reply", {"text": "您好"})[0] == 404
    assert agent(server, "/agent/tickets/BX-20990101-0001")[0] == 404


def test_agents_list_and_update_tickets(server):
    resident = Resident(server)
    resident.says("9栋门禁坏了 电话13612345678")
    resident.says("对的")
    [ticket] = tickets_in(server, resident.sender)
    status, listing = agent(server, "/agent/tickets?kind=repair&status=open")
    row = next(t for t in listing["tickets"] if t["number"] == ticket["number"])
    assert row["contact_phone"] == "136＊＊＊＊5678"  # masked in lists
    status, page = agent(server, f"/agent/tickets/{ticket['number']}")
    assert page["contact_phone"] == "13612345678" and page["history"][0]["status"] == "open"
    status, updated = agent(server, f"/agent/tickets/{ticket['number']}",
                            {"status": "assigned", "note": "已派李师傅", "agent": "小王"}, method="PATCH")
    assert status == 200 and [h["status"] for h in updated["history"]] == ["open", "assigned"]
    assert updated["history"][-1]["note"] == "已派李师傅"
    assert agent(server, f"/agent/tickets/{ticket['number']}", {"status": "teleported"}, method="PATCH")[0] == 400
    assert "后四位" in resident.says(f"查一下{ticket['number']}")
    assert "已派单" in resident.says("5678")


def test_suggest_and_check(server):
    status, body = agent(server, "/agent/suggest", {"message": "楼上半夜太吵了 睡不着"})
    assert status == 200 and len(body["suggestions"]) == 3
    assert body["suggestions"][0]["scenario"] == "noise"
    assert agent(server, "/agent/suggest", {"message": ""})[0] == 400
    assert agent(server, "/agent/suggest", {"message": "你好", "ticket_no": "BX-20990101-0001"})[0] == 404
    status, body = agent(server, "/agent/check", {"draft": "不知道，你找别人去"})
    assert status == 200 and not body["ok"]
    assert [(f["phrase"], f["start"], f["end"]) for f in body["findings"]] == [("不知道", 0, 3), ("你找别人去", 4, 9)]
    assert [f["kind_name"] for f in body["findings"]] == ["敷衍", "推诿"]
    assert "我帮您找到负责的同事" in body["rewrite"]
    assert agent(server, "/agent/check", {"draft": ""})[0] == 400
    assert agent(server, "/agent/check", {"draft": "好的，我马上帮您处理"})[1]["ok"] is True
