"""The residents' web chat page, served by the Rasa server itself so the widget
talks to Rasa's socket.io channel on the same origin (no CORS to open).

GET /webhooks/webchat/           the page (bot/web/webchat.html)
GET /webhooks/webchat/widget.js  rasa-webchat from webchat/node_modules (npm ci)

It receives no messages itself: conversations go through the `socketio`
channel configured beside it in credentials.yml.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import ROOT

PAGE = Path(__file__).resolve().parent.parent / "web" / "webchat.html"
WIDGET = ROOT / "webchat" / "node_modules" / "rasa-webchat" / "lib" / "index.js"


class WebChatPage(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatPage":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = Blueprint("webchat_page", __name__)

        @page.route("/", methods=["GET"])
        async def index(request: Request) -> HTTPResponse:
            return await response.file(str(PAGE), mime_type="text/html; charset=utf-8")

        @page.route("/widget.js", methods=["GET"])
        async def widget(request: Request) -> HTTPResponse:
            if not WIDGET.exists():
                return response.text("the chat widget is not installed: run `npm ci --prefix webchat`",
                                     status=503)
            return await response.file(str(WIDGET), mime_type="application/javascript",
                                       headers={"Cache-Control": "max-age=3600"})

        return page
