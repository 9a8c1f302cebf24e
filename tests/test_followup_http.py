"""Running the service day to day, against the real servers: the satisfaction
survey over REST and Telegram (sent by the worker, answered, reminded, a call
task), the worker stopped and started again, residents who write while they
wait for a person, after-hours call-backs, and tickets close to a deadline
pushed to the agents' queue."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from bot import tickets
from bot.clock import utcnow
from conftest import set_office_hours
from fake_telegram import button_press, message
from http_helpers import AGENT_TOKEN, TELEGRAM_SECRET, Resident, post

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
_chats = iter(range(800_001, 900_000))


def agent(server, path: str, payload: dict | None = None, method: str | None = None) -> tuple[int, dict]:
    return post(f"{server.agent_url}{path}", payload, headers=AGENT,
                method=method or ("GET" if payload is None else "POST"))


def query(server, sql: str, **params) -> list[dict]:
    with create_engine(server.db_url).begin() as conn:
        result = conn.execute(text(sql), params)
        return [dict(r) for r in result.mappings()] if result.returns_rows else []


def ticket_for(server, monkeypatch, reporter_id: str, urgency: int | None = None, **extra) -> tickets.Ticket:
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    return tickets.open_ticket(tickets.Report(
        kind="repair", description="卫生间水龙头漏水", channel=reporter_id.split(":")[0], reporter_id=reporter_id,
        phone="13812345678", location="3栋502", building="3", room="502", urgency=urgency, **extra))


def resolve(server, number: str) -> None:
    status, _ = agent(server, f"/agent/tickets/{number}", {"status": "resolved", "agent": "王师傅"}, "PATCH")
    assert status == 200


def eventually(check, timeout: float = 60, what: str = "the worker to act"):
    """Poll until `check()` returns something truthy (the worker polls every 0.5 s here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def transcript(server, sender: str) -> list[str]:
    status, body = agent(server, f"/agent/conversations/{sender}")
    return [line["text"] for line in body.get("transcript", [])] if status == 200 else []


def said_since(server, sender: str, before: int, words: str) -> str | None:
    return next((t for t in transcript(server, sender)[before:] if words in t), None)


def make_due(server, key: str) -> None:
    """Time passes: the job's hour has come."""
    query(server, "UPDATE jobs SET run_at = :now WHERE key = :key", now=utcnow(), key=key)


def test_a_rest_resident_rates_low_and_a_person_follows_up(server, monkeypatch):
    resident = Resident(server)
    resident.say("你好")
    ticket = ticket_for(server, monkeypatch, f"rest:{resident.sender}")
    resolve(server, ticket.number)
    survey = eventually(lambda: said_since(server, resident.sender, 0, "请为这次服务打个分"))
    assert ticket.number in survey
    reply = resident.says("2分 师傅来了一趟还是漏")
    assert "重新打开" in reply and "人工客服接手" in reply
    [row] = query(server, "SELECT status, flagged FROM tickets WHERE number = :n", n=ticket.number)
    assert row == {"status": "open", "flagged": 1}
    [answer] = query(server, "SELECT score, comment FROM surveys WHERE ticket_id = :t", t=ticket.id)
    assert answer == {"score": 2, "comment": "师傅来了一趟还是漏"}
    status, queue = agent(server, "/agent/handoffs")
    [mine] = [h for h in queue["handoffs"] if h["conversation_id"] == resident.sender]
    assert (mine["reason"], mine["ticket_number"]) == ("survey_low", ticket.number)
    assert query(server, "SELECT status FROM jobs WHERE key IN (:a, :b)", a=f"survey_reminder:{ticket.id}",
                 b=f"survey_call:{ticket.id}") == [{"status": "cancelled"}] * 2


def test_no_answer_brings_one_reminder_then_a_call_task(server, monkeypatch):
    resident = Resident(server)
    resident.say("你好")
    ticket = ticket_for(server, monkeypatch, f"rest:{resident.sender}")
    resolve(server, ticket.number)
    eventually(lambda: said_since(server, resident.sender, 0, "请为这次服务打个分"))
    seen = len(transcript(server, resident.sender))
    make_due(server, f"survey_reminder:{ticket.id}")
    eventually(lambda: said_since(server, resident.sender, seen, "想再问一下"))
    make_due(server, f"survey_call:{ticket.id}")
    task = eventually(lambda: [h for h in agent(server, "/agent/handoffs")[1]["handoffs"]
                               if h["conversation_id"] == resident.sender])
    assert (task[0]["reason"], task[0]["ticket_number"]) == ("survey_call", ticket.number)
    # The resident can still chat with the bot meanwhile, and finishing the call
    # does not send them a "handed back" message.
    assert resident.say("物业费怎么交") != []
    count = len(transcript(server, resident.sender))
    status, _ = agent(server, f"/agent/conversations/{resident.sender}/resolve", {"agent": "小李"})
    assert status == 200 and len(transcript(server, resident.sender)) == count
    assert "谢谢您的评价（5 分）" in resident.says("5分")  # a late answer still counts


def test_a_survey_waits_in_the_database_while_the_worker_is_down(server, monkeypatch):
    resident = Resident(server)
    resident.say("你好")
    ticket = ticket_for(server, monkeypatch, f"rest:{resident.sender}")
    with server.down("worker"):
        resolve(server, ticket.number)
        time.sleep(2)  # the worker would have sent it by now; it is down
        assert said_since(server, resident.sender, 0, "请为这次服务打个分") is None
        assert query(server, "SELECT status FROM jobs WHERE key = :k", k=f"survey:{ticket.id}") \
            == [{"status": "pending"}]
    eventually(lambda: said_since(server, resident.sender, 0, "请为这次服务打个分"))
    assert query(server, "SELECT status FROM jobs WHERE key = :k", k=f"survey:{ticket.id}") == [{"status": "done"}]


def test_a_telegram_resident_rates_with_an_inline_button(server, fake_telegram, monkeypatch):
    chat = next(_chats)
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert post(f"{server.url}/webhooks/telegram/webhook", message(chat, text="你好"), headers)[0] == 200
    ticket = ticket_for(server, monkeypatch, f"telegram:{chat}")
    resolve(server, ticket.number)
    survey = eventually(lambda: [m for m in fake_telegram.sent(chat) if "打个分" in m["text"]])[0]
    buttons = [row[0] for row in survey["reply_markup"]["inline_keyboard"]]
    assert [b["callback_data"] for b in buttons] == ["5分", "4分", "3分", "2分", "1分"]
    assert post(f"{server.url}/webhooks/telegram/webhook", button_press(chat, "4分"), headers)[0] == 200
    assert "谢谢您的评价（4 分）" in fake_telegram.texts(chat)[-1]
    [row] = query(server, "SELECT t.status, s.score FROM tickets t JOIN surveys s ON s.ticket_id = t.id "
                          "WHERE t.number = :n", n=ticket.number)
    assert row == {"status": "closed", "score": 4}


def test_a_waiting_resident_is_told_the_message_arrived_but_not_on_every_message(server):
    resident = Resident(server)
    assert "人工客服接手" in resident.says("转人工")
    assert resident.says("人呢") == "收到，您的消息已经转给人工客服，大约 15 分钟内会有同事回复您，请稍候。"
    assert resident.say("还在吗？？") == []  # within waiting_notice_minutes
    assert {"人呢", "还在吗？？"} <= set(transcript(server, resident.sender))  # the agent sees both at once
    reply = resident.says("楼道里着火了 好大的烟")  # an emergency always gets its safety text
    assert "119" in reply and "0571-8888 6611" in reply
    [waiting] = [h for h in agent(server, "/agent/handoffs")[1]["handoffs"] if h["conversation_id"] == resident.sender]
    assert waiting["urgency"] == 1
    assert agent(server, f"/agent/conversations/{resident.sender}/take", {"agent": "小李"})[0] == 200
    query(server, "UPDATE handoffs SET acknowledged_at = NULL WHERE conversation_id = :c", c=resident.sender)
    assert resident.say("好的我等着") == []  # the agent has it: the bot never speaks in their place


@pytest.fixture
def desk_closed(server):
    """Office hours that exclude now, and nobody signed in; put back afterwards."""
    from datetime import datetime
    from bot import clock
    hour = datetime.now(clock.zone()).hour
    set_office_hours(server.knowledge_dir, *(("13:00", "14:00") if hour < 12 else ("01:00", "02:00")))
    query(server, "DELETE FROM login_sessions")
    yield
    set_office_hours(server.knowledge_dir, "00:00", "24:00")


def test_after_hours_the_resident_is_told_when_someone_calls_back(server, desk_closed):
    resident = Resident(server)
    reply = resident.says("转人工")
    assert "现在是下班时间" in reply and "前给您回电" in reply
    [handoff] = query(server, "SELECT callback_by FROM handoffs WHERE conversation_id = :c", c=resident.sender)
    assert handoff["callback_by"] is not None
    assert "前给您回电" in resident.says("人呢")
    [waiting] = [h for h in agent(server, "/agent/handoffs")[1]["handoffs"] if h["conversation_id"] == resident.sender]
    assert waiting["callback_by"] is not None


def test_tickets_close_to_a_deadline_go_to_the_top_of_the_queue(server, monkeypatch):
    now = utcnow()
    late = ticket_for(server, monkeypatch, "rest:sla-late", urgency=2)
    risky = ticket_for(server, monkeypatch, "rest:sla-risky", urgency=2)
    calm = ticket_for(server, monkeypatch, "rest:sla-calm", urgency=3)
    # Level 2 must be answered within 5 minutes: one opened 6 minutes ago is late,
    # one opened 4 minutes ago has less than 30% of its time left.
    for number, minutes in ((late.number, 6), (risky.number, 4), (calm.number, 14)):
        opened = now - timedelta(minutes=minutes)
        query(server, "UPDATE tickets SET created_at = :c, respond_by = :r WHERE number = :n", c=opened,
              r=opened + timedelta(minutes=5 if number != calm.number else 15), n=number)
    status, queue = agent(server, "/agent/handoffs")
    states = {t["number"]: (t["deadline_state"], t["next_deadline"]["kind"]) for t in queue["attention"]}
    assert states[late.number] == ("late", "respond") and states[risky.number] == ("at_risk", "respond")
    assert calm.number not in states  # level 3 is not pushed, though it is at risk
    listed = {t["number"]: t["deadline_state"] for t in agent(server, "/agent/tickets")[1]["tickets"]}
    assert listed[calm.number] == "at_risk"
    agent(server, f"/agent/tickets/{risky.number}", {"status": "assigned", "agent": "派单员"}, "PATCH")
    status, queue = agent(server, "/agent/handoffs")
    assert risky.number not in {t["number"] for t in queue["attention"]}  # answered: the next deadline is far
    query(server, "UPDATE tickets SET status = 'closed' WHERE reporter_id LIKE 'rest:sla-%'")  # no alarms left
