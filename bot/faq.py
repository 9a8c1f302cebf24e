"""FAQ retrieval: find the knowledge-base entry a resident's question asks about.

Each question variant in knowledge/faq.yml is a TF-IDF vector of jieba words and
character bigrams; an entry scores the best cosine similarity of its variants.
Below `MIN_SCORE` there is no answer we trust, and the caller passes the
question to a colleague instead of guessing. The index is rebuilt whenever the
knowledge file changes, so trainers' edits are live without retraining.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import jieba

from bot import knowledge
from bot.knowledge import FaqEntry
from bot.text import normalize

jieba.setLogLevel(logging.WARNING)

MIN_SCORE = 0.22  # true matches score >= 0.28, unrelated questions <= 0.14 (tests/test_faq.py)
_STOP_WORDS = {
    "的", "了", "吗", "呢", "啊", "呀", "吧", "么", "嘛", "哦", "请问", "问一下", "一下",
    "我", "我们", "你们", "你", "想", "要", "能", "可以", "怎么", "怎么样", "如何",
    "是", "有", "在", "这个", "那个", "请", "麻烦", "你好", "您好", "问", "下",
}
_NOISE = re.compile(r"[^\w]+")


@lru_cache(maxsize=1)
def _dictionaries_loaded() -> bool:
    """Load the trade's jieba user dictionaries, once per process."""
    for path in sorted(knowledge.dictionary_dir().glob("*")):
        jieba.load_userdict(str(path))
    return True


def _terms(text: str) -> Counter[str]:
    _dictionaries_loaded()
    clean = _NOISE.sub(" ", normalize(text).lower())
    words = [w for w in jieba.lcut(clean) if w.strip() and w not in _STOP_WORDS]
    terms: Counter[str] = Counter(f"w:{w}" for w in words)
    compact = "".join(words)
    terms.update(f"c:{compact[i:i + 2]}" for i in range(len(compact) - 1))
    return terms


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float


class FaqIndex:
    """TF-IDF vectors of every question variant of a set of entries."""

    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        docs = [(entry, _terms(q)) for entry in entries for q in entry.questions]
        df: Counter[str] = Counter()
        for _, terms in docs:
            df.update(terms.keys())
        n = len(docs)
        self._idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        # A term no variant uses is as telling as the rarest one: it must weigh
        # in the query's norm, or "小区WiFi密码" would reduce to "小区".
        self._unseen_idf = math.log(1 + n) + 1
        self._docs = [(entry, self._vector(terms)) for entry, terms in docs]

    def _vector(self, terms: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self._idf.get(t, self._unseen_idf) for t, c in terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def search(self, question: str, top: int = 3) -> list[Match]:
        query = self._vector(_terms(question))
        best: dict[str, Match] = {}
        for entry, doc in self._docs:
            score = sum(w * doc.get(t, 0.0) for t, w in query.items())
            if entry.id not in best or score > best[entry.id].score:
                best[entry.id] = Match(entry, round(score, 4))
        return sorted(best.values(), key=lambda m: m.score, reverse=True)[:top]


@lru_cache(maxsize=2)
def _index_for(entries: tuple[FaqEntry, ...]) -> FaqIndex:
    return FaqIndex(entries)


def search(question: str, top: int = 3) -> list[Match]:
    """Best entries for a question, highest score first (scores 0..1)."""
    return _index_for(knowledge.faq_entries()).search(question, top)


def answer(question: str) -> tuple[Match | None, str | None]:
    """(best match, rendered answer), or (best match or None, None) when no entry
    is similar enough to answer honestly."""
    matches = search(question, top=1)
    if not matches or matches[0].score < MIN_SCORE:
        return (matches[0] if matches else None), None
    return matches[0], knowledge.render(matches[0].entry.answer)
