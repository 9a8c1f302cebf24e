"""Whole conversations played against the running servers over the REST
channel, judged by what ends up in the database and the tracker.

A conversation (tests/data/conversations.yml, written by someone who never saw
the assistant's code or data) gives the resident's opening messages and an
answer for every fact the assistant might ask; the runner answers whatever the
tracker says the form is asking (`requested_slot`), as a resident would. Task
success: the expected ticket with its facts (or none), the handoff, the safety
text first, and no question asked three times.
"""
from __future__ import annotations

import json
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "conversations.yml"
MAX_TURNS = 16
# The first emergency replies: level 1 (get to safety, 119/120) or level 2 (what to do while help comes).
SAFETY_RESPONSES = ("utter_emergency_safety", "utter_emergency_reassure")
# Replies after which a resident says what they need.
ASKING_WHAT_FOR = ("utter_greet", "utter_facts_noted", "utter_default", "utter_anything_else")


@dataclass
class Played:
    sender: str
    replies: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    turns: int = 0
    unanswered: str | None = None  # a question the script had no answer for


def _post(url: str, payload: dict) -> Any:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def _tracker(url: str, token: str, sender: str) -> dict:
    with urllib.request.urlopen(f"{url}/conversations/{sender}/tracker?token={token}", timeout=60) as response:
        return json.loads(response.read())


def play(conversation: dict, url: str, token: str) -> Played:
    """Send the opening, then answer each question from the script."""
    played = Played(sender=f"conv-{conversation['id']}-{uuid.uuid4().hex[:6]}")
    answers = {slot: list(values or []) for slot, values in (conversation.get("answers") or {}).items()}
    answers["repair_confirmed"] = list(conversation.get("confirm") or [])
    used: Counter[str] = Counter()

    def say(message: str) -> None:
        played.turns += 1
        for reply in _post(f"{url}/webhooks/rest/webhook", {"sender": played.sender, "message": message}) or []:
            played.replies.append(reply.get("text") or "")

    for message in conversation.get("opening") or []:
        say(message)
    while played.turns < MAX_TURNS:
        tracker = _tracker(url, token, played.sender)
        loop = (tracker.get("active_loop") or {}).get("name")
        if tracker.get("paused"):
            break
        if not loop:  # asked what they need (a greeting back, "记下了", "没太理解"): say what is wrong
            if _last_response(tracker) not in ASKING_WHAT_FOR or used["told"] >= 2:
                break
            slot = "complaint_text" if conversation.get("kind") == "complaint" else "problem"
            used["told"] += 1
        else:
            slot = "safety" if loop == "safety_form" else tracker["slots"].get("requested_slot")
        options = answers.get(slot) or []
        if not options:
            played.unanswered = slot
            break
        say(options[min(used[slot], len(options) - 1)])
        used[slot] += 1
    played.events = _tracker(url, token, played.sender).get("events") or []
    return played


def _last_response(tracker: dict) -> str | None:
    bot = [e for e in tracker.get("events") or [] if e.get("event") == "bot"]
    return (bot[-1].get("metadata") or {}).get("utter_action") if bot else None


def most_asked(events: list[dict]) -> tuple[str | None, int]:
    """The fact asked for most often in the conversation, and how often."""
    asks: Counter[str] = Counter()
    for event in events:
        name = (event.get("metadata") or {}).get("utter_action") or "" if event.get("event") == "bot" else ""
        if name.startswith("utter_ask_"):
            slot = name[len("utter_ask_"):]
            for suffix in ("_again", "_for_complaint", "_public"):
                slot = slot.removesuffix(suffix)
            asks[slot] += 1
    return asks.most_common(1)[0] if asks else (None, 0)


def _rows(db_url: str, sql: str, key: str) -> list[dict]:
    with create_engine(db_url).connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {"k": key}).mappings().all()]


def judge(conversation: dict, played: Played, db_url: str) -> list[str]:
    """What went wrong (empty when the task succeeded)."""
    expect = conversation.get("expect") or {}
    failures = []
    tickets = _rows(db_url, "SELECT * FROM tickets WHERE reporter_id = :k ORDER BY id", f"rest:{played.sender}")
    emergency = [t for t in tickets if t["urgency"] in (1, 2)]
    ordinary = [t for t in tickets if t["urgency"] not in (1, 2)]
    handoffs = _rows(db_url, "SELECT * FROM handoffs WHERE conversation_id = :k", played.sender)
    if expect.get("emergency_ticket") and not emergency:
        failures.append("no emergency ticket")
    wanted = expect.get("ticket") or "none"  # "any": a ticket may or may not be opened
    if wanted == "any":
        pass
    elif wanted == "none" or expect.get("emergency_ticket"):
        if ordinary and wanted == "none":
            failures.append(f"unexpected {ordinary[-1]['kind']} ticket")
    else:
        matching = [t for t in tickets if t["kind"] == wanted]
        if not matching:
            failures.append(f"no {wanted} ticket" + (f" (asked {played.unanswered} with no answer left)"
                                                     if played.unanswered else ""))
        else:
            failures += _wrong_facts(matching[-1], expect.get("facts") or {})
    if bool(expect.get("handoff")) != bool(handoffs):
        failures.append("handed over" if handoffs else "not handed over")
    first = next((e for e in played.events if e.get("event") == "bot"), {})
    if expect.get("safety_first") and (first.get("metadata") or {}).get("utter_action") not in SAFETY_RESPONSES:
        failures.append("safety text not first")
    joined = "\n".join(played.replies)
    failures += [f"no reply has {word!r}" for word in expect.get("replies_have") or [] if word not in joined]
    slot, times = most_asked(played.events)
    if times >= 3:
        failures.append(f"asked for {slot} {times} times")
    return failures


def _wrong_facts(ticket: dict, facts: dict) -> list[str]:
    wrong = []
    for name, value in facts.items():
        if name == "visit_time_has":
            if str(value) not in (ticket.get("visit_time") or ""):
                wrong.append(f"visit time {ticket.get('visit_time')!r} lacks {value!r}")
        elif name == "phone":
            if ticket.get("contact_phone") != str(value):
                wrong.append("wrong phone")
        elif str(ticket.get(name) or "") != str(value):
            wrong.append(f"{name} {ticket.get(name)!r} != {value!r}")
    return wrong


def load(path: Path = SET) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run(url: str, token: str, db_url: str, conversations: list[dict] | None = None) -> dict[str, list[str]]:
    """{conversation id: failures} for every conversation in the set."""
    return {c["id"]: judge(c, play(c, url, token), db_url) for c in conversations or load()}


def report(results: dict[str, list[str]], conversations: list[dict], name_failures: bool = True) -> str:
    """Task success overall and by kind, and the kinds of failure (never the
    messages; which conversations failed only when `name_failures`: a frozen
    set is not looked into)."""
    kinds = {c["id"]: c.get("kind", "?") for c in conversations}
    by_kind: dict[str, list[bool]] = {}
    for cid, failures in results.items():
        by_kind.setdefault(kinds[cid], []).append(not failures)
    succeeded = sum(not f for f in results.values())
    lines = [f"task success {succeeded}/{len(results)} = {succeeded / max(1, len(results)):.3f}",
             "by kind: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items()))]
    reasons = Counter(f.split(" (")[0] for failures in results.values() for f in failures)
    if reasons:
        lines.append("failures: " + "; ".join(f"{r} ×{n}" for r, n in reasons.most_common()))
        if name_failures:
            lines.append("failed: " + ", ".join(cid for cid, f in results.items() if f))
    return "\n".join(lines)
