"""Metrics for the two targets: scores of predictions against an items table's labels, with
letter-bootstrap intervals, and the table that compares models on them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import MultiLabelBinarizer

from imr_ml.labels import CATEGORIES, OVERTURNED, PHARMACY, REQUIRED_REASONS, scores_reasons

RESAMPLES = 2000  # letter resamples behind each interval
LEVEL = 0.95


def decision_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], p_overturned: Sequence[float] | None = None
) -> dict[str, float]:
    """Accuracy, macro-F1 and the overturned class's precision/recall (+ PR-AUC, Brier)."""
    true = np.asarray(y_true) == OVERTURNED
    pred = np.asarray(y_pred) == OVERTURNED
    p, r, f, _ = precision_recall_fscore_support(true, pred, labels=[True], zero_division=0)
    out = {
        "accuracy": float(accuracy_score(true, pred)),
        "macro_f1": float(f1_score(true, pred, average="macro", labels=[False, True],
                                   zero_division=0)),
        "overturned_precision": float(p[0]),
        "overturned_recall": float(r[0]),
        "overturned_f1": float(f[0]),
        "n": float(len(true)),
    }
    if p_overturned is not None and 0 < true.sum() < len(true):
        scores = np.asarray(p_overturned, dtype=float)
        out["overturned_pr_auc"] = float(average_precision_score(true, scores))
        out["brier"] = float(brier_score_loss(true, scores))
    return out


def reason_metrics(
    y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], labels: Sequence[str]
) -> dict[str, float]:
    """Per-label precision/recall/F1, micro/macro-F1 over all labels and over the required three."""
    binarizer = MultiLabelBinarizer(classes=list(labels))
    true = binarizer.fit_transform(y_true)
    pred = binarizer.transform(y_pred)
    p, r, f, support = precision_recall_fscore_support(true, pred, zero_division=0)
    out: dict[str, float] = {"n": float(len(true))}
    for i, label in enumerate(labels):
        out |= {f"{label}_precision": float(p[i]), f"{label}_recall": float(r[i]),
                f"{label}_f1": float(f[i]), f"{label}_support": float(support[i])}
    out["micro_f1"] = float(f1_score(true, pred, average="micro", zero_division=0))
    out["macro_f1"] = float(f1_score(true, pred, average="macro", zero_division=0))
    required = [i for i, label in enumerate(labels) if label in REQUIRED_REASONS]
    out["required_micro_f1"] = float(
        f1_score(true[:, required], pred[:, required], average="micro", zero_division=0)
    )
    return out


def category_metrics(categories: Sequence[str], predicted: Sequence[str],
                     drug_classes: Sequence[str | None],
                     predicted_drugs: Sequence[str | None]) -> dict[str, float]:
    """Category accuracy, macro-F1 and per-category recall (with support); drug class
    accuracy over the items whose true category is pharmacy."""
    true, pred = np.asarray(categories, dtype=object), np.asarray(predicted, dtype=object)
    out = {"accuracy": float(accuracy_score(true, pred)),
           "macro_f1": float(f1_score(true, pred, average="macro", zero_division=0)),
           "n": float(len(true))}
    for category in CATEGORIES:
        here = true == category
        if here.any():
            out[f"{category}_recall"] = float((pred[here] == category).mean())
            out[f"{category}_support"] = float(here.sum())
    pharmacy = true == PHARMACY
    if pharmacy.any():
        drugs = np.asarray(drug_classes, dtype=object)[pharmacy]
        out["drug_class_accuracy"] = float(
            (drugs == np.asarray(predicted_drugs, dtype=object)[pharmacy]).mean())
        out["drug_class_n"] = float(pharmacy.sum())
    return out


def f1_from_counts(tp: np.ndarray, true: np.ndarray | int,
                   predicted: np.ndarray | int) -> np.ndarray:
    """F1 from counts, as scikit-learn computes it (2·tp / (true + predicted); 0 for 0/0)."""
    denominator = np.asarray(true + predicted, dtype=float)
    return np.divide(2.0 * np.asarray(tp), denominator, out=np.zeros(denominator.shape),
                     where=denominator > 0)


def decision_counts(y_true: Sequence[str], y_pred: Sequence[str]) -> np.ndarray:
    """Per item, one-hot (tp, fp, fn, tn) of the overturned class: what macro-F1 adds up."""
    true = np.asarray(y_true) == OVERTURNED
    pred = np.asarray(y_pred) == OVERTURNED
    return np.column_stack([true & pred, ~true & pred, true & ~pred, ~true & ~pred]).astype(float)


