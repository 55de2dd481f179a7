"""What a training run logs to MLflow besides metrics: plots, reports, features, the model.

Nothing here logs letter text: plots and reports are built from labels and scores, feature
tables from model weights, and the model's input example is a made-up sentence
(`imr_ml.scoring.pyfunc.INPUT_EXAMPLE`).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from imr_ml.model.classifier import ImrClassifier
from imr_ml.model.explain import top_features
from imr_ml.scoring import pyfunc
from imr_ml.training import plots
from imr_ml.training.config import Config

MODEL_ARTIFACT = "model"
ALIAS = "champion"


def params(cfg: Config) -> dict[str, str]:
    """The flattened config as MLflow params (lists and nulls as JSON)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.flat().items()}


def prefixed(prefix: str, metrics: Mapping[str, float]) -> dict[str, float]:
    return {f"{prefix}_{k}": float(v) for k, v in metrics.items() if np.isfinite(v)}


def _log_figure(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=110)
    mlflow.log_artifact(str(path), "evaluation")


def log_evaluation_plots(tmp: Path, items: pd.DataFrame, preds: pd.DataFrame,
                         reasons: Sequence[str]) -> None:
    """Confusion matrices, PR curves and classification reports of the holdout test."""
    for name, fig in plots.evaluation_figures(items, preds, reasons).items():
        _log_figure(fig, tmp / f"{name}.png")
    (tmp / "classification_report.txt").write_text(
        plots.classification_reports(items, preds, reasons))
    mlflow.log_artifact(str(tmp / "classification_report.txt"), "evaluation")


def log_top_features(model: ImrClassifier) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "top_features.csv"
        top_features(model).to_csv(path, index=False)
        mlflow.log_artifact(str(path), "features")


def log_model(folder: Path, cfg: Config) -> None:
    """Log the model folder as a pyfunc (`imr_ml.scoring.pyfunc`); register and alias it."""
    info = mlflow.pyfunc.log_model(
        name=MODEL_ARTIFACT,
        **pyfunc.model_kwargs(folder),
        registered_model_name=cfg.model.name if cfg.mlflow.register_model else None,
    )
    if cfg.mlflow.register_model and info.registered_model_version is not None:
        client = mlflow.MlflowClient()
        client.set_registered_model_alias(cfg.model.name, ALIAS, info.registered_model_version)
