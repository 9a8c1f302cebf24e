"""Telegram end to end: updates through the real webhook, replies checked at the
fake Bot API server, tickets in the database."""
from __future__ import annotations

import asyncio
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from fake_telegram import button_press, edited, message
from http_helpers import AGENT_TOKEN, TELEGRAM_SECRET, TOKEN, post

_chats = itertools.count(700_001)


def send(server, update: dict, secret: str | None = TELEGRAM_SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    status, _ = post(f"{server.url}/webhooks/telegram/webhook", update, headers=headers)
    return status


def say(server, chat: int, words: str) -> int:
    return send(server, message(chat, text=words))


def tickets_of_chat(server, chat: int) -> list[dict]:
    with create_engine(server.db_url).connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT * FROM tickets WHERE reporter_id = :r ORDER BY id"), {"r": f"telegram:{chat}"}).mappings()]


def test_updates_without_the_right_secret_are_refused(server, fake_telegram):
    chat = next(_chats)
    assert send(server, message(chat, text="你好"), secret=None) == 403
    assert send(server, message(chat, text="你好"), secret="wrong") == 403
    assert fake_telegram.texts(chat) == []


def test_a_question_is_answered_in_the_chat(server, fake_telegram):
    chat = next(_chats)
    assert say(server, chat, "物业费多少钱一平") == 200
    assert "2.80" in fake_telegram.texts(chat)[-1]


def test_repair_with_buttons_and_a_photo(server, fake_telegram):
    chat = next(_chats)
    say(server, chat, "3栋502卫生间漏水了 电话13812345678")
    say(server, chat, "随时")
    read_back = fake_telegram.sent(chat)[-1]
    buttons = read_back["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in buttons] == ["/affirm", "/deny"]
    assert "138＊＊＊＊5678" in read_back["text"]
    assert send(server, button_press(chat, "/affirm")) == 200
    assert any(m == "answerCallbackQuery" for m, _ in fake_telegram.calls)
    [ticket] = tickets_of_chat(server, chat)
    assert ticket["number"] in fake_telegram.texts(chat)[-1] and ticket["channel"] == "telegram"

    fake_telegram.files["leak1"] = b"\xff\xd8\xff" + b"x" * 2048
    photo = [{"file_id": "leak1", "file_unique_id": "u1", "width": 640, "height": 480, "file_size": 2051}]
    assert send(server, message(chat, photo=photo)) == 200
    assert fake_telegram.texts(chat)[-1] == f"照片已添加到工单 {ticket['number']}，维修师傅上门前会先看。"
    with create_engine(server.db_url).connect() as conn:
        size = conn.execute(text("SELECT size FROM ticket_attachments a JOIN tickets t ON t.id = a.ticket_id "
                                 "WHERE t.number = :n"), {"n": ticket["number"]}).scalar_one()
    assert size == 2051


def test_photos_are_size_limited_and_need_a_ticket(server, fake_telegram):
    chat = next(_chats)
    fake_telegram.files["p2"] = b"\xff\xd8" + b"y" * 100
    send(server, message(chat, photo=[{"file_id": "p2", "file_unique_id": "u2", "width": 9, "height": 9}]))
    assert "还没有进行中的工单" in fake_telegram.texts(chat)[-1]
    huge = [{"file_id": "p3", "file_unique_id": "u3", "width": 9, "height": 9, "file_size": 50 * 1024 * 1024}]
    send(server, message(chat, photo=huge))
    assert "照片太大了" in fake_telegram.texts(chat)[-1]


def test_an_agent_reply_reaches_the_telegram_chat(server, fake_telegram):
    chat = next(_chats)
    say(server, chat, "转人工")
    assert "人工客服接手" in fake_telegram.texts(chat)[-1]
    status, _ = post(f"{server.agent_url}/agent/conversations/{chat}/reply",
                     {"text": "您好，我是客服小李，请问需要什么帮助？", "agent": "小李"},
                     headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert status == 200
    assert fake_telegram.texts(chat)[-1] == "您好，我是客服小李，请问需要什么帮助？"


@pytest.mark.parametrize("update, expected", [
    (lambda c: edited(c, "改一下"), "看到您修改了刚才的消息"),
    (lambda c: message(c, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                                   "height": 1, "is_animated": False, "is_video": False}), "只能看懂文字和照片"),
    (lambda c: message(c, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}), "只能看懂文字和照片"),
    (lambda c: message(c, text="漏" * 10_000), "前 1000 个字"),
])
def test_odd_updates_are_answered_cleanly(server, fake_telegram, update, expected):
    chat = next(_chats)
    assert send(server, update(chat)) == 200
    texts = fake_telegram.texts(chat)
    assert texts and all(len(t) <= 4096 for t in texts)
    if expected:
        assert any(expected in t for t in texts)


def test_unknown_and_malformed_updates_do_not_break_the_webhook(server, fake_telegram):
    assert send(server, {"update_id": 99, "a_type_telegram_adds_later": {"id": 1}}) == 200
    assert send(server, {"no": "update"}) == 400
    chat = next(_chats)
    assert say(server, chat, "你好") == 200 and fake_telegram.texts(chat)


def turns_of_chat(server, chat: int) -> list[str]:
    """What the resident said, as Rasa's tracker recorded it."""
    status, tracker = post(f"{server.url}/conversations/{chat}/tracker?token={TOKEN}", None, method="GET")
    assert status == 200
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def send_at_once(server, update: dict, times: int = 2) -> list[int]:
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: send(server, update), range(times)))


