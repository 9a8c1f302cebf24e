"""The trained part of reply suggestions: which reply functions (the phrase
library's scenario ids: repair_delay, leak_to_neighbour, angry_escalation, ...)
fit a conversation's situation. Features: the resident's last messages
(characters and jieba words), what the agent already said, and the
conversation's facts (intent, category, emotion, urgency, the ticket and its
status) as one-hot values; one-vs-rest logistic regression."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.extraction import mask_facts
from bot.understanding.classifier import clean, words


@dataclass(frozen=True)
class Situation:
    """What an agent is replying to."""
    resident: tuple[str, ...]  # the resident's last messages, latest last
    intent: str | None = None
    category: str | None = None
    emotion: str | None = None  # high | normal
    urgency: int | None = None  # 1-2: an emergency response level
    ticket_kind: str | None = None  # repair | complaint, when the conversation has a ticket
    ticket_status: str | None = None  # open | assigned | in_progress | resolved | closed
    overdue: bool = False
    agent_said: tuple[str, ...] = field(default=())

    def facts(self) -> dict[str, Any]:
        values = {"intent": self.intent, "category": self.category, "emotion": self.emotion,
                  "urgency": str(self.urgency) if self.urgency else None, "ticket": self.ticket_kind,
                  "status": self.ticket_status}
        found = {f"{k}={v}": 1 for k, v in values.items() if v}
        found.update({"overdue": 1} if self.overdue else {})
        found.update({"agent_spoke": 1} if self.agent_said else {"agent_silent": 1})
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Situation":
        ticket = data.get("ticket") or {}
        urgency = data.get("urgency")
        return cls(tuple(str(m) for m in data.get("resident") or ()), data.get("intent"), data.get("category"),
                   data.get("emotion"), int(urgency) if str(urgency) in ("1", "2", "3") else None,
                   ticket.get("kind"), ticket.get("status"), bool(ticket.get("overdue")),
                   tuple(str(m) for m in data.get("agent_said") or ()))


def _resident_text(situation: Situation) -> str:
    return clean(mask_facts(" ".join(situation.resident)))


class SituationModel:
    """fit(situations, fitting functions) → rank(situation) = [(function, score)]."""

    def __init__(self) -> None:
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer=words, sublinear_tf=True)
        self.said = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        self.facts = DictVectorizer()
        self.model = LogisticRegression(C=10.0, solver="liblinear")

    def _features(self, situations: Sequence[Situation], fit: bool = False):
        text = [_resident_text(s) for s in situations]
        said = [clean(" ".join(s.agent_said)) or "-" for s in situations]
        facts = [s.facts() for s in situations]
        parts = [(self.chars, text), (self.words, text), (self.said, said), (self.facts, facts)]
        return hstack([v.fit_transform(x) if fit else v.transform(x) for v, x in parts]).tocsr()

    def fit(self, situations: Sequence[Situation], fits: Sequence[Sequence[str]]) -> "SituationModel":
        """`fits`: the reply functions that fit each situation, best first; the
        best counts fully, the other acceptable ones half."""
        rows = [(i, function, 1.0 if rank == 0 else 0.5)
                for i, functions in enumerate(fits) for rank, function in enumerate(functions)]
        features = self._features(situations, fit=True)[[i for i, _, _ in rows]]
        self.model.fit(features, [f for _, f, _ in rows], sample_weight=[w for _, _, w in rows])
        return self

    def rank(self, situation: Situation) -> list[tuple[str, float]]:
        scores = self.model.decision_function(self._features([situation]))[0]
        labels = list(self.model.classes_)
        return [(labels[i], float(scores[i])) for i in np.argsort(scores)[::-1]]
