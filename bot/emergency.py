"""What a resident in an emergency is told first (三级响应): the responses, by
response level, with this community's facts filled in. The emergency action and
the Rasa server's answer when actions fail (bot/nlu/server_guards.py) both send
these, so the safety text is the same whichever of them speaks."""
from __future__ import annotations

import logging
from typing import Any

from bot import hazards, knowledge
from bot.text import normalize

logger = logging.getLogger(__name__)


def facts() -> dict[str, Any]:
    """The community's facts, or none: a broken knowledge file must not silence an emergency."""
    try:
        return knowledge.community_facts()
    except Exception:
        logger.exception("community facts unavailable; safety text without them")
        return {}


def first_responses(level: int | None) -> list[tuple[str, dict[str, Any]]]:
    """(response name, values) for level 1 (get to safety, call 119/120) or
    level 2 (reassurance and what to do while help comes)."""
    if level == 1:
        known = facts()
        return [("utter_emergency_safety", {"exits": known.get("emergency_exits", ""),
                                            "gathering_point": known.get("gathering_point", "")})]
    return [("utter_emergency_reassure", {})]


_ALL_CLEAR_START = ("没有", "没", "无", "不是", "都没", "没事", "不用", "no", "nope", "none", "not")
_BUT = ("但", "可是", "不过", "只是", "but")


def is_all_clear(text: str, intent: str | None) -> bool:
    """Is this answer to a safety question a clear no (没有 / 都没有 / no), at most
    a sentence long, naming no hazard? Anything else, a long story, a "but",
    or no answer at all, counts as yes."""
    clean = normalize(text).lower().strip(" 。.!！,，~～")
    if not clean or len(clean) > 30 or any(b in clean for b in _BUT):
        return False
    if hazards.match(clean):
        return False
    return intent == "deny" or clean.startswith(_ALL_CLEAR_START)
