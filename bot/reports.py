"""Rules for what a resident's report must contain before it becomes a ticket."""
from __future__ import annotations

import re
from functools import lru_cache

from bot import knowledge
from bot.privacy import mask_phones
from bot.text import normalize

@lru_cache(maxsize=4)
def _fillers(words: tuple[str, ...]) -> re.Pattern:
    """One pattern for the filler words (longest first) and single particles."""
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join([*map(re.escape, ordered), "[的了啊呀吧吗呢嘛个]"]))


def substance(text: str | None) -> str:
    """What is left of a message once greetings and 'I want to report' are
    removed (the fillers: knowledge/routing.yml `report_fillers`)."""
    return _fillers(knowledge.routing().fillers).sub("", re.sub(r"[^\w]", "", normalize(text or "")))


def describes_something(text: str | None, min_chars: int = 2) -> bool:
    """True when the message says what is wrong, not only that something is."""
    return len(substance(text)) >= min_chars


def summary(text: str, limit: int = 40) -> str:
    """A one-line digest of a description for read-backs, phone numbers masked."""
    flat = mask_phones(normalize(text))
    return flat if len(flat) <= limit else flat[:limit] + "…"
