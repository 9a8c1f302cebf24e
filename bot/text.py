"""Text normalisation shared by NLU and the trade modules: Traditional → Simplified
(OpenCC), full-width → half-width, whitespace folded."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# The one length cap for a resident's message, applied by the Rasa server before
# anything reads it (bot/nlu/server_guards.py) and again by the NLU for direct
# /model/parse calls: longer messages are cut, and the resident is told so.
MAX_RESIDENT_CHARS = 1000

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified; other text is unchanged."""
    return _t2s().convert(text) if text else ""


def normalize(text: str | None) -> str:
    """Simplified, half-width (NFKC keeps CJK intact), single spaces, stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", to_simplified(text)).strip()


# An apostrophe inside an English word (I'm, it's) opens no quotation.
_QUOTED = re.compile(r"「[^」]*」|『[^』]*』|“[^”]*”|\"[^\"]*\"|‘[^’]*’|(?<![A-Za-z])'[^']*'(?![A-Za-z])|《[^》]*》")


def without_quotations(text: str) -> str:
    """The text with quoted passages blanked (same length, so offsets still hold):
    a resident quoting someone else's words is not saying them."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def find_words(text: str, words: tuple[str, ...] | list[str],
               negations: tuple[str, ...] | list[str]) -> list[tuple[str, int]]:
    """(word, position) of every word said in earnest in normalised `text`: not
    inside quotation marks, not right after a negation (没有着火), and a word of
    digits or Latin letters only where it stands alone (the hotline 12345 is not
    in the phone number 13812345678)."""
    plain = without_quotations(text)
    found = []
    for word in words:
        if word not in plain:  # the quick test first: most words are absent
            continue
        found += [(word, m.start()) for m in _word_pattern(word).finditer(plain)
                  if not is_negated(plain, m.start(), negations)]
    return found


@lru_cache(maxsize=8192)
def _word_pattern(word: str) -> re.Pattern[str]:
    if word.isascii() and word.isalnum():
        return re.compile(rf"(?<![0-9A-Za-z]){re.escape(word)}(?![0-9A-Za-z])")
    return re.compile(re.escape(word))


def is_negated(text: str, start: int, negations: tuple[str, ...] | list[str]) -> bool:
    """True when a negation word ends at most one character before `start`
    (我不生气, 没有着火, 不是很急); "是不是" asks, it does not deny."""
    window = text[max(0, start - 4):start]
    if window.endswith("是不是"):  # a question (是不是煤气漏了), not a negation
        return False
    return any(window.endswith(n) or window[:-1].endswith(n) for n in negations if window)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def language_of(text: str | None) -> str | None:
    """"en" for a message written mainly in English words, "zh" for one with
    Chinese in it, None when it has neither (digits, emoji)."""
    chinese, english = len(_CJK.findall(text or "")), len(_LATIN_WORD.findall(text or ""))
    if english >= 2 and english >= chinese:
        return "en"
    return "zh" if chinese else None
