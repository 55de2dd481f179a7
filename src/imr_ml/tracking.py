"""What a training run logs to MLflow besides metrics: plots, reports, features, the model.

Nothing here logs letter text: plots and reports are built from labels and scores, feature
tables from model weights, and the model's input example is a made-up sentence.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from importlib.metadata import requires, version
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    PrecisionRecallDisplay,
    classification_report,
)

from imr_ml.config import Config
from imr_ml.evaluate import reason_rows
from imr_ml.model import ImrClassifier

MODEL_ARTIFACT = "model"
ALIAS = "champion"

# A made-up item: the signature needs an example, and no letter text may be logged.
INPUT_EXAMPLE = pd.DataFrame({
    "rationale": [("Guidelines allow ten visits. There is no documentation of functional "
                   "improvement after the earlier sessions.")],
    "item_text": ["Twelve sessions of physical therapy"],
})


def params(cfg: Config) -> dict[str, str]:
    """The flattened config as MLflow params (lists and nulls as JSON)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.flat().items()}


def prefixed(prefix: str, metrics: Mapping[str, float]) -> dict[str, float]:
    return {f"{prefix}_{k}": float(v) for k, v in metrics.items() if np.isfinite(v)}


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    mlflow.log_artifact(str(path), "evaluation")


def log_evaluation_plots(tmp: Path, items: pd.DataFrame, preds: pd.DataFrame,
                         reasons: Sequence[str]) -> None:
    """Confusion matrices, PR curves and classification reports of the holdout test."""
    truth = items["decision"].to_numpy()
    fig, ax = plt.subplots(figsize=(4, 4))
    ConfusionMatrixDisplay.from_predictions(truth, preds["decision_pred"], ax=ax,
                                            labels=["upheld", "overturned"], colorbar=False)
    ax.set_title("decision (holdout)")
    _save(fig, tmp / "confusion_decision.png")
    if (truth == "overturned").any():
        fig, ax = plt.subplots(figsize=(5, 4))
        PrecisionRecallDisplay.from_predictions(truth == "overturned", preds["p_overturned"],
                                                ax=ax, name="overturned")
        _save(fig, tmp / "pr_decision.png")
    report = classification_report(truth, preds["decision_pred"], zero_division=0)
    rows = reason_rows(items).to_numpy()
    fig, axes = plt.subplots(1, len(reasons), figsize=(3 * len(reasons), 3))
    pr_fig, pr_ax = plt.subplots(figsize=(6, 5))
    for ax, label in zip(np.atleast_1d(axes), reasons):
        y = np.array([label in rs for rs in items.loc[rows, "reasons"]])
        y_hat = np.array([label in rs for rs in preds.loc[rows, "reasons_pred"]])
        ConfusionMatrixDisplay.from_predictions(y, y_hat, ax=ax, labels=[False, True],
                                                colorbar=False)
        ax.set_title(label, fontsize=8)
        if f"p_{label}" in preds and 0 < y.sum() < len(y):
            PrecisionRecallDisplay.from_predictions(y, preds.loc[rows, f"p_{label}"],
                                                    ax=pr_ax, name=label)
        report += f"\n{label}\n" + classification_report(y, y_hat, zero_division=0)
    _save(fig, tmp / "confusion_reasons.png")
    _save(pr_fig, tmp / "pr_reasons.png")
    (tmp / "classification_report.txt").write_text(report)
    mlflow.log_artifact(str(tmp / "classification_report.txt"), "evaluation")


def top_features(model: ImrClassifier, k: int = 30) -> pd.DataFrame:
    """The k most positive and k most negative weights of every target."""
    rows = []
    for target in ["decision", *model.reasons]:
        _, coef, _ = model._linear_parts(target)
        names = model.feature_names(target)
        order = np.argsort(coef)
        for rank, j in enumerate(order[::-1][:k]):
            rows.append({"target": target, "direction": "positive", "rank": rank + 1,
                         "feature": names[j], "weight": float(coef[j])})
        for rank, j in enumerate(order[:k]):
            rows.append({"target": target, "direction": "negative", "rank": rank + 1,
                         "feature": names[j], "weight": float(coef[j])})
    return pd.DataFrame(rows)


def log_top_features(model: ImrClassifier) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "top_features.csv"
        top_features(model).to_csv(path, index=False)
        mlflow.log_artifact(str(path), "features")


def pyfunc_output(model: ImrClassifier, items: pd.DataFrame) -> pd.DataFrame:
    """Prediction columns with reasons `;`-joined, a type MLflow signatures can describe."""
    preds = model.predict_items(items)
    preds["reasons_pred"] = preds["reasons_pred"].map(";".join)
    return preds


class ImrPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc wrapper: a DataFrame of items in, the prediction columns out."""

    def load_context(self, context) -> None:
        self.model = ImrClassifier.load(context.artifacts["model_dir"])

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None):
        return pyfunc_output(self.model, model_input)


def requirements() -> list[str]:
    """imr-ml's own dependencies, pinned to the versions installed (those it trained with)."""
    declared = [r for r in requires("imr-ml") or [] if "extra ==" not in r]
    names = [re.match(r"[A-Za-z0-9_.-]+", r).group() for r in declared]
    return [f"{name}=={version(name)}" for name in names]


def log_model(model: ImrClassifier, folder: Path, cfg: Config, items: pd.DataFrame) -> None:
    """Log the model folder as a pyfunc with signature and example; register and alias it."""
    from mlflow.models import infer_signature

    example = INPUT_EXAMPLE
    signature = infer_signature(example, pyfunc_output(model, example))
    info = mlflow.pyfunc.log_model(
        name=MODEL_ARTIFACT,
        python_model=ImrPyfunc(),
        artifacts={"model_dir": str(folder)},
        signature=signature,
        input_example=example,
        # the package itself and its dependencies go with the model, so that it loads where
        # imr-ml is not installed (a Spark executor, `mlflow models serve`)
        code_paths=[str(Path(__file__).parent)],
        pip_requirements=requirements(),
        registered_model_name=cfg.model.name if cfg.mlflow.register_model else None,
    )
    if cfg.mlflow.register_model and info.registered_model_version is not None:
        client = mlflow.MlflowClient()
        client.set_registered_model_alias(cfg.model.name, ALIAS, info.registered_model_version)
