"""Messages that carry several requests ("物业费怎么交？另外厨房水龙头一直滴水"):
the clauses they split into, and the order the dialogue takes them in (a
report opens its form; the questions that came with it are answered first;
an emergency outranks everything, see UrgencyClassifier)."""
from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[。！!？?；;\n]+|另外|还有|顺便问一下|顺便问下|顺便|对了|再就是|\balso\b|\bbesides\b",
                       re.IGNORECASE)
TASKS = ("repair_request", "complaint", "faq")  # in the order the dialogue takes them up
_PHRASE_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff\d])|(?<=\d)\s+(?=[\u4e00-\u9fff])")
MIN_CONFIDENCE = 0.6  # a clause counts as a request of its own only when its intent is this clear


def clauses(text: str) -> list[str]:
    """The message cut at sentence ends and at words that add a request."""
    return [part.strip(" ，,、") for part in _BOUNDARY.split(text) if len(part.strip(" ，,、")) >= 2]


def phrases(text: str) -> list[str]:
    """clauses(), also cut where a space parts Chinese phrases (voice input,
    "4栋3单元1101 洗衣机水龙头渗水 电话178… 明天下午在家")."""
    return [p for clause in clauses(text) for p in _PHRASE_SPACE.split(clause) if len(p) >= 2]


def request_among_facts(parts: list[tuple[str, str, float]]) -> dict | None:
    """[(phrase, intent, confidence)] of a message that as a whole reads as
    facts (a place, a phone, a time), or as nothing clearly: the fault or
    grievance among them, if one phrase clearly is one."""
    found = [{"text": text, "intent": intent, "confidence": round(confidence, 4)}
             for text, intent, confidence in parts if intent in TASKS[:2] and confidence >= MIN_CONFIDENCE]
    return max(found, key=lambda r: r["confidence"]) if found else None


def several(parts: list[tuple[str, str, float]]) -> list[dict] | None:
    """[(clause, intent, confidence)] → the requests, when the message holds
    more than one (different kinds, or several questions); else None."""
    requests = [{"text": text, "intent": intent, "confidence": round(confidence, 4)}
                for text, intent, confidence in parts if intent in TASKS and confidence >= MIN_CONFIDENCE]
    kinds = {r["intent"] for r in requests}
    if len(requests) < 2 or (len(kinds) == 1 and kinds != {"faq"}):
        return None
    return requests


def first(requests: list[dict]) -> dict:
    """The request the dialogue opens with."""
    return min(requests, key=lambda r: TASKS.index(r["intent"]))
