"""Multi-instance check (issue 16): is an item's reason its strongest sentence's?

A sentence classifier (word 1-2-gram TF-IDF of negation-marked text, one logistic
regression per required reason) is fitted on the sentences of the synthetic upheld items;
an item's score for a reason is the largest over its sentences, thresholded at the best F1
on synthetic validation letters. Compared with the same TF-IDF + logistic regression over
the whole rationale. Scored on the synthetic validation letters and on the WORKING half of
the real letters only (experiments/PROTOCOL.md); prints figures, never text.

    .venv/bin/python experiments/sentence_max.py [finding|strict|all]

Which sentences of an upheld item carry its reasons in training (roles by
`imr_ml.segment.roles`): `finding` (default) finding and history sentences, `strict` finding
sentences only, `all` every sentence; the others are negatives for every reason.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

from imr_ml.model.text import prepare
from imr_ml.segment.roles import sentence_roles
from imr_ml.training.config import load_config
from imr_ml.training.data import load_items

REPO = Path(__file__).resolve().parents[1]
REASONS = ["no_functional_improvement", "exceeds_guideline_quantity", "no_indication"]
CARRIERS = {"finding": {"finding", "history"}, "strict": {"finding"},
            "all": {"finding", "history", "guideline", "conclusion"}}


def fitted(texts: list[str], y: np.ndarray) -> tuple[TfidfVectorizer, list[LogisticRegression]]:
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+")
    x = vec.fit_transform(texts)
    return vec, [LogisticRegression(C=4, class_weight="balanced", max_iter=2000).fit(x, y[:, k])
                 for k in range(y.shape[1])]


def proba(model: tuple[TfidfVectorizer, list[LogisticRegression]], texts: list[str]) -> np.ndarray:
    vec, clfs = model
    x = vec.transform(texts)
    return np.column_stack([c.predict_proba(x)[:, 1] for c in clfs])


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    grid = np.linspace(0.05, 0.95, 19)
    return float(grid[int(np.argmax([f1_score(y, scores >= t) for t in grid]))])


def main(mode: str = "finding") -> None:
    warnings.simplefilter("ignore")
    cfg = load_config(REPO / "configs" / "real.yaml", ["baselines=[]"])
    items, _ = load_items(cfg, weak_labels=False)
    up = items[items["decision"] == "upheld"].reset_index(drop=True)
    y = np.array([[r in rs for r in REASONS] for rs in up["reasons"]], dtype=int)
    rationales = up["rationale"].fillna("").tolist()
    synth = np.flatnonzero((up["corpus_kind"] == "synthetic").to_numpy())
    real = np.flatnonzero((up["corpus_kind"] == "real").to_numpy())
    fit, val = next(GroupShuffleSplit(1, test_size=0.2, random_state=0).split(
        synth, groups=up["letter_id"].to_numpy()[synth]))
    fit, val = synth[fit], synth[val]
    sentences = [[(t[s:e], role) for s, e, role in sentence_roles(t)] or [("", "finding")]
                 for t in rationales]

    def sentence_rows(idx: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        texts, labels, owner = [], [], []
        for k, i in enumerate(idx):
            for text, role in sentences[i]:
                texts.append(text)
                owner.append(k)
                labels.append(y[i] if role in CARRIERS[mode] else np.zeros(len(REASONS), int))
        return prepare(texts, negation=True), np.array(labels), np.array(owner)

    texts, labels, _ = sentence_rows(fit)
    by_sentence = fitted(texts, labels)
    marked = prepare(rationales, negation=True)
    whole = fitted([marked[i] for i in fit], y[fit])

    def sentence_max(idx: np.ndarray) -> np.ndarray:
        texts, _, owner = sentence_rows(idx)
        out = np.zeros((len(idx), len(REASONS)))
        np.maximum.at(out, owner, proba(by_sentence, texts))
        return out

    for name, scores in (("whole rationale", lambda idx: proba(whole, [marked[i] for i in idx])),
                         (f"sentence max ({mode})", sentence_max)):
        on_val, on_real = scores(val), scores(real)
        t = [best_threshold(on_val[:, k], y[val, k]) for k in range(len(REASONS))]
        pred_val, pred_real = on_val >= t, on_real >= t
        print(f"{name:24s} synthetic validation {f1_score(y[val], pred_val, average='micro'):.3f}"
              f"  working half {f1_score(y[real], pred_real, average='micro'):.3f}  ("
              + " / ".join(f"{f1_score(y[real][:, k], pred_real[:, k]):.3f}"
                           for k in range(len(REASONS))) + ")")


if __name__ == "__main__":
    main(*sys.argv[1:2])
