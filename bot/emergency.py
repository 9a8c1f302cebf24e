"""What a resident in an emergency is told first (三级响应): the responses, by
response level, with this community's facts filled in. The emergency action and
the Rasa server's answer when actions fail (bot/nlu/server_guards.py) both send
these, so the safety text is the same whichever of them speaks."""
from __future__ import annotations

import logging
from typing import Any

from bot import knowledge

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
