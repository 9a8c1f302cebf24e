"""The trained decisions about a message, each a TextClassifier plus the rule
that turns its probabilities into what the assistant does:

- FaqModel: which knowledge-base entry a question asks about, and whether the
  assistant is sure enough to answer (else it passes the question on).
- EmotionModel: the probability that a message is high-emotion, calibrated;
  the lexicon's cue words stay as the explanation agents see.
- UrgencyModel: the response level (1, 2) from hazard concepts and the model,
  or a safety question when the message might be dangerous.

Thresholds come from out-of-fold predictions on the training data (never from a
test set), see `calibrate_*` below."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot import emotion, hazards
from bot.emotion import Emotion
from bot.understanding.classifier import Ranking, TextClassifier

FOLDS = 3
SEED = 42


def out_of_fold(texts: Sequence[str], labels: Sequence[str], folds: int = FOLDS, raw_scores: bool = False,
                **options) -> tuple[list[str], np.ndarray]:
    """(label order, probabilities, or the raw decision values with `raw_scores`)
    for every example from a model that did not see it: k-fold cross-validation
    on the training data."""
    texts, labels = list(texts), list(labels)
    order = sorted(set(labels))
    values = np.full((len(texts), len(order)), -np.inf if raw_scores else 0.0)
    smallest = min(labels.count(label) for label in order)
    splitter = StratifiedKFold(n_splits=max(2, min(folds, smallest)), shuffle=True, random_state=SEED)
    for train, test in splitter.split(texts, labels):
        model = TextClassifier(**options).fit([texts[i] for i in train], [labels[i] for i in train])
        columns = [order.index(label) for label in model.labels]
        held_out = [texts[i] for i in test]
        values[np.ix_(test, columns)] = model.scores(held_out) if raw_scores else model.probabilities(held_out)
    return order, values


def lowest_threshold(acceptable) -> float:
    """The lowest threshold (0.05 .. 0.99, step 0.01) that `acceptable(threshold)`
    accepts, else 1.0."""
    for threshold in np.arange(0.05, 1.0, 0.01):
        if acceptable(threshold):
            return round(float(threshold), 2)
    return 1.0


# ---- FAQ entries -------------------------------------------------------------

@dataclass(frozen=True)
class FaqGuess:
    entry_id: str
    confidence: float
    answerable: bool
    ranking: Ranking

    def as_dict(self) -> dict:
        return {"id": self.entry_id, "confidence": round(self.confidence, 4), "answerable": self.answerable,
                "ranking": [{"id": i, "confidence": round(c, 4)} for i, c in self.ranking]}


def calibrate_pass_on(confidence: np.ndarray, right: np.ndarray, max_wrong: float) -> float:
    """The lowest confidence at which answering keeps wrong answers at or below
    `max_wrong` of all questions (on out-of-fold predictions)."""
    return lowest_threshold(lambda t: (~right & (confidence >= t)).sum() / len(right) <= max_wrong)


def _margins(scores: np.ndarray) -> np.ndarray:
    """How far the best entry's score is ahead of the runner-up's."""
    ordered = np.sort(scores, axis=1)
    return (ordered[:, -1] - ordered[:, -2]).reshape(-1, 1)


@dataclass
class FaqModel:
    """`confidence` is the calibrated probability that the best entry is the
    right one, from the margin between the best two entries' scores: in
    cross-validation the margin separates right from wrong answers better than
    the best entry's own probability."""
    classifier: TextClassifier
    calibration: LogisticRegression  # margin → probability that the best entry is right
    pass_on_below: float

    # Hundreds of entries, a dozen or more variants each: single characters and words
    # generalise better than longer n-grams here, and one-vs-rest trains in seconds.
    OPTIONS = {"char_ngrams": (1, 1), "one_vs_rest": True}

    @classmethod
    def train(cls, questions: Sequence[str], entry_ids: Sequence[str], max_wrong: float) -> "FaqModel":
        order, scores = out_of_fold(questions, entry_ids, raw_scores=True, **cls.OPTIONS)
        margins = _margins(scores)
        right = np.array(order)[scores.argmax(axis=1)] == np.array(entry_ids)
        calibration = LogisticRegression().fit(margins, right)
        threshold = calibrate_pass_on(calibration.predict_proba(margins)[:, 1], right, max_wrong)
        return cls(TextClassifier(**cls.OPTIONS).fit(questions, entry_ids), calibration, threshold)

    def guess(self, text: str) -> FaqGuess:
        ranking, scores = self.classifier.rank_and_scores(text, top=3)
        confidence = float(self.calibration.predict_proba(_margins(scores))[0, 1])
        return FaqGuess(ranking[0][0], confidence, confidence >= self.pass_on_below, ranking)


