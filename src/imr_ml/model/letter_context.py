"""Letter context for the decision: a surgery's associated services are decided with it.

A letter that rules on a surgery often rules on its associated services too (clearance,
labs, post-operative therapy, braces), and their reasoning is mostly the surgery's outcome:
when the surgery is not medically necessary, neither are they (design §1). The verdict mask
hides that outcome, so an associated service's own masked reasoning says little.
`LetterContext` brings it back from the surgery's *predicted* decision, never its stated
one: a logistic regression over a service's own and its surgery's P(overturned), fitted on
held-out predictions, can lower the service's P(overturned), never raise it. Only that
direction is a rule: a service of a surgery that is not medically necessary is not either,
but a necessary surgery does not make each of its services necessary (in the real letters,
7 of the 13 services of overturned surgeries are overturned; in the synthetic ones nearly
all), so there the service's own reasoning decides.

Which items read as surgeries or as associated services is data: `letter_context.json`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

PATTERNS = json.loads(Path(__file__).with_name("letter_context.json").read_text())
SURGERY = re.compile("|".join(PATTERNS["surgery"]), re.IGNORECASE)
ASSOCIATED = re.compile("|".join(PATTERNS["associated"]), re.IGNORECASE)
MIN_ITEMS = 20  # fewer associated services with a surgery than this: no re-scoring
_EPS = 1e-4


def surgery_positions(items: pd.DataFrame) -> np.ndarray:
    """Per row, the row position of the surgery the item is an associated service of: the
    nearest earlier item of its letter that reads as a surgery; -1 for every other item
    (and for items without a `letter_id` and `item_index`, e.g. rows of a rationale table)."""
    out = np.full(len(items), -1)
    if not {"letter_id", "item_index"} <= set(items.columns):
        return out
    known = (items["letter_id"].notna() & items["item_index"].notna()).to_numpy()
    letters = items["letter_id"].astype(str).to_numpy()
    texts = items["item_text"].fillna("").astype(str).to_numpy()
    letter, surgery = None, -1
    positions = pd.to_numeric(items["item_index"]).fillna(-1).to_numpy(dtype=float)
    order = np.lexsort((positions, letters))
    for pos in order[known[order]]:
        if letters[pos] != letter:
            letter, surgery = letters[pos], -1
        if ASSOCIATED.search(texts[pos]):
            out[pos] = surgery
        elif SURGERY.search(texts[pos]):
            surgery = pos
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _features(own: np.ndarray, surgery: np.ndarray) -> np.ndarray:
    """The re-scoring's inputs: the logits of a service's own and its surgery's P."""
    return np.column_stack([_logit(own), _logit(surgery)])


class LetterContext:
    """Lowers the P(overturned) of associated services whose surgery reads as upheld, to
    what their own and their surgery's P(overturned) predict; other items keep theirs.
    Unfitted (too few associated services, or one class only) it changes nothing."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C
        self.model_: LogisticRegression | None = None

    def fit(self, items: pd.DataFrame, p: np.ndarray, y: np.ndarray,
            sample_weight: np.ndarray | None = None) -> LetterContext:
        """Fit on held-out predictions `p` for `items` (whole letters) and their truth `y`."""
        surgery = surgery_positions(items)
        rows = surgery >= 0
        self.model_ = None
        if rows.sum() >= MIN_ITEMS and len(np.unique(y[rows])) == 2:
            weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
            self.model_ = LogisticRegression(C=self.C).fit(
                _features(p[rows], p[surgery[rows]]), y[rows], sample_weight=weight)
        return self

    def describe(self) -> dict[str, float] | None:
        """The fitted re-scoring's weights (None: unfitted), for the model's metadata."""
        if self.model_ is None:
            return None
        own, surgery = self.model_.coef_[0]
        return {"own_logit": float(own), "surgery_logit": float(surgery),
                "intercept": float(self.model_.intercept_[0])}

    def rescore(self, own: np.ndarray, surgery: np.ndarray) -> np.ndarray:
        """The P(overturned) of associated services whose own P(overturned) is `own` and
        whose surgery's is `surgery`: lowered to what the fitted model gives, never raised
        (unfitted: `own`)."""
        own = np.asarray(own, dtype=float)
        if self.model_ is None:
            return own
        features = _features(own, np.asarray(surgery, dtype=float))
        return np.minimum(own, self.model_.predict_proba(features)[:, 1])

    def apply(self, items: pd.DataFrame, p: np.ndarray) -> np.ndarray:
        """`p` with the associated services' probabilities re-scored, never raised."""
        p = np.asarray(p, dtype=float)
        if self.model_ is None:
            return p
        surgery = surgery_positions(items)
        rows = surgery >= 0
        if not rows.any():
            return p
        out = p.copy()
        out[rows] = self.rescore(p[rows], p[surgery[rows]])
        return out
