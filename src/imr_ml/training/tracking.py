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

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from imr_ml.model import persistence
from imr_ml.model.classifier import ImrClassifier
from imr_ml.model.explain import top_features
from imr_ml.training import plots
from imr_ml.training.config import Config

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/imr_ml, shipped with the model
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


def pyfunc_output(model: ImrClassifier, items: pd.DataFrame) -> pd.DataFrame:
    """Prediction columns with reasons `;`-joined, a type MLflow signatures can describe."""
    preds = model.predict_items(items)
    preds["reasons_pred"] = preds["reasons_pred"].map(";".join)
    return preds


class ImrPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc wrapper: a DataFrame of items in, the prediction columns out."""

    def load_context(self, context) -> None:
        self.model = persistence.load(context.artifacts["model_dir"])

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None):
        return pyfunc_output(self.model, model_input)


def requirements() -> list[str]:
    """imr-ml's own dependencies, pinned to the versions installed (those it trained with)."""
    declared = [r for r in requires("imr-ml") or [] if "extra ==" not in r]
    names = [re.match(r"[A-Za-z0-9_.-]+", r).group() for r in declared]
    return [f"{name}=={version(name)}" for name in names]


def log_model(model: ImrClassifier, folder: Path, cfg: Config) -> None:
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
        code_paths=[str(PACKAGE_DIR)],
        pip_requirements=requirements(),
        registered_model_name=cfg.model.name if cfg.mlflow.register_model else None,
    )
    if cfg.mlflow.register_model and info.registered_model_version is not None:
        client = mlflow.MlflowClient()
        client.set_registered_model_alias(cfg.model.name, ALIAS, info.registered_model_version)
