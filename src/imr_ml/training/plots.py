"""The evaluation figures of a training run, as pure functions: labels and predictions in,
matplotlib figures (or text) out. Only `imr_ml.training.tracking` saves and logs them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, classification_report

from imr_ml.labels import DECISIONS, OVERTURNED, scores_reasons


def _has_reason(label: str, reasons: pd.Series) -> np.ndarray:
    return np.array([label in rs for rs in reasons])


def evaluation_figures(items: pd.DataFrame, preds: pd.DataFrame,
                       reasons: Sequence[str]) -> dict[str, Figure]:
    """Confusion matrices and precision-recall curves of the decision and the reasons (the
    reasons over the items that score them), by file name: `confusion_decision`,
    `pr_decision` (where some item is overturned), `confusion_reasons`, `pr_reasons`."""
    truth = items["decision"].to_numpy()
    figures: dict[str, Figure] = {}
    fig = Figure(figsize=(4, 4), layout="tight")
    ax = fig.subplots()
    ConfusionMatrixDisplay.from_predictions(truth, preds["decision_pred"], ax=ax,
                                            labels=list(DECISIONS), colorbar=False)
    ax.set_title("decision (holdout)")
    figures["confusion_decision"] = fig
    if (truth == OVERTURNED).any():
        fig = Figure(figsize=(5, 4), layout="tight")
        PrecisionRecallDisplay.from_predictions(truth == OVERTURNED, preds["p_overturned"],
                                                ax=fig.subplots(), name=OVERTURNED)
        figures["pr_decision"] = fig
    rows = scores_reasons(items).to_numpy()
    fig = Figure(figsize=(3 * len(reasons), 3), layout="tight")
    axes = fig.subplots(1, len(reasons))
    pr_fig = Figure(figsize=(6, 5), layout="tight")
    pr_ax = pr_fig.subplots()
    for ax, label in zip(np.atleast_1d(axes), reasons):
        y = _has_reason(label, items.loc[rows, "reasons"])
        y_hat = _has_reason(label, preds.loc[rows, "reasons_pred"])
        ConfusionMatrixDisplay.from_predictions(y, y_hat, ax=ax, labels=[False, True],
                                                colorbar=False)
        ax.set_title(label, fontsize=8)
        if f"p_{label}" in preds and 0 < y.sum() < len(y):
            PrecisionRecallDisplay.from_predictions(y, preds.loc[rows, f"p_{label}"],
                                                    ax=pr_ax, name=label)
    figures["confusion_reasons"] = fig
    figures["pr_reasons"] = pr_fig
    return figures


def classification_reports(items: pd.DataFrame, preds: pd.DataFrame,
                           reasons: Sequence[str]) -> str:
    """scikit-learn's classification report of the decision, then of each reason."""
    report = classification_report(items["decision"], preds["decision_pred"], zero_division=0)
    rows = scores_reasons(items).to_numpy()
    for label in reasons:
        report += f"\n{label}\n" + classification_report(
            _has_reason(label, items.loc[rows, "reasons"]),
            _has_reason(label, preds.loc[rows, "reasons_pred"]), zero_division=0)
    return report
