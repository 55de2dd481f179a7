"""Treatment category and drug class of items: the category lexicon first, a learned model of
the item text where the lexicon has no answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from imr_ml.labels import PHARMACY
from imr_ml.segment.categories import shared_lexicon

CATEGORY_COLUMNS = ("category", "drug_class", "p_category")
_READABLE = re.compile(r"[^\W\d_]{2}")  # two letters in a row: a word to read


class CategoryClassifier(BaseEstimator):
    """Category and drug class of item texts (`imr_ml.labels.CATEGORIES`, `DRUG_CLASSES`).

    Where the category lexicon (`imr_ml.segment.categories`) matches an item text, its answer
    stands; elsewhere a logistic regression over the text's character n-grams decides. The
    drug class, for pharmacy items only, is found the same way among pharmacy items.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the two logistic regressions.
    ngram_range : tuple of int
        Character n-gram lengths (within word boundaries) of the item text.

    Attributes
    ----------
    category_model_, drug_model_ : Pipeline
        TF-IDF + one-vs-rest logistic regression over the item text (a constant where the
        training items hold one class only; `drug_model_` None without pharmacy items).
    lexicon_precision_ : dict
        For each category and drug class the lexicon gave on the training items, how often
        it was right, smoothed (right + 1) / (given + 2): the `p_category` of an answer of the
        lexicon's (0.5 for one it never gave in training).
    """

    def __init__(self, C: float = 4.0, ngram_range: tuple[int, int] = (2, 5)) -> None:
        self.C = C
        self.ngram_range = ngram_range

    def fit(self, texts: Sequence[str], categories: Sequence[str],
            drug_classes: Sequence[str | None]) -> CategoryClassifier:
        """Fit on item texts with their categories and (pharmacy items) drug classes."""
        texts = _texts(texts)
        categories = np.asarray(categories, dtype=object)
        drug_classes = np.asarray(drug_classes, dtype=object)
        if not len(texts):
            raise ValueError("CategoryClassifier needs at least one labelled item")
        pharmacy = (categories == PHARMACY) & pd.notna(drug_classes)
        self.category_model_ = self._text_model(categories).fit(texts, categories)
        self.drug_model_ = self._text_model(drug_classes[pharmacy]).fit(
            [t for t, p in zip(texts, pharmacy) if p], drug_classes[pharmacy]) \
            if pharmacy.any() else None
        lexicon = shared_lexicon()
        answers = [lexicon.classify(text) for text in texts]
        self.lexicon_precision_ = _precision(
            [(category, truth) for (category, _), truth in zip(answers, categories)]
            + [(drug, truth) for (_, drug), truth, p in zip(answers, drug_classes, pharmacy)
               if p])
        return self

    def predict_table(self, texts: Sequence[str]) -> pd.DataFrame:
        """Columns `category`, `drug_class` (None unless pharmacy) and `p_category`: the
        model's probability of the category it chose, or the lexicon's training precision
        for the category where the lexicon answered. A text without a word (blank, numbers,
        punctuation) gets none of them."""
        check_is_fitted(self, "category_model_")
        texts = _texts(texts)
        lexicon = shared_lexicon()
        answers = [lexicon.classify(text) for text in texts]
        readable = [i for i, text in enumerate(texts) if _READABLE.search(text)]
        chosen, p_chosen = _choose(self.category_model_, [texts[i] for i in readable],
                                   [answers[i][0] for i in readable], self.lexicon_precision_)
        category: list[str | None] = [None] * len(texts)  # nothing to read: no category
        p_category = [float("nan")] * len(texts)
        for i, value, p in zip(readable, chosen, p_chosen):
            category[i], p_category[i] = value, p
        drug: list[str | None] = [None] * len(texts)
        pharmacy = [i for i, c in enumerate(category) if c == PHARMACY]
        if pharmacy and self.drug_model_ is not None:
            chosen, _ = _choose(self.drug_model_, [texts[i] for i in pharmacy],
                                [answers[i][1] for i in pharmacy], self.lexicon_precision_)
            for i, value in zip(pharmacy, chosen):
                drug[i] = value
        return pd.DataFrame({"category": pd.Series(category, dtype=object),
                             "drug_class": pd.Series(drug, dtype=object),
                             "p_category": pd.Series(p_category, dtype=float)})

    def _text_model(self, y: np.ndarray) -> Pipeline:
        """TF-IDF of character n-grams and a logistic regression; a constant for one class."""
        # one-vs-rest liblinear: single-threaded and several times faster here than lbfgs
        classifier: Any = (OneVsRestClassifier(LogisticRegression(C=self.C, solver="liblinear"))
                           if len(set(y)) > 1 else DummyClassifier(strategy="most_frequent"))
        return Pipeline([("tfidf", TfidfVectorizer(analyzer="char_wb", lowercase=True,
                                                   ngram_range=tuple(self.ngram_range),
                                                   sublinear_tf=True)),
                         ("clf", classifier)])


def _texts(texts: Sequence[Any]) -> list[str]:
    return ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t)
            for t in texts]


def _precision(pairs: list[tuple[str | None, str]]) -> dict[str, float]:
    """(right + 1) / (given + 2) per answer the lexicon gave."""
    given: dict[str, list[int]] = {}
    for answer, truth in pairs:
        if answer is not None:
            given.setdefault(answer, []).append(answer == truth)
    return {answer: (sum(hits) + 1) / (len(hits) + 2) for answer, hits in given.items()}


def _choose(model: Pipeline, texts: list[str], answers: list[str | None],
            precision: dict[str, float]) -> tuple[list[str], list[float]]:
    """The lexicon's answer where it gave one, else the model's most probable class; with
    its probability (the lexicon's smoothed training precision for its answers). The model
    reads only the texts the lexicon left open."""
    chosen = list(answers)
    p = [precision.get(answer, 0.5) if answer is not None else 0.0 for answer in answers]
    open_ = [i for i, answer in enumerate(answers) if answer is None]
    if open_:
        proba = model.predict_proba([texts[i] for i in open_])
        best = proba.argmax(axis=1)
        for k, i in enumerate(open_):
            chosen[i] = str(model.classes_[best[k]])
            p[i] = float(proba[k, best[k]])
    return chosen, p