def decision_macro_f1(totals: np.ndarray) -> np.ndarray:
    """Macro-F1 of (tp, fp, fn, tn) totals, one per row."""
    tp, fp, fn, tn = totals.T
    return (f1_from_counts(tp, tp + fn, tp + fp) + f1_from_counts(tn, tn + fp, tn + fn)) / 2


def reason_counts(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]],
                  labels: Sequence[str] = REQUIRED_REASONS) -> np.ndarray:
    """Per item, (tp, fp, fn) over `labels`: what their micro-F1 adds up."""
    wanted = set(labels)
    rows = []
    for true, pred in zip(y_true, y_pred, strict=True):
        true, pred = set(true) & wanted, set(pred) & wanted
        rows.append((len(true & pred), len(pred - true), len(true - pred)))
    return np.asarray(rows, dtype=float).reshape(-1, 3)


def micro_f1(totals: np.ndarray) -> np.ndarray:
    """Micro-F1 of (tp, fp, fn) totals, one per row."""
    tp, fp, fn = totals.T
    return f1_from_counts(tp, tp + fn, tp + fp)


def letter_interval(letters: Sequence[str], counts: np.ndarray,
                    statistic: Callable[[np.ndarray], np.ndarray], resamples: int = RESAMPLES,
                    level: float = LEVEL, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic of summed per-item `counts`, resampling
    whole letters (with replacement, as many as there are): a letter's items share a
    reviewer and a case, so resampling items would understate the spread."""
    codes, uniques = pd.factorize(np.asarray(letters, dtype=object))
    per_letter = np.zeros((len(uniques), counts.shape[1]))
    np.add.at(per_letter, codes, counts)
    draws = np.random.default_rng(seed).multinomial(
        len(uniques), np.full(len(uniques), 1 / len(uniques)), size=resamples)
    low, high = np.quantile(statistic(draws @ per_letter), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def format_table(results: Mapping[str, Mapping[str, float]], columns: Sequence[str],
                 first: str = "model") -> str:
    """A plain-text table: one row per model, one column per metric (blank where absent)."""
    name_width = max([len(first), *map(len, results)])
    widths = [max(len(c), 6) for c in columns]
    lines = ["  ".join([first.ljust(name_width), *(c.rjust(w) for c, w in zip(columns, widths))])]
    for name, metrics in results.items():
        cells = [f"{metrics[c]:.3f}" if c in metrics else "" for c in columns]
        lines.append("  ".join([name.ljust(name_width),
                                *(cell.rjust(w) for cell, w in zip(cells, widths))]))
    return "\n".join(lines)


# The columns of the comparison table printed at the end of training and by `evaluate`.
TABLE_COLUMNS = (
    "decision_macro_f1", "decision_overturned_recall", "decision_overturned_pr_auc",
    "reasons_required_micro_f1", "reasons_micro_f1", "reasons_macro_f1",
    "category_accuracy", "category_drug_class_accuracy",
)
# Letter-bootstrap intervals of the two headline figures, printed below the table.
INTERVAL_COLUMNS = tuple(f"{name}_ci_{end}" for name in (
    "decision_macro_f1", "reasons_required_micro_f1") for end in ("low", "high"))


def score(items: pd.DataFrame, preds: pd.DataFrame, reasons: Sequence[str],
          intervals: bool = True) -> dict[str, float]:
    """Decision metrics over all items, reason metrics over the upheld, labelled ones,
    category metrics over the items with a category label, and (with `intervals`, where the items name their letters) letter-bootstrap intervals."""
    p_overturned = preds.get("p_overturned")
    out = {f"decision_{k}": v for k, v in decision_metrics(
        items["decision"].tolist(), preds["decision_pred"].tolist(), p_overturned).items()}
    rows = scores_reasons(items).to_numpy()
    if rows.any():
        out |= {f"reasons_{k}": v for k, v in reason_metrics(
            items.loc[rows, "reasons"].tolist(), preds.loc[rows, "reasons_pred"].tolist(),
            reasons).items()}
    if "category" in items and "category" in preds and preds["category"].notna().any():
        known = items["category"].notna().to_numpy()  # a model without categories: none
        if known.any():
            out |= {f"category_{k}": v for k, v in category_metrics(
                items.loc[known, "category"], preds.loc[known, "category"],
                items.loc[known, "drug_class"], preds.loc[known, "drug_class"]).items()}
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
