"""Rules for what a resident's report must contain before it becomes a ticket."""
from __future__ import annotations

import re

from bot.privacy import mask_phones
from bot.text import normalize

# Words that say "I want to report something" without saying what.
_GENERIC = re.compile(
    r"我要|我想|想要|需要|帮我|麻烦|请|你好|您好|报修|维修|修理|修一下|投诉|反映|举报|一下|有个|有点|问题|事情|物业|"
    r"东西|坏了|[的了啊呀吧吗呢嘛个]"
)


def substance(text: str | None) -> str:
    """What is left of a message once greetings and 'I want to report' are removed."""
    return _GENERIC.sub("", re.sub(r"[^\w]", "", normalize(text or "")))


def describes_something(text: str | None, min_chars: int = 2) -> bool:
    """True when the message says what is wrong, not only that something is."""
    return len(substance(text)) >= min_chars


def summary(text: str, limit: int = 40) -> str:
    """A one-line digest of a description for read-backs, phone numbers masked."""
    flat = mask_phones(normalize(text))
    return flat if len(flat) <= limit else flat[:limit] + "…"
