"""The REST chat channel (POST /webhooks/rest/webhook), as Rasa's own but strict
about its body: a JSON object with a non-empty string `sender` and a string
`message`. Anything else gets 400 and a message saying what is wanted (Rasa's
channel answers 500 to an empty body or an array, and puts every request
without a sender into one shared conversation "default").

The channel is always `rest`: a client cannot claim another channel (such as
Telegram, whose chat ids are trusted) through the body's `input_channel`.
"""
from __future__ import annotations

from typing import Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http_json import InvalidBody, body, field

MAX_SENDER = 128
WANTED = '请求体应为 JSON 对象：{"sender": "会话标识", "message": "消息内容"}'


def body_problem(request: Request) -> Optional[str]:
    """What is wrong with a webhook request's body, or None."""
    try:
        data = body(request)
        sender = field(data, "sender")
        field(data, "message")  # a string, when given
    except InvalidBody as problem:
        return f"{problem}。{WANTED}"
    if not sender or not sender.strip():
        return "缺少 sender（会话标识，非空字符串）。" + WANTED
    if len(sender) > MAX_SENDER:
        return f"sender 最长 {MAX_SENDER} 个字符。"
    if not sender.isprintable() or not _encodable(sender):
        return "sender 只能包含可见字符。"
    return None


def _encodable(text: str) -> bool:
    """False for text a database cannot store, such as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class RestInput(RasaRestInput):
    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def _extract_message(self, req: Request) -> Optional[Text]:
        return req.json.get("message") or ""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST":
                problem = body_problem(request)
                if problem:
                    return response.json({"error": problem}, status=400)
            return None

        return webhook
