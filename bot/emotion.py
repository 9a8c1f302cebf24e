"""Emotion detection (情绪识别): is a message high-emotion, and why.

Cue words (anger, anxiety, fear, sadness) come from knowledge/emotion.yml;
rules look at the text itself (repeated ！/？, all-caps shouting, length).
Negated cues (我不生气) and quoted words do not count."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import knowledge
from bot.text import find_words, normalize

_PUNCT_RUN = re.compile(r"[!！]{2,}|[?？]{2,}|[!！?？]{3,}")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")


@dataclass(frozen=True)
class Emotion:
    level: str  # "high" | "normal"
    score: float
    cues: list[str] = field(default_factory=list)
    emotions: list[str] = field(default_factory=list)  # anger, anxiety, fear, sadness, shouting

    def as_dict(self) -> dict:
        return {"level": self.level, "score": self.score, "cues": self.cues, "emotions": self.emotions}


def assess(text: str | None) -> Emotion:
    """Score a message 0..1 and say which cues made the score."""
    lexicon = knowledge.emotion_lexicon()
    raw = normalize(text)
    score, cues, emotions = 0.0, [], []
    for group in lexicon.groups:
        hits = [word for word, _ in find_words(raw, group.words, lexicon.negations)]
        if hits:
            distinct = sorted(set(hits), key=hits.index)
            score += group.weight + lexicon.extra_cue * (len(distinct) - 1)
            cues += distinct
            emotions.append(group.emotion)
    rules = lexicon.rules
    punct = _PUNCT_RUN.search(raw)
    if punct:
        score += rules.get("repeated_punctuation", 0)
        cues.append(punct.group(0))
        emotions.append("shouting")
    shout = _SHOUT.search(text or "")
    if shout:
        score += rules.get("shouting", 0)
        cues.append(shout.group(0))
        emotions.append("shouting")
    if len(raw) >= rules.get("long_message_chars", float("inf")):
        score += rules.get("long_message", 0)
        cues.append(f"长篇留言（{len(raw)}字）")
    score = round(min(score, 1.0), 2)
    level = "high" if score >= lexicon.threshold else "normal"
    return Emotion(level, score, cues, sorted(set(emotions), key=emotions.index))
