"""The trained part of the wording check: is an agent's draft forbidden wording
(推诿, 搪塞, 顶撞, 敷衍, blaming the resident, leaking privacy), and of which
kind? A TextClassifier over labelled drafts; the alarm threshold is the
lowest that keeps false alarms on polite drafts at or below a target in
cross-validation on the training data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bot.understanding.classifier import TextClassifier
from sklearn.model_selection import StratifiedKFold

from bot.understanding.models import FOLDS, SEED, lowest_threshold

POLITE = "polite"
_SENTENCE = re.compile(r"(?:[。!！？?；;\n]|\.(?!\d))+")  # not the point in 2.80
_CLAUSE = re.compile(r"(?:[，,。!！？?；;\n]|\.(?!\d))+")


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # a forbidden kind, or None for a compliant sentence
    probability: float  # that the sentence is forbidden wording
    start: int  # the words that read most like it
    end: int


def pieces(text: str, cuts: re.Pattern, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each piece of `text` between `cuts`, blanks trimmed."""
    spans, cursor = [], 0
    for cut in list(cuts.finditer(text)) + [None]:
        end = cut.start() if cut else len(text)
        piece = text[cursor:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((offset + cursor + lead, offset + cursor + len(piece.rstrip())))
        cursor = cut.end() if cut else end
    return spans


@dataclass
class WordingModel:
    """One classifier over the kinds and "polite"; a draft is forbidden wording
    when the kinds together are likely enough (one minus the polite probability)."""
    classifier: TextClassifier
    alarm_at: float  # a draft is forbidden wording from this probability on
    listed_at: float  # a listed phrase counts from this probability on (不知道 in "我不知道，马上帮您查" does not)

    @classmethod
    def train(cls, drafts: Sequence[str], labels: Sequence[str], max_false_alarms: float,
              listed: Sequence[str] = ()) -> "WordingModel":
        """Both thresholds are the lowest that keep polite drafts flagged at or
        below `max_false_alarms` in cross-validation, a draft scoring as its most
        forbidden-like sentence: all polite drafts for `alarm_at`, those holding a
        `listed` phrase for `listed_at`."""
        score = np.zeros(len(drafts))
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(drafts, labels):
            fold = cls(TextClassifier().fit([drafts[i] for i in train], [labels[i] for i in train]), 1.0, 1.0)
            for i in test:
                score[i] = max(v.probability for v in fold.sentences(drafts[i]))
        polite = np.array([label == POLITE for label in labels])
        holding = polite & np.array([any(phrase in draft for phrase in listed) for draft in drafts])

        def bar(among: np.ndarray) -> float:
            return lowest_threshold(lambda t: (score[among] >= t).mean() <= max_false_alarms) if among.any() else 0.0
        return cls(TextClassifier().fit(drafts, labels), bar(polite), bar(holding))

    def _forbidden(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        probs = self.classifier.probabilities(texts)
        return 1 - probs[:, self.classifier.labels.index(POLITE)], probs

    def sentences(self, draft: str) -> list[Verdict]:
        """A verdict for each sentence of the draft: a forbidden sentence is not
        excused by a polite one beside it. Within a sentence the span runs over
        the clauses that read as forbidden on their own (else the most like it)."""
        verdicts = []
        for start, end in pieces(draft, _SENTENCE) or [(0, len(draft))]:
            clauses = pieces(draft[start:end], _CLAUSE, start)
            forbidden, probs = self._forbidden([draft[start:end]] + [draft[s:e] for s, e in clauses])
            flagged = [i for i in range(len(clauses)) if forbidden[1 + i] >= self.alarm_at]
            flagged = flagged or [int(np.argmax(forbidden[1:]))]
            labels = self.classifier.labels
            kind = labels[max((i for i, label in enumerate(labels) if label != POLITE), key=lambda i: probs[0, i])]
            verdicts.append(Verdict(kind if forbidden[0] >= self.alarm_at else None, float(forbidden[0]),
                                    clauses[min(flagged)][0], clauses[max(flagged)][1]))
        return verdicts
