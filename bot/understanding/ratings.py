"""Reading an answer to the satisfaction survey (bot/surveys.py) from a
resident's message: by what it is, whatever the intent model thinks. Used by the
NLU (the intent becomes `rate_service`) and by the action that keeps the answer."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import normalize

_DIGITS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# "4分 师傅很准时", not "3分钟了还没人来"
_SCORE = re.compile(r"^(?:打|评|给)?\s*([1-5一二两三四五])\s*(?:分|星|颗星)(?!钟)\s*[,，。.!！:：;；、~\s]*(.*)$", re.S)
_WORDS = {"非常满意": 5, "很满意": 5, "满意": 4, "比较满意": 4, "一般": 3, "还行": 3, "不满意": 2,
          "不太满意": 2, "很不满意": 1, "非常不满意": 1}


@dataclass(frozen=True)
class Rating:
    """What a resident's message says about a survey: a score, perhaps with a comment."""
    score: int
    comment: str | None


def read_rating(text: str) -> Rating | None:
    """A survey answer, recognised by what it is: "5分" (the buttons send that),
    "打4分 师傅很准时" (a score and a comment), or "非常满意" alone. None for any
    other message."""
    clean = normalize(text or "").strip()
    found = _SCORE.match(clean)
    if found:
        return Rating(_DIGITS[found.group(1)], found.group(2).strip() or None)
    bare = clean.strip(" 。.!！~")
    return Rating(_WORDS[bare], None) if bare in _WORDS else None
