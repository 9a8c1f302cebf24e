"""One text classifier for every trained decision: TF-IDF over character
n-grams (robust to typos, cuts and missing spaces) and jieba words (with the
trade dictionary), then logistic regression. The settings were chosen by k-fold
cross-validation on the training data (bench/understanding.py). Text is normalised first
(Traditional → Simplified, full-width → half-width, lower case)."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Sequence

import jieba
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot import knowledge
from bot.text import normalize

jieba.setLogLevel(logging.WARNING)

Ranking = list[tuple[str, float]]


@lru_cache(maxsize=1)
def _dictionaries_loaded() -> bool:
    """Load the trade's jieba user dictionaries, once per process."""
    for path in sorted(knowledge.dictionary_dir().glob("*")):
        jieba.load_userdict(str(path))
    return True


_DIGITS = re.compile(r"\d")


def clean(text: str) -> str:
    """Normalised, lower case, every digit "0": a room, phone or ticket number
    tells its kind by its shape and length, not by its digits."""
    return _DIGITS.sub("0", normalize(text).lower())


def words(text: str) -> list[str]:
    """jieba words of normalised text, blanks dropped."""
    _dictionaries_loaded()
    return [w for w in jieba.lcut(text) if w.strip()]


class TextClassifier:
    """fit(texts, labels), then rank(text) → [(label, probability)], best first."""

    def __init__(self, c: float = 10.0, char_ngrams: tuple[int, int] = (1, 2),
                 one_vs_rest: bool = False) -> None:
        """`one_vs_rest` fits one binary model per label (liblinear): far quicker
        than a multinomial fit when there are hundreds of labels."""
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer=words, sublinear_tf=True)
        self.model = (LogisticRegression(C=c, solver="liblinear") if one_vs_rest else
                      LogisticRegression(C=c, max_iter=2000, class_weight="balanced"))

    def _features(self, texts: Sequence[str], fit: bool = False):
        cleaned = [clean(t) for t in texts]
        parts = [v.fit_transform(cleaned) if fit else v.transform(cleaned) for v in (self.chars, self.words)]
        return hstack(parts).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifier":
        self.model.fit(self._features(texts, fit=True), list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        return list(self.model.classes_)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (`labels` order)."""
        return self.model.predict_proba(self._features(texts))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """The models' raw decision values, one column per label (`labels` order)."""
        return self.model.decision_function(self._features(texts))

    def _ranking(self, row: np.ndarray, top: int) -> Ranking:
        labels = self.labels
        return [(labels[i], float(row[i])) for i in np.argsort(row)[::-1][:top]]

    def rank_many(self, texts: Sequence[str], top: int = 10) -> list[Ranking]:
        return [self._ranking(row, top) for row in self.probabilities(texts)]

    def rank(self, text: str, top: int = 10) -> Ranking:
        return self.rank_many([text], top)[0]

    def rank_and_scores(self, text: str, top: int = 10) -> tuple[Ranking, np.ndarray]:
        """rank(text) and scores([text]), the text read once."""
        features = self._features([text])
        return (self._ranking(self.model.predict_proba(features)[0], top),
                self.model.decision_function(features))
