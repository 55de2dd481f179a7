"""Score predictions against an items table's labels: one flat dict of metrics per model."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from imr_ml.config import Config
from imr_ml.metrics import (
    LEVEL,
    RESAMPLES,
    decision_counts,
    decision_macro_f1,
    decision_metrics,
    format_table,
    letter_interval,
    micro_f1,
    reason_counts,
    reason_metrics,
)

# The columns of the comparison table printed at the end of training and by `evaluate`.
TABLE_COLUMNS = (
    "decision_macro_f1", "decision_overturned_recall", "decision_overturned_pr_auc",
    "reasons_required_micro_f1", "reasons_micro_f1", "reasons_macro_f1",
)
# Letter-bootstrap intervals of the two headline figures, printed below the table.
INTERVAL_COLUMNS = tuple(f"{name}_ci_{end}" for name in (
    "decision_macro_f1", "reasons_required_micro_f1") for end in ("low", "high"))


def reason_rows(items: pd.DataFrame) -> pd.Series:
    """Items whose reasons can be scored: upheld, with gold reasons (never weak ones)."""
    return (items["decision"] == "upheld") & (items["reasons_source"] == "gold")


def score(items: pd.DataFrame, preds: pd.DataFrame, reasons: Sequence[str],
          intervals: bool = True) -> dict[str, float]:
    """Decision metrics over all items, reason metrics over the upheld, labelled ones, and
    (with `intervals`, where the items name their letters) letter-bootstrap intervals."""
    p_overturned = preds.get("p_overturned")
    out = {f"decision_{k}": v for k, v in decision_metrics(
        items["decision"].tolist(), preds["decision_pred"].tolist(), p_overturned).items()}
    rows = reason_rows(items).to_numpy()
    if rows.any():
        out |= {f"reasons_{k}": v for k, v in reason_metrics(
            items.loc[rows, "reasons"].tolist(), preds.loc[rows, "reasons_pred"].tolist(),
            reasons).items()}
    if intervals and "letter_id" in items:
        out |= _intervals(items, preds, rows)
    return out


def _intervals(items: pd.DataFrame, preds: pd.DataFrame, rows: np.ndarray) -> dict[str, float]:
    """Letter-bootstrap intervals (`metrics.letter_interval`) of the decision macro-F1 and,
    where there are scored reasons, the required reasons' micro-F1."""
    letters = items["letter_id"].astype(str).to_numpy()
    out = dict(zip(INTERVAL_COLUMNS[:2], letter_interval(
        letters, decision_counts(items["decision"], preds["decision_pred"]), decision_macro_f1)))
    if rows.any():
        counts = reason_counts(items.loc[rows, "reasons"], preds.loc[rows, "reasons_pred"])
        out |= dict(zip(INTERVAL_COLUMNS[2:], letter_interval(letters[rows], counts, micro_f1)))
    return out


def mean_metrics(folds: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Average of per-fold metrics (keys present in every fold)."""
    keys = set.intersection(*(set(f) for f in folds))
    return {k: sum(f[k] for f in folds) / len(folds) for k in sorted(keys)}


def comparison_table(results: Mapping[str, Mapping[str, float]]) -> str:
    """The metrics table, and below it the intervals of the rows that have them."""
    table = format_table(results, TABLE_COLUMNS)
    with_intervals = {name: m for name, m in results.items() if INTERVAL_COLUMNS[0] in m}
    if not with_intervals:
        return table
    return (f"{table}\n\n{LEVEL:.0%} intervals ({RESAMPLES} resamples of the letters):\n"
            f"{format_table(with_intervals, INTERVAL_COLUMNS)}")


def per_reason_table(metrics: Mapping[str, float], reasons: Sequence[str]) -> str:
    """Precision, recall, F1 and support of each reason label, one row per label."""
    rows = {label: {k: metrics[f"reasons_{label}_{k}"]
                    for k in ("precision", "recall", "f1", "support")
                    if f"reasons_{label}_{k}" in metrics} for label in reasons}
    return format_table(rows, ("precision", "recall", "f1", "support"), first="reason")


def evaluate_corpus(
    data: Sequence[Path], cfg: Config, *, model_ref: str | None = None,
    baseline: str | None = None, split: str = "all", out: Path | None = None,
) -> dict[str, dict[str, float]]:
    """Score a model (or a baseline) on labelled corpora; print the table, write JSON."""
    from imr_ml.baselines import BASELINES
    from imr_ml.corpus import META_FILE, CorpusError
    from imr_ml.registry import load_classifier
    from imr_ml.train import holdout_split, load_corpora

    items, meta = load_corpora(cfg, list(data))
    train_side = items
    if split == "style-holdout":
        if meta is None:  # holdout_split would fall back to random letters
            raise CorpusError([(f"--split style-holdout needs a synthetic corpus (with "
                               f"{META_FILE}); {', '.join(map(str, data))} has none")])
        parts = holdout_split(cfg, items, meta)
        train_side, items = items.iloc[parts.train], items.iloc[parts.test]
    reasons = list(cfg.labels.reasons)
    if baseline is not None:
        name = f"baseline:{baseline}"
        predictor = BASELINES[baseline](reasons).fit(train_side)
    else:
        predictor = load_classifier(model_ref)
        name = f"model:{predictor.metadata.get('name', 'model')}"
        reasons = predictor.reasons
    results = {name: score(items, predictor.predict_items(items), reasons)}
    print(comparison_table(results))
    print(f"\nper reason ({name}, {int(results[name].get('reasons_n', 0))} upheld items "
          "with gold reasons):")
    print(per_reason_table(results[name], reasons))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"data": [str(p) for p in data], "split": split,
                                   "results": results}, indent=2) + "\n")
    return results
