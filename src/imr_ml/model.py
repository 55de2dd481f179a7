"""`ImrClassifier`: the decision and reason pipelines, their label set and metadata.

- decision: TF-IDF features of the masked reasoning → calibrated linear classifier, with a
  threshold on P(overturned) tuned for macro-F1 on validation letters;
- reasons: TF-IDF features of the rationale → one-vs-rest calibrated linear classifiers,
  trained on upheld items, with per-label thresholds tuned on validation letters.

Saved with joblib to `models/<name>/model.joblib` beside `metadata.json`, which records the
artefact's sha256; `load` verifies it before unpickling (joblib files are code).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from imr_ml.config import ClassifierConfig, Config
from imr_ml.features import build_features
from imr_ml.metrics import decision_metrics
from imr_ml.splits import letter_split

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
PACKAGES = ("imr-ml", "scikit-learn", "spacy", "numpy", "pandas", "joblib")
INPUT_COLUMNS = ("rationale", "item_text")


class ModelLoadError(RuntimeError):
    """A model folder that cannot or must not be loaded; the message says what to do."""


def _estimator(cfg: ClassifierConfig, seed: int):
    if cfg.classifier == "linear_svc":
        base = LinearSVC(C=cfg.C, class_weight=cfg.class_weight, random_state=seed)
    else:
        base = LogisticRegression(C=cfg.C, class_weight=cfg.class_weight, solver="liblinear")
    if cfg.calibration is None:
        return base
    return CalibratedClassifierCV(base, method=cfg.calibration, cv=3, ensemble=False)


def _linear(estimator) -> Any:
    """The linear model inside a (possibly calibrated) estimator, for explanations."""
    if isinstance(estimator, CalibratedClassifierCV):
        return estimator.calibrated_classifiers_[0].estimator
    return estimator


def _proba(estimator, X) -> np.ndarray:
    """P(positive class); a plain LinearSVC gets a logistic squash of its margin."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    return 1.0 / (1.0 + np.exp(-estimator.decision_function(X)))


