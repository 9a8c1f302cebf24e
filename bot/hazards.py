"""Hazard concepts (险情): dangerous situations recognised by word classes, e.g.
{燃气, 煤气, 天然气} × {漏, 泄漏, 味}. A concept is present when the message has
an earnest word (not negated, not quoted) from every one of its classes. The
concepts are knowledge/hazards.yml; a trained model adds what words miss
(bot/understanding/urgency.py)."""
from __future__ import annotations

from dataclasses import dataclass

from bot import knowledge
from bot.knowledge import Hazard
from bot.text import find_words, normalize


@dataclass(frozen=True)
class HazardMatch:
    hazard: Hazard
    words: tuple[str, ...]  # one matched word per class, the explanation

    @property
    def reason(self) -> str:
        return f"{self.hazard.name}（{'+'.join(self.words)}）"


def _classes_hit(text: str, hazard: Hazard, negations: tuple[str, ...]) -> list[str | None]:
    return [next((w for w, _ in find_words(text, words, negations)), None) for words in hazard.all_of]


def match(text: str | None) -> HazardMatch | None:
    """The most urgent concept fully present in the message, or None. A
    question about what to do if something happened is no hazard by its words
    (the trained model still judges it)."""
    clean = normalize(text).lower()
    negations = knowledge.emotion_lexicon().negations
    rules = knowledge.hazards()
    if find_words(clean, rules.hypothetical, ()):
        return None
    found = []
    for hazard in rules.concepts:
        hits = _classes_hit(clean, hazard, negations)
        if all(hits):
            found.append(HazardMatch(hazard, tuple(h for h in hits if h)))
    return min(found, key=lambda m: m.hazard.level) if found else None


def question_for(text: str | None) -> str:
    """The safety question that fits a possibly dangerous message best: that of
    the concept most of whose classes it touches (longer words break ties),
    else the default."""
    clean = normalize(text).lower()
    negations = knowledge.emotion_lexicon().negations
    rules = knowledge.hazards()
    best, best_score = rules.default_question, 0.0
    for hazard in rules.concepts:
        hits = [h for h in _classes_hit(clean, hazard, negations) if h]
        # the share of classes touched; longer words are the more telling evidence
        score = len(hits) / len(hazard.all_of) + 0.01 * sum(len(h) for h in hits)
        if score > best_score:
            best, best_score = hazard.question, score
    return best
