"""Hardening against a failing machine and a hostile client, on the real
servers: nothing listens beyond 127.0.0.1, only Rasa may call actions, a dead
server comes back, no resident meets silence when actions fail, a restart
keeps forms and handoffs, a locked database stalls nobody else."""
from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from http_helpers import AGENT_TOKEN, TOKEN, Resident, post, tickets_in

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}


def wait_for(condition, timeout: float = 120.0, step: float = 0.5):
    """The condition's first truthy value, polled until a generous deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout:.0f} s")


def tracker_texts(server, sender: str) -> list[str]:
    status, tracker = post(f"{server.url}/conversations/{sender}/tracker?token={TOKEN}", None, method="GET")
    assert status == 200
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]


@pytest.mark.parametrize("port_of", ["rasa_port", "action_port", "agent_port"])
def test_servers_listen_on_loopback_only(server, port_of):
    port = getattr(server, port_of)
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(OSError):  # a server on 0.0.0.0 would accept this one too
        socket.create_connection(("127.0.0.2", port), timeout=5).close()


def test_only_rasa_may_call_the_action_server(server):
    call = {"next_action": "action_ticket_status", "sender_id": "intruder", "version": "3.6.21",
            "tracker": {"sender_id": "intruder", "slots": {}, "events": [], "latest_message": {},
                        "latest_input_channel": "telegram", "active_loop": {}}, "domain": {}}
    for headers in ({}, {"X-Action-Token": "guess"}):
        status, body = post(f"{server.action_url}/webhook", call, headers)
        assert status == 401 and "only the Rasa server" in body["error"]
    assert post(f"{server.action_url}/actions", None, method="GET")[0] == 401
    assert urllib.request.urlopen(f"{server.action_url}/health", timeout=5).status == 200


def test_a_failing_action_answers_without_echoing_the_conversation(server):
    secret_headers = {"X-Action-Token": server.env["ACTION_SERVER_TOKEN"]}
    call = {"next_action": "action_ticket_status", "sender_id": "x", "version": "3.6.21",
            "tracker": {"events": "not a list", "slots": {"phone": "13812345678"}}}
    status, body = post(f"{server.action_url}/webhook", call, secret_headers)
    assert status == 500 and "13812345678" not in json.dumps(body) and "slots" not in json.dumps(body)


def test_a_dead_server_is_started_again(server):
    child = server.children["actions"]
    old = child.proc
    old.kill()
    wait_for(lambda: child.proc is not old and child.proc.poll() is None)
    wait_for(lambda: _answers(f"{server.action_url}/health"))
    assert "actions exited with code" in child.log.read_text(encoding="utf-8")
    assert "缴费" in Resident(server).says("物业费怎么交")


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def test_without_the_action_server_residents_still_get_answers_and_forms_survive(server):
    resident = Resident(server)
    assert "哪里出了问题" in resident.says("我要报修")
    assert "具体位置" in resident.says("厨房下水道堵住了")
    with server.down("actions"):
        reply = resident.says("8-2-1102")
        assert "请稍后再发一次" in reply and "0571" in reply  # the service phone
        fire = Resident(server).says("3栋着火了，楼道里全是烟")
        assert "119" in fire and "值班电话" in fire
        lift = Resident(server).says("有人被困在5栋电梯里了")
        assert "警铃" in lift and "值班电话" in lift
        assert "请稍后再发一次" in Resident(server).says("物业费怎么交")
    # The form waits where it was: the location is asked for again, then the rest.
    assert "联系电话" in resident.says("8-2-1102")
    assert "什么时候上门" in resident.says("13900001111")
    assert "8栋2单元1102" in resident.says("随时")
    reply = resident.says("对的")
    [ticket] = tickets_in(server, resident.sender)
    assert ticket["number"] in reply and ticket["description"] == "厨房下水道堵住了"


def test_a_restart_keeps_forms_and_handoffs(server):
    filling = Resident(server)
    assert "具体位置" in filling.says("报修 厨房下水道堵住了")
    waiting = Resident(server)
    assert "人工客服" in waiting.says("转人工")
    server.restart("rasa")
    # The form goes on where it was.
    assert "联系电话" in filling.says("8-2-1102")
    # The handoff: the agent sees the transcript, the reply reaches the
    # conversation, and the bot does not answer in the agent's place.
    status, conversation = post(f"{server.agent_url}/agent/conversations/{waiting.sender}", None, AGENT, "GET")
    assert status == 200 and "转人工" in [line["text"] for line in conversation["transcript"]]
    assert "大约" in waiting.says("人呢")  # waiting: told it arrived, not answered by the bot
    status, _ = post(f"{server.agent_url}/agent/conversations/{waiting.sender}/reply",
                     {"text": "您好，我是客服小王，请问有什么可以帮您？", "agent": "小王"}, AGENT)
    assert status == 200
    assert "您好，我是客服小王，请问有什么可以帮您？" in tracker_texts(server, waiting.sender)
    assert waiting.say("我家热水器坏了") == []  # the agent has it: the bot never speaks in their place


def test_a_report_made_while_the_database_is_down_becomes_a_ticket_and_its_number_is_sent(server):
    database = Path(server.db_url.removeprefix("sqlite:///"))
    away = database.with_name("tickets.away")
    resident = Resident(server)
    resident.says("楼上装修有噪音 晚上十点还在电钻 麻烦处理一下")
    database.rename(away)
    try:
        reply = resident.says("15012345678")
        assert "自动生成工单" in reply and tickets_in_file(away, resident.sender) == []
    finally:
        database.unlink(missing_ok=True)  # the empty file SQLite made meanwhile
        away.rename(database)
    [ticket] = wait_for(lambda: tickets_in(server, resident.sender))
    assert ticket["kind"] == "complaint" and ticket["contact_phone"] == "15012345678"
    wait_for(lambda: any(ticket["number"] in text for text in tracker_texts(server, resident.sender)))


def tickets_in_file(path: Path, sender: str) -> list:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT number FROM tickets WHERE reporter_id = ?", (f"rest:{sender}",)).fetchall()


def test_a_locked_ticket_database_stalls_no_other_conversation(server):
    complaint = Resident(server)
    complaint.says("小区门口的垃圾三天没人清理了")
    lock = sqlite3.connect(server.db_url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    done = threading.Event()
    try:
        worker = threading.Thread(target=lambda: (complaint.says("13712345678"), done.set()), daemon=True)
        worker.start()
        time.sleep(1)  # let the ticket write start waiting for the lock
        assert "缴费" in Resident(server).says("物业费怎么交")
        assert not done.is_set()  # answered while the other conversation still waits on the database
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    worker.join(timeout=120)
    wait_for(lambda: tickets_in(server, complaint.sender))


def test_a_message_is_cut_to_one_length_everywhere(server):
    resident = Resident(server)
    reply = resident.says("3栋502卫生间漏水了 电话13812345678 " + "水一直在滴" * 200_000)
    assert "前 1000 个字" in reply and "什么时候上门" in reply
    resident.says("随时")
    resident.says("对的")
    [ticket] = tickets_in(server, resident.sender)
    assert len(ticket["description"]) == 1000
    status, conversation = post(f"{server.url}/conversations/{resident.sender}/tracker?token={TOKEN}", None,
                                method="GET")
    assert max(len(e.get("text") or "") for e in conversation["events"] if e["event"] == "user") == 1000


@pytest.mark.parametrize("body", [b"", b"[]", b"[1, 2]", b"not json", b'"text"', b"null",
                                  b'{"message": "hi"}', b'{"sender": "", "message": "hi"}',
                                  b'{"sender": 5, "message": "hi"}', b'{"sender": "a", "message": ["hi"]}',
                                  b'{"sender": "\\ud800", "message": "hi"}', b'{"sender": "a\\u0000b", "message": "hi"}'])
def test_the_rest_webhook_refuses_a_body_it_cannot_use(server, body):
    request = urllib.request.Request(f"{server.url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400 and "sender" in json.loads(refused.value.read())["error"]


def test_a_rest_client_cannot_claim_the_telegram_channel(server):
    status, _ = post(f"{server.url}/webhooks/rest/webhook",
                     {"sender": "42", "message": "我的报修到哪了", "input_channel": "telegram"})
    assert status == 200
    assert "后四位" in tracker_texts(server, "42")[-1]  # treated as REST: asked for proof


def test_status_on_a_weak_channel_needs_the_phones_last_four_digits(server):
    owner = Resident(server)
    owner.says("5栋楼道灯不亮 电话13712345678")
    owner.says("对的")
    [ticket] = tickets_in(server, owner.sender)
    assert "后四位" in owner.says("我的报修到哪了")
    assert ticket["number"] in owner.says("5678")
    assert ticket["number"] in owner.says(f"查一下 {ticket['number']}")  # proved once per session
    # Someone who knows the sender id or the number, but not the phone:
    impostor = Resident(server, sender=f"{owner.sender}-x")
    assert "后四位" in impostor.says(f"查一下 {ticket['number']}")
    reply = impostor.says("1234")
    assert "没有查到" in reply and ticket["number"] not in reply
    for _ in range(2):
        impostor.says(f"查一下 {ticket['number']}")
        impostor.says("4321")
    reply = impostor.says(f"查一下 {ticket['number']}")
    assert "不能再查询" in reply and ticket["number"] not in reply