def _best_threshold(y: np.ndarray, p: np.ndarray, macro: bool) -> float:
    """The probability threshold with the best (macro-)F1 on validation predictions."""
    grid = np.unique(np.clip(np.round(p, 3), 0.02, 0.98))
    if len(grid) == 0 or y.min() == y.max():
        return 0.5
    labels = np.where(y, "overturned", "upheld")

    def score(t: float) -> float:
        pred = np.where(p >= t, "overturned", "upheld")
        m = decision_metrics(labels, pred)
        return m["macro_f1"] if macro else m["overturned_f1"]

    return float(max(grid, key=score))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ImrClassifier:
    """Predicts each item's decision and denial reasons from its rationale and item text."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.reasons: list[str] = list(config.labels.reasons)
        self.decision_pipeline: Pipeline | None = None
        self.reason_pipeline: Pipeline | None = None
        self.decision_threshold = 0.5
        self.reason_thresholds = dict.fromkeys(self.reasons, 0.5)
        self.metadata: dict[str, Any] = {}

    # ---- training ---------------------------------------------------------------------
    def _pipelines(self) -> tuple[Pipeline, Pipeline]:
        cfg, seed = self.config, self.config.seed
        decision = Pipeline([
            ("features", build_features(cfg.features, self.reasons, decision=True)),
            ("clf", _estimator(cfg.models.decision, seed)),
        ])
        reasons = Pipeline([
            ("features", build_features(cfg.features, self.reasons, decision=False)),
            ("clf", OneVsRestClassifier(_estimator(cfg.models.reasons, seed))),
        ])
        return decision, reasons

    def _binarizer(self) -> MultiLabelBinarizer:
        return MultiLabelBinarizer(classes=self.reasons).fit([self.reasons])

    def _fit_once(self, items: pd.DataFrame) -> None:
        decision, reasons = self._pipelines()
        decision.fit(items[list(INPUT_COLUMNS)], items["decision"] == "overturned")
        upheld = items[(items["decision"] == "upheld") & (items["reasons_source"] != "none")]
        reasons.fit(upheld[list(INPUT_COLUMNS)], self._binarizer().transform(upheld["reasons"]))
        self.decision_pipeline, self.reason_pipeline = decision, reasons

    def fit(self, items: pd.DataFrame) -> ImrClassifier:
        """Fit on an items table; thresholds are tuned on validation letters drawn from it."""
        cfg = self.config
        tune = cfg.models.reasons.tune_thresholds or cfg.models.decision.tune_thresholds
        if tune:
            split = letter_split(items, cfg.splits.validation_size, cfg.seed)
            self._fit_once(items.iloc[split.train])
            self._tune_thresholds(items.iloc[split.test])
        self._fit_once(items)
        return self

    def _tune_thresholds(self, validation: pd.DataFrame) -> None:
        p = self.predict_proba(validation)
        if self.config.models.decision.tune_thresholds:
            truth = (validation["decision"] == "overturned").to_numpy()
            self.decision_threshold = _best_threshold(truth, p["p_overturned"].to_numpy(), True)
        if self.config.models.reasons.tune_thresholds:
            upheld = (validation["decision"] == "upheld").to_numpy() & (
                validation["reasons_source"] != "none").to_numpy()
            truth = self._binarizer().transform(validation.loc[upheld, "reasons"])
            for k, label in enumerate(self.reasons):
                self.reason_thresholds[label] = _best_threshold(
                    truth[:, k].astype(bool), p.loc[upheld, f"p_{label}"].to_numpy(), False)

    # ---- prediction -------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if self.decision_pipeline is None or self.reason_pipeline is None:
            raise RuntimeError("ImrClassifier is not fitted; call fit() or load a model")

    def predict_proba(self, items: pd.DataFrame) -> pd.DataFrame:
        """P(overturned) and P(reason) for each item, as columns `p_overturned`, `p_<reason>`."""
        self._check_fitted()
        X = items[list(INPUT_COLUMNS)].fillna("")
        out = pd.DataFrame(index=items.index)
        out["p_overturned"] = _proba(self.decision_pipeline, X)
        clf = self.reason_pipeline.named_steps["clf"]
        features = self.reason_pipeline.named_steps["features"].transform(X)
        for label, estimator in zip(self.reasons, clf.estimators_):
            out[f"p_{label}"] = _proba(estimator, features)
        return out

    def predict_items(self, items: pd.DataFrame) -> pd.DataFrame:
        """Prediction columns for an items table (needs `rationale` and `item_text`).

        `reasons_pred` lists the reasons of items that are upheld, by the letter's stated
        decision where the table has one, else by the predicted decision.
        """
        p = self.predict_proba(items)
        out = pd.DataFrame(index=items.index)
        out["decision_pred"] = np.where(p["p_overturned"] >= self.decision_threshold,
                                        "overturned", "upheld")
        out["p_overturned"] = p["p_overturned"]
        stated = items["decision_stated"] if "decision_stated" in items else None
        if stated is not None:
            out["decision_agrees"] = [None if s is None or s != s else s == d
                                      for s, d in zip(stated, out["decision_pred"])]
            basis = stated.where(stated.notna(), out["decision_pred"])
        else:
            out["decision_agrees"] = None
            basis = out["decision_pred"]
        upheld = (basis == "upheld").to_numpy()
        chosen = {label: (p[f"p_{label}"] >= t).to_numpy() & upheld
                  for label, t in self.reason_thresholds.items()}
        out["reasons_pred"] = [[label for label in self.reasons if chosen[label][i]]
                               for i in range(len(items))]
        for label in self.reasons:
            out[f"p_{label}"] = p[f"p_{label}"]
        return out

    def predict_letters(self, texts: Iterable[str]) -> pd.DataFrame:
        """Segment raw letter texts and predict each item; one row per item (or letter)."""
        from imr_ml.letters import normalise
        from imr_ml.segment import SPANS_KEY, make_nlp

        nlp = make_nlp()
        rows = []
        for n, text in enumerate(texts):
            doc = nlp(normalise(text))
            for index, span in enumerate(doc.spans[SPANS_KEY]):
                rows.append({"letter_index": n, "item_index": index,
                             "item_text": span._.item_text, "layout": doc._.layout,
                             "decision_stated": span._.decision_stated,
                             "rationale": span._.rationale.text if span._.rationale else ""})
        table = pd.DataFrame(rows, columns=["letter_index", "item_index", "item_text", "layout",
                                            "decision_stated", "rationale"])
        if table.empty:
            return table
        return pd.concat([table, self.predict_items(table)], axis=1)

    # ---- explanations -----------------------------------------------------------------
    def _linear_parts(self, target: str):
        """(feature transformer, coefficients, intercept) of one target's linear model."""
        if target == "decision":
            pipe, estimator = self.decision_pipeline, self.decision_pipeline.named_steps["clf"]
        else:
            pipe = self.reason_pipeline
            estimator = pipe.named_steps["clf"].estimators_[self.reasons.index(target)]
        linear = _linear(estimator)
        return pipe.named_steps["features"], linear.coef_.ravel(), float(linear.intercept_[0])

    def feature_names(self, target: str = "decision") -> np.ndarray:
        features, _, _ = self._linear_parts(target)
        return features.get_feature_names_out()

    def explain(self, items: pd.DataFrame, top_k: int = 10) -> list[dict[str, Any]]:
        """Per item and target: the features (value × coefficient) pushing for and against.

        Targets are the decision (positive = towards overturned) and each reason; each entry
        also gives the intercept and the linear score, which the contributions sum to.
        """
        self._check_fitted()
        X = items[list(INPUT_COLUMNS)].fillna("")
        out: list[dict[str, Any]] = [{} for _ in range(len(items))]
        for target in ["decision", *self.reasons]:
            features, coef, intercept = self._linear_parts(target)
            names = features.get_feature_names_out()
            matrix = features.transform(X).tocsr()
            for i in range(matrix.shape[0]):
                row = matrix.getrow(i)
                contrib = row.data * coef[row.indices]
                order = np.argsort(contrib)
                toward = [(names[row.indices[j]], float(contrib[j]))
                          for j in order[::-1][:top_k] if contrib[j] > 0]
                against = [(names[row.indices[j]], float(contrib[j]))
                           for j in order[:top_k] if contrib[j] < 0]
                out[i][target] = {"toward": toward, "against": against,
                                  "intercept": intercept,
                                  "score": float(contrib.sum() + intercept)}
        return out

    # ---- persistence ------------------------------------------------------------------
    def save(self, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
        """Write `model.joblib` and `metadata.json` (with the artefact's sha256)."""
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        tmp = folder / f".{MODEL_FILE}.tmp"
        joblib.dump(self, tmp, compress=3)
        tmp.replace(path)
        self.metadata = {
            "name": self.config.model.name,
            "reasons": self.reasons,
            "decision_threshold": self.decision_threshold,
            "reason_thresholds": self.reason_thresholds,
            "sha256": sha256_of(path),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "packages": {name: version(name) for name in PACKAGES},
            "config": self.config.model_dump(mode="json"),
            **(extra or {}),
        }
        (folder / METADATA_FILE).write_text(json.dumps(self.metadata, indent=2) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path, reasons: Sequence[str] | None = None) -> ImrClassifier:
        """Load a saved model after checking its hash and package versions."""
        folder = Path(folder)
        meta_path, path = folder / METADATA_FILE, folder / MODEL_FILE
        if not meta_path.is_file() or not path.is_file():
            raise ModelLoadError(f"{folder}: not a model folder (needs {MODEL_FILE} and "
                                 f"{METADATA_FILE}); train one with `make train`")
        metadata = json.loads(meta_path.read_text())
        if sha256_of(path) != metadata.get("sha256"):
            raise ModelLoadError(
                f"{path}: sha256 does not match {METADATA_FILE}; the file was changed or "
                "corrupted after training. Refusing to unpickle it: retrain or restore it.")
        _check_versions(metadata, folder)
        if reasons is not None and list(reasons) != metadata.get("reasons"):
            raise ModelLoadError(
                f"{folder}: model labels {metadata.get('reasons')} differ from the expected "
                f"{list(reasons)}; retrain with the current label set")
        model = joblib.load(path)
        model.metadata = metadata
        return model


def _check_versions(metadata: dict[str, Any], folder: Path) -> None:
    """Refuse a model pickled by a different major.minor of scikit-learn or major of others."""
    saved = metadata.get("packages", {})
    for name in PACKAGES:
        then, now = saved.get(name), version(name)
        if then is None:
            continue
        depth = 2 if name == "scikit-learn" else 1
        if then.split(".")[:depth] != now.split(".")[:depth]:
            raise ModelLoadError(
                f"{folder}: trained with {name} {then}, running {now}; pickled models do not "
                f"carry across these versions. Retrain (`make train`) or install {name}=={then}.")