def test_a_redelivered_update_is_answered_once(server, fake_telegram):
    chat = next(_chats)
    question = message(chat, text="物业费多少钱一平")
    assert send(server, question) == 200
    answered = fake_telegram.sent(chat)
    assert answered and "2.80" in answered[-1]["text"]
    assert send(server, question) == 200  # Telegram retries a webhook it found slow
    assert fake_telegram.sent(chat) == answered
    assert turns_of_chat(server, chat) == ["物业费多少钱一平"]


def test_concurrent_deliveries_of_one_update_make_one_turn_and_one_ticket(server, fake_telegram):
    chat = next(_chats)
    assert send_at_once(server, message(chat, text="3栋502卫生间漏水了 电话13812345678")) == [200, 200]
    assert send_at_once(server, message(chat, text="随时")) == [200, 200]
    assert turns_of_chat(server, chat) == ["3栋502卫生间漏水了 电话13812345678", "随时"]
    replies = len(fake_telegram.sent(chat))
    confirm = button_press(chat, "/affirm")
    assert send_at_once(server, confirm, times=3) == [200, 200, 200]
    [ticket] = tickets_of_chat(server, chat)
    assert [p["callback_query_id"] for m, p in fake_telegram.calls
            if m == "answerCallbackQuery" and p["callback_query_id"] == confirm["callback_query"]["id"]] \
        == [confirm["callback_query"]["id"]]
    assert len(fake_telegram.sent(chat)) == replies + 1 and ticket["number"] in fake_telegram.texts(chat)[-1]


def test_a_refused_delivery_does_not_count_as_seen(server, fake_telegram):
    chat = next(_chats)
    question = message(chat, text="快递放哪里")
    assert send(server, question, secret="wrong") == 403
    assert fake_telegram.texts(chat) == []
    assert send(server, question) == 200
    assert "快递驿站" in fake_telegram.texts(chat)[-1]


def test_the_memory_of_update_ids_is_bounded():
    from bot.channels.telegram import _SeenUpdates
    seen = _SeenUpdates(size=3)
    assert [seen.first_time(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert len(seen.ids) == len(seen.order) == 3
    assert seen.first_time(1) is True  # the oldest was forgotten to make room
    assert seen.first_time(4) is False


def test_a_flood_from_one_chat_is_slowed_down(server, fake_telegram):
    chat = next(_chats)
    for i in range(24):
        say(server, chat, "你好")
    texts = fake_telegram.texts(chat)
    assert texts.count("您发送得太快了，请稍等一分钟再发，之前的消息我都收到了。") == 1
    assert len(texts) == 21  # 20 answered, one notice, the rest ignored


def test_send_errors_are_retried_and_logged_not_lost(server, fake_telegram):
    chat = next(_chats)
    fake_telegram.failures["sendMessage"] = 2
    say(server, chat, "物业费多少钱一平")
    assert "2.80" in fake_telegram.texts(chat)[-1]  # third attempt went through
    fake_telegram.failures["sendMessage"] = 3
    say(server, chat, "快递放哪里")
    from bot.serve import LOG_DIR
    assert "gave up on Telegram send_message" in (LOG_DIR / f"rasa-{server.rasa_port}.log").read_text(errors="ignore")
    fake_telegram.failures["sendMessage"] = 0
    say(server, chat, "谢谢")
    assert "不客气" in fake_telegram.texts(chat)[-1]


def test_polling_mode_forwards_updates_to_the_webhook(server, fake_telegram, monkeypatch):
    from bot.channels.telegram_polling import poll
    chat = next(_chats)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
    monkeypatch.setenv("TELEGRAM_API_URL", fake_telegram.url)
    fake_telegram.updates.append(message(chat, text="快递放哪里"))
    assert asyncio.run(poll(server.url, stop_after=1)) == 1
    assert "快递驿站" in fake_telegram.texts(chat)[-1]
    assert os.environ["TELEGRAM_API_URL"] == fake_telegram.url


def test_the_channel_is_off_without_token_and_secret(monkeypatch):
    from bot.channels.telegram import TelegramInput
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "only-a-secret")
    channel = TelegramInput.from_credentials(None)
    assert channel.enabled is False and channel.bot is None and channel.get_output_channel() is None
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert TelegramInput.from_credentials(None).enabled is True


def test_the_webhook_of_a_channel_that_is_off_answers_404(monkeypatch):
    from bot.channels.telegram import TelegramInput
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    blueprint = TelegramInput.from_credentials(None).blueprint(lambda message: None)
    handler = next(route.handler for route in blueprint._future_routes if route.uri == "/webhook")

    class FakeRequest:
        headers: dict = {}
        json = {"update_id": 1}

    reply = asyncio.run(handler(FakeRequest()))
    assert reply.status == 404
