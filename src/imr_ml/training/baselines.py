"""Baselines the model must beat, with the model's `fit` / `predict_items` interface.

- `majority`: always the most frequent decision and the most frequent reason;
- `rules`: the rule labeller (`imr_ml.corpus.rules`) for reasons, and "upheld" wherever a
  denial rule fires in the masked reasoning;
- `spacy_textcat`: spaCy's bag-of-words `textcat` (decision, on the masked reasoning) and
  `textcat_multilabel` (reasons), trained on the same split.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from imr_ml.corpus.rules import shared_labeller
from imr_ml.labels import FALLBACK_REASON, OVERTURNED, UPHELD, learns_reasons
from imr_ml.model.text import mask_verdicts


def _frame(items: pd.DataFrame, decisions, p_overturned, reasons) -> pd.DataFrame:
    return pd.DataFrame({"decision_pred": list(decisions), "p_overturned": list(p_overturned),
                         "reasons_pred": list(reasons)}, index=items.index)


class MajorityBaseline(BaseEstimator):
    """The most frequent decision and the most frequent reason, for every item."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = reasons

    def fit(self, items: pd.DataFrame) -> MajorityBaseline:
        self.decision_ = items["decision"].mode().iloc[0]
        counts = Counter(r for rs in items[learns_reasons(items)]["reasons"] for r in rs)
        self.reason_ = counts.most_common(1)[0][0] if counts else next(iter(self.reasons))
        return self

    def predict_items(self, items: pd.DataFrame) -> pd.DataFrame:
        n = len(items)
        p = 1.0 if self.decision_ == OVERTURNED else 0.0
        return _frame(items, [self.decision_] * n, [p] * n, [[self.reason_]] * n)


class RulesBaseline(BaseEstimator):
    """The rule labeller: its reasons, and upheld wherever a denial rule fires in the masked
    reasoning. Nothing to fit."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = reasons

    def fit(self, items: pd.DataFrame) -> RulesBaseline:
        return self

    def predict_items(self, items: pd.DataFrame) -> pd.DataFrame:
        labeller = shared_labeller(tuple(self.reasons))
        rationales = items["rationale"].fillna("").tolist()
        upheld = labeller.predicts_upheld_many(mask_verdicts(t) for t in rationales)
        reasons = labeller.label_many(rationales, fallback=FALLBACK_REASON)
        return _frame(items, [UPHELD if u else OVERTURNED for u in upheld],
                      [0.0 if u else 1.0 for u in upheld], reasons)


def _nonempty(texts: list[str]) -> list[str]:
    """spaCy's bigram bag-of-words fails on a doc without tokens (a fully masked rationale)."""
    return [t if t.strip() else "EMPTY" for t in texts]


class TextcatBaseline(BaseEstimator):
    """spaCy bag-of-words text classifiers on a blank English pipeline."""

    ARCH: ClassVar[dict[str, object]] = {"@architectures": "spacy.TextCatBOW.v3", "ngram_size": 2, "no_output_layer": False}

    def __init__(self, reasons: Sequence[str], epochs: int = 4, seed: int = 0) -> None:
        self.reasons = reasons
        self.epochs = epochs
        self.seed = seed

    def _train(self, texts: list[str], cats: list[dict[str, float]], exclusive: bool):
        import spacy
        from spacy.training import Example
        from spacy.util import minibatch

        nlp = spacy.blank("en")
        name = "textcat" if exclusive else "textcat_multilabel"
        textcat = nlp.add_pipe(name, config={"model": {**self.ARCH,
                                                       "exclusive_classes": exclusive}})
        for label in cats[0]:
            textcat.add_label(label)
        examples = [Example.from_dict(doc, {"cats": c})
                    for doc, c in zip(nlp.tokenizer.pipe(texts), cats)]
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=64):
                nlp.update(batch, sgd=optimizer)
        return nlp

    def fit(self, items: pd.DataFrame) -> TextcatBaseline:
        masked = _nonempty([mask_verdicts(t) for t in items["rationale"].fillna("")])
        overturned = (items["decision"] == OVERTURNED).tolist()
        self.decision_nlp_ = self._train(
            masked, [{OVERTURNED: float(o), UPHELD: float(not o)} for o in overturned], True)
        upheld = items[learns_reasons(items)]
        self.reason_nlp_ = self._train(
            _nonempty(upheld["rationale"].fillna("").tolist()),
            [{r: float(r in rs) for r in self.reasons} for rs in upheld["reasons"]], False)
        return self

    def predict_items(self, items: pd.DataFrame) -> pd.DataFrame:
        rationales = _nonempty(items["rationale"].fillna("").tolist())
        masked = _nonempty([mask_verdicts(t) for t in rationales])
        p = np.array([d.cats[OVERTURNED] for d in self.decision_nlp_.pipe(masked)])
        reasons = [[r for r in self.reasons if d.cats[r] >= 0.5]
                   for d in self.reason_nlp_.pipe(rationales)]
        return _frame(items, np.where(p >= 0.5, OVERTURNED, UPHELD), p, reasons)


BASELINES = {"majority": MajorityBaseline, "rules": RulesBaseline,
             "spacy_textcat": TextcatBaseline}