# ---- emotion ------------------------------------------------------------------

HIGH = "high"


def balanced_threshold(probability: np.ndarray, positive: np.ndarray) -> float:
    """The threshold at which precision and recall are most alike (the one
    that maximises the smaller of the two)."""
    def worse(threshold: float) -> float:
        chosen = probability >= threshold
        hits = (chosen & positive).sum()
        return min(hits / max(1, chosen.sum()), hits / max(1, positive.sum()))
    return round(float(max(np.arange(0.2, 0.81, 0.01), key=worse)), 2)


@dataclass
class EmotionModel:
    classifier: TextClassifier
    calibration: LogisticRegression  # Platt scaling of the classifier's probability
    threshold: float  # at or above it a message is high-emotion

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> "EmotionModel":
        order, probs = out_of_fold(texts, labels)
        raw = _logit(probs[:, order.index(HIGH)])
        positive = np.array([label == HIGH for label in labels])
        calibration = LogisticRegression().fit(raw, positive)
        threshold = balanced_threshold(calibration.predict_proba(raw)[:, 1], positive)
        return cls(TextClassifier().fit(texts, labels), calibration, threshold)

    def probability(self, texts: Sequence[str]) -> np.ndarray:
        raw = self.classifier.probabilities(texts)[:, self.classifier.labels.index(HIGH)]
        return self.calibration.predict_proba(_logit(raw))[:, 1]

    def assess(self, text: str) -> Emotion:
        """The model's calibrated score and level, with the lexicon's cues as the why."""
        cues = emotion.assess(text)
        score = round(float(self.probability([text])[0]), 3)
        return Emotion("high" if score >= self.threshold else "normal", score, cues.cues, cues.emotions)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).reshape(-1, 1)


# ---- response level -------------------------------------------------------------

ORDINARY = "none"


@dataclass(frozen=True)
class Urgency:
    level: int | None  # 1 or 2 for an emergency, else None
    reason: str | None
    ask: str | None = None  # a safety question when the message might be dangerous
    if_yes: int | None = None  # the level to act on when the answer is yes (or none comes)
    probability: float = 0.0  # the model's probability that the message is an emergency

    def as_dict(self) -> dict:
        return {"level": self.level, "reason": self.reason, "ask": self.ask, "if_yes": self.if_yes,
                "probability": round(self.probability, 3)}


def calibrate_urgency(order: list[str], probs: np.ndarray, labels: Sequence[str],
                      max_raised: float, max_asked: float) -> tuple[float, float]:
    """(raise_at, ask_at): the lowest emergency probabilities at which at most
    `max_raised` of ordinary messages are raised, and at most `max_asked` are
    raised or asked a safety question (out-of-fold predictions)."""
    urgent = probs[:, order.index("1")] + probs[:, order.index("2")]
    ordinary = urgent[np.array([label == ORDINARY for label in labels])]

    raise_at = lowest_threshold(lambda t: (ordinary >= t).mean() <= max_raised)
    return raise_at, min(raise_at, lowest_threshold(lambda t: (ordinary >= t).mean() <= max_asked))


@dataclass
class UrgencyModel:
    classifier: TextClassifier
    raise_at: float
    ask_at: float

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], max_raised: float,
              max_asked: float) -> "UrgencyModel":
        order, probs = out_of_fold(texts, labels)
        raise_at, ask_at = calibrate_urgency(order, probs, labels, max_raised, max_asked)
        return cls(TextClassifier().fit(texts, labels), raise_at, ask_at)

    def assess(self, text: str, model_decides: bool = True) -> Urgency:
        """Concepts and model together; the more urgent wins. Without
        `model_decides` (a short conversational turn: 算了不报了, 好的) only a
        hazard concept raises the level, and no safety question is asked."""
        probs = dict(self.classifier.rank(text))
        p1, p2 = probs.get("1", 0.0), probs.get("2", 0.0)
        likely = 1 if p1 >= p2 else 2
        concept = hazards.match(text)
        levels = []
        if concept:
            levels.append((concept.hazard.level, concept.reason))
        if model_decides and p1 + p2 >= self.raise_at:
            levels.append((likely, f"模型判断（{p1 + p2:.2f}）"))
        if levels:
            level, reason = min(levels, key=lambda found: found[0])  # the concept's words first
            return Urgency(level, reason, probability=p1 + p2)
        if model_decides and p1 + p2 >= self.ask_at:
            return Urgency(None, None, hazards.question_for(text), likely, p1 + p2)
        return Urgency(None, None, probability=p1 + p2)
