"""A terminal chat over the REST channel: type a message, see the replies.
Buttons are numbered; type the number to press one."""
from __future__ import annotations

import json
import urllib.request
import uuid


def send(base_url: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"[]")


def chat(base_url: str) -> None:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("  Type a message (Ctrl-D to quit). 例如：物业费怎么交 / 3栋502卫生间漏水\n")
    buttons: list[dict] = []
    while True:
        try:
            text = input("您> ").strip()
        except EOFError:
            return
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        buttons = []
        for reply in send(base_url, sender, text):
            if reply.get("text"):
                print(f"客服> {reply['text']}")
            for i, button in enumerate(reply.get("buttons") or [], 1):
                print(f"      [{i}] {button['title']}")
                buttons.append(button)
