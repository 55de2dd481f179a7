"""`ImrClassifier`: the decision and reason pipelines, their label set and metadata.

- decision: TF-IDF features of the masked reasoning → calibrated linear classifier, with a
  threshold on P(overturned) tuned for macro-F1 on validation letters (or on cross-fitted
  predictions for one corpus's letters, `splits.threshold_corpus`);
- reasons: TF-IDF features of the rationale → one-vs-rest calibrated linear classifiers,
  trained on upheld items, with per-label thresholds tuned on validation letters.

Saved with joblib to `models/<name>/model.joblib` beside `metadata.json`, which records the
artefact's sha256; `load` verifies it before unpickling (joblib files are code).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from imr_ml.config import ClassifierConfig, Config
from imr_ml.errors import ImrMlError
from imr_ml.features import add_rule_columns, build_features, prepare, rule_columns, transform_table
from imr_ml.letter_context import LetterContext, surgery_positions
from imr_ml.metrics import REQUIRED_REASONS, decision_metrics, f1_from_counts
from imr_ml.splits import letter_folds, letter_split, phrasing_folds

MODEL_FILE = "model.joblib"
READABLE = "_readable"  # training's column: the item's masked rationale has words left
METADATA_FILE = "metadata.json"
PACKAGES = ("imr-ml", "scikit-learn", "spacy", "numpy", "pandas", "joblib")
INPUT_COLUMNS = ("rationale", "item_text")


class ModelLoadError(ImrMlError, RuntimeError):
    """A model folder that cannot or must not be loaded; the message says what to do."""


def _estimator(cfg: ClassifierConfig, seed: int):
    if cfg.classifier == "linear_svc":
        estimator = LinearSVC(C=cfg.C, class_weight=cfg.class_weight, random_state=seed)
    else:
        estimator = LogisticRegression(C=cfg.C, class_weight=cfg.class_weight,
                                       solver="liblinear")
    return estimator.set_fit_request(sample_weight=True)


def _weights(items: pd.DataFrame) -> np.ndarray:
    """Per-item sample weights (the corpus weights of the config; 1 where not given)."""
    if "sample_weight" not in items:
        return np.ones(len(items))
    return items["sample_weight"].fillna(1.0).to_numpy(dtype=float)


def _reweighted(items: pd.DataFrame, target: pd.DataFrame,
                weight: float | None) -> pd.DataFrame:
    """The items with the `target` items' sample weight set to `weight` (None: as they are)."""
    if weight is None:
        return items
    chosen = items.index.isin(target.index)
    return items.assign(sample_weight=np.where(chosen, weight, _weights(items)))


def _calibrated(estimator, method: str | None, X, y: np.ndarray):
    """The fitted estimator calibrated on held-out (validation) data, where it can be."""
    if method is None or len(np.unique(y)) < 2:
        return estimator
    return CalibratedClassifierCV(FrozenEstimator(estimator), method=method).fit(X, y)


def _linear(estimator) -> Any:
    """The linear model inside a (possibly calibrated) estimator, for explanations."""
    if isinstance(estimator, CalibratedClassifierCV):
        estimator = estimator.calibrated_classifiers_[0].estimator
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


def _proba(estimator, X) -> np.ndarray:
    """P(positive class); a plain LinearSVC gets a logistic squash of its margin."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    return 1.0 / (1.0 + np.exp(-estimator.decision_function(X)))


def _two_class_folds(items: pd.DataFrame, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The phrasing folds of `items` (`splits.phrasing_folds`), or 3 letter folds stratified
    by decision where a phrasing group's complement lacks a class (a small corpus): each
    fold's training part must hold both decisions."""
    letters = StratifiedGroupKFold(n_splits=min(3, items["letter_id"].nunique()))
    for make in (lambda: [(f.train, f.test) for f in phrasing_folds(items)],
                 lambda: list(letters.split(items, y, groups=items["letter_id"]))):
        folds = make()  # the letter folds only where the phrasing folds will not do
        if all(len(np.unique(y[train])) == 2 for train, _ in folds):
            return folds
    raise ValueError(f"too few overturned or upheld items ({int(y.sum())} of {len(y)} overturned) "
                     "to cross-fit the decision model; give more labelled letters")


def _prior(items: pd.DataFrame) -> float:
    """The items' (weighted) share of overturned decisions."""
    return float(np.average(items["decision"] == "overturned", weights=_weights(items)))


def _contextual(context: LetterContext | None, items: pd.DataFrame, p: np.ndarray) -> np.ndarray:
    """`p` re-scored by the letter context, where there is one."""
    return p if context is None else context.apply(items, p)


def _best_threshold(y: np.ndarray, p: np.ndarray, macro: bool, tolerance: float) -> float:
    """The lowest probability threshold whose (macro-)F1 on validation predictions is within
    `tolerance` of the best (0: the best itself)."""
    y = np.asarray(y, dtype=bool)
    if y.min() == y.max():
        return 0.5
    grid = np.round(np.linspace(0.02, 0.98, 97), 2)
    predicted = np.asarray(p)[None, :] >= grid[:, None]  # thresholds × items
    tp = (predicted & y).sum(axis=1)
    n_predicted = predicted.sum(axis=1)
    scores = f1_from_counts(tp, y.sum(), n_predicted)
    if macro:  # the upheld class's F1 too, and their mean
        tn = len(y) - y.sum() - n_predicted + tp
        scores = np.mean([f1_from_counts(tn, len(y) - y.sum(), len(y) - n_predicted),
                          scores], axis=0)
    return float(grid[scores >= scores.max() - tolerance].min())


def _reason_training_rows(items: pd.DataFrame) -> pd.Series:
    """Items to learn reasons from: upheld, with gold or weak reasons."""
    return (items["decision"] == "upheld") & (items["reasons_source"] != "none")


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
        # the threshold corpus's decision sample weight, where chosen (threshold_corpus_weights)
        self.threshold_corpus_weight: float | None = None
        self.reason_thresholds = dict.fromkeys(self.reasons, 0.5)
        # lowers associated services' P(overturned) with their surgery's, where configured
        self.letter_context: LetterContext | None = None
        # P(overturned) of an item whose rationale has nothing left once masked: the prior
        self.empty_reasoning_p = 0.5
        self.metadata: dict[str, Any] = {}

    # ---- training ---------------------------------------------------------------------
    def _pipelines(self) -> tuple[Pipeline, Pipeline]:
        cfg, seed = self.config, self.config.seed
        d, r = cfg.models.decision, cfg.models.reasons
        decision = Pipeline([
            ("features", build_features(cfg.features, d.features, self.reasons, decision=True)),
            ("clf", _estimator(d, seed)),
        ])
        reasons = Pipeline([
            ("features", build_features(cfg.features, r.features, self.reasons, decision=False)),
            ("clf", OneVsRestClassifier(_estimator(r, seed))),
        ])
        return decision, reasons

    def _uses_rules(self) -> bool:
        models = self.config.models
        return "rules" in models.decision.features + models.reasons.features

    def warm_up(self) -> None:
        """Build the rule labeller now (≈2 s), e.g. before forking worker processes, which
        then inherit it instead of each building their own."""
        if self._uses_rules():
            from imr_ml.reasons import shared_labeller

            shared_labeller(tuple(self.reasons))

    def _inputs(self, items: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns: texts, and rule counts when the features use them."""
        columns = list(INPUT_COLUMNS)
        if self._uses_rules():
            items = add_rule_columns(items, self.reasons)
            columns += rule_columns(self.reasons, False) + rule_columns(self.reasons, True)
        out = items[columns].copy()
        out[list(INPUT_COLUMNS)] = out[list(INPUT_COLUMNS)].fillna("")
        return out

    def _binarizer(self) -> MultiLabelBinarizer:
        return MultiLabelBinarizer(classes=self.reasons).fit([self.reasons])

    def fit(self, items: pd.DataFrame) -> ImrClassifier:
        """Fit on an items table.

        The reasons model is fitted on most of its letters; the rest (validation letters,
        `splits.validation_size`) calibrate its probabilities and tune its thresholds. The
        decision model does the same, or with `splits.decision_validation: style` is
        calibrated and thresholded on predictions for phrasing it was not fitted on; with
        `splits.threshold_corpus`, its threshold comes from cross-fitted predictions for the
        letters of that corpus.
        """
        cfg = self.config
        items = items.reset_index(drop=True)  # row labels are positions from here on
        items[READABLE] = self._readable(items.drop(columns=READABLE, errors="ignore"))
        split = letter_split(items, cfg.splits.validation_size, cfg.seed)
        train, validation = items.iloc[split.train], items.iloc[split.test]
        upheld = train[_reason_training_rows(train)]
        with sklearn.config_context(enable_metadata_routing=True):  # sample weights to `clf`
            decision, reasons = self._pipelines()
            if cfg.splits.decision_validation == "style":
                self.decision_threshold = self._cross_fit_decision(decision, items)
            else:
                target = self._threshold_items(items)
                d = cfg.models.decision
                cross_fit = d.tune_thresholds and target["letter_id"].nunique() > 1
                if cross_fit:
                    weight, self.decision_threshold = (
                        self._cross_fitted_weight_and_threshold(target, train, validation))
                    train, validation = (_reweighted(part, target, weight)
                                         for part in (train, validation))
                    self.threshold_corpus_weight = weight
                y, p, self.letter_context = self._fit_decision(decision, train, validation)
                if not d.tune_thresholds:
                    self.decision_threshold = 0.5
                elif not cross_fit:
                    self.decision_threshold = _best_threshold(y, p, True, d.threshold_tolerance)
            reasons.fit(self._inputs(upheld), self._binarizer().transform(upheld["reasons"]),
                        sample_weight=_weights(upheld))

        val_upheld = validation[_reason_training_rows(validation)]
        features = reasons.named_steps["features"].transform(self._inputs(val_upheld))
        truth = self._binarizer().transform(val_upheld["reasons"])
        ovr = reasons.named_steps["clf"]
        ovr.estimators_ = [_calibrated(est, cfg.models.reasons.calibration, features, truth[:, k])
                           for k, est in enumerate(ovr.estimators_)]
        self.decision_pipeline, self.reason_pipeline = decision, reasons

        if cfg.models.reasons.tune_thresholds:
            p = self.predict_proba(val_upheld)
            for k, label in enumerate(self.reasons):
                self.reason_thresholds[label] = _best_threshold(
                    truth[:, k].astype(bool), p[f"p_{label}"].to_numpy(),
                    False, cfg.models.reasons.threshold_tolerance)
        return self

    def _fit_decision(self, decision: Pipeline, train: pd.DataFrame, validation: pd.DataFrame
                      ) -> tuple[np.ndarray, np.ndarray, LetterContext | None]:
        """Fit the decision pipeline on `train`, calibrate it and fit the letter context on
        the validation letters; returns their truth (overturned), their P(overturned) and the
        letter context. Items with nothing to read (`_readable`) take no part in the fit or
        the calibration; they get the prior of the training items."""
        self.empty_reasoning_p = _prior(train)
        fitted = train[self._readable(train)]
        decision.fit(self._inputs(fitted), fitted["decision"] == "overturned",
                     sample_weight=_weights(fitted))
        calibration = validation[self._readable(validation)]
        decision.steps[-1] = ("clf", _calibrated(
            decision.named_steps["clf"], self.config.models.decision.calibration,
            decision.named_steps["features"].transform(self._inputs(calibration)),
            (calibration["decision"] == "overturned").to_numpy()))
        y = (validation["decision"] == "overturned").to_numpy()
        return y, *self._with_context(validation, self._own_proba(decision, validation), y)

    def _readable(self, items: pd.DataFrame) -> np.ndarray:
        """Whether each item's rationale has any word left for the decision model (with the
        verdict masked, an associated service's often has none). Read from the column
        `READABLE` where the table has it: `fit` adds it once for all its folds and splits."""
        if READABLE in items:
            return items[READABLE].to_numpy(dtype=bool)
        f = self.config.features
        texts = prepare(items["rationale"].fillna("").tolist(), mask=f.mask_verdicts,
                        negation=f.negation)
        return np.array([bool(text.strip()) for text in texts], dtype=bool)

    def _own_proba(self, decision: Pipeline, items: pd.DataFrame) -> np.ndarray:
        """The decision pipeline's P(overturned), the prior for items with nothing to read."""
        return self._unread(items, _proba(decision, self._inputs(items)))

    def _unread(self, items: pd.DataFrame, p: np.ndarray) -> np.ndarray:
        """`p` with the prior for the items that have nothing to read."""
        return np.where(self._readable(items), p, self.empty_reasoning_p)

    def _with_context(self, items: pd.DataFrame, p: np.ndarray, y: np.ndarray
                      ) -> tuple[np.ndarray, LetterContext | None]:
        """The letter context fitted on held-out predictions `p` for `items` (None where not
        configured), and `p` re-scored by it."""
        if not self.config.models.letter_context:
            return p, None
        context = LetterContext().fit(items, p, y, _weights(items))
        return context.apply(items, p), context

    def _threshold_items(self, items: pd.DataFrame) -> pd.DataFrame:
        """The items of `splits.threshold_corpus` (none where unset)."""
        kind = self.config.splits.threshold_corpus
        if kind is None or "corpus_kind" not in items:
            return items.iloc[:0]
        return items[items["corpus_kind"] == kind]

    def _cross_fitted_weight_and_threshold(
            self, target: pd.DataFrame, train: pd.DataFrame,
            validation: pd.DataFrame) -> tuple[float | None, float]:
        """The `target` letters' weight and the decision threshold, from cross-fitted
        predictions for them: each letter fold is predicted by a decision pipeline fitted and
        calibrated as the final one is, without that fold's letters. For each weight of
        `splits.threshold_corpus_weights` (or once, with the weights as they are: None), the
        threshold is the one with the best macro-F1; the weight is the one whose threshold
        scores best."""
        cfg = self.config
        n_folds = min(cfg.splits.threshold_folds, target["letter_id"].nunique())
        folds = letter_folds(target, n_folds)
        y = (target["decision"] == "overturned").to_numpy()
        labels = np.where(y, "overturned", "upheld")
        best: tuple[float, float | None, float] | None = None
        for weight in cfg.splits.threshold_corpus_weights or [None]:
            p = np.empty(len(target))
            for fold in folds:
                held = set(target["letter_id"].iloc[fold.test])
                decision = self._pipelines()[0]
                *_, context = self._fit_decision(
                    decision, *(_reweighted(part[~part["letter_id"].isin(held)], target, weight)
                                for part in (train, validation)))
                held_out = target.iloc[fold.test]
                p[fold.test] = _contextual(context, held_out,
                                           self._own_proba(decision, held_out))
            threshold = _best_threshold(y, p, True, cfg.models.decision.threshold_tolerance)
            score = decision_metrics(labels, np.where(p >= threshold, "overturned",
                                                      "upheld"))["macro_f1"]
            if best is None or score > best[0]:
                best = (score, weight, threshold)
        return best[1], best[2]

    def _cross_fit_decision(self, decision: Pipeline, items: pd.DataFrame) -> float:
        """Fit the decision pipeline on all `items`, its classifier calibrated on cross-fitted
        scores (each phrasing group scored by a classifier fitted on the others: sklearn's
        `CalibratedClassifierCV(ensemble=False)`); returns the threshold with the best
        macro-F1 on those calibrated scores (0.5 without threshold tuning). Items with nothing
        to read (`_readable`) take no part; they get the prior of all items.

        TF-IDF vocabularies are fitted once on all items: a word only one group uses gets
        no weight from the classifiers that do not see that group, so little leaks.
        """
        d = self.config.models.decision
        self.empty_reasoning_p = _prior(items)
        readable = self._readable(items)
        fitted = items[readable]
        X, w = self._inputs(fitted), _weights(fitted)
        y = (fitted["decision"] == "overturned").to_numpy()
        folds = _two_class_folds(fitted, y)
        linear = decision.named_steps["clf"]
        decision.set_params(clf=CalibratedClassifierCV(
            linear, method=d.calibration or "sigmoid", cv=folds, ensemble=False,
        ).set_fit_request(sample_weight=True))
        decision.fit(X, y, sample_weight=w)
        scores = cross_val_predict(clone(linear), decision.named_steps["features"].transform(X),
                                   y, cv=folds, method="decision_function",
                                   params={"sample_weight": w})
        calibrator = decision.named_steps["clf"].calibrated_classifiers_[0].calibrators[0]
        p = np.full(len(items), self.empty_reasoning_p)
        p[readable] = calibrator.predict(scores)
        y = (items["decision"] == "overturned").to_numpy()
        p, self.letter_context = self._with_context(items, p, y)
        return _best_threshold(y, p, True, d.threshold_tolerance) if d.tune_thresholds else 0.5

    # ---- prediction -------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if self.decision_pipeline is None or self.reason_pipeline is None:
            raise RuntimeError("ImrClassifier is not fitted; call fit() or load a model")

    def predict_proba(self, items: pd.DataFrame) -> pd.DataFrame:
        """P(overturned) and P(reason) for each item, as columns `p_overturned`, `p_<reason>`."""
        self._check_fitted()
        X = self._inputs(items)
        decision, reasons = self.decision_pipeline.named_steps, self.reason_pipeline.named_steps
        features = transform_table(reasons["features"], X)
        p = self._unread(items, _proba(decision["clf"], transform_table(decision["features"], X)))
        return pd.DataFrame({
            "p_overturned": _contextual(self.letter_context, items, p),
            **{f"p_{label}": _proba(estimator, features)
               for label, estimator in zip(self.reasons, reasons["clf"].estimators_)},
        }, index=items.index)

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
        stated = items.get("decision_stated")
        if stated is not None:
            out["decision_agrees"] = [None if pd.isna(s) else s == d
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
        """Segment raw letter texts and predict each item.

        One row per item, through the same path as files (`imr_ml.items`), or one row with
        status `no_items` for a text without items; `letter_index` is the text's position.
        """
        from imr_ml.items import segment_batch
        from imr_ml.letters import Letter, normalise
        from imr_ml.segment import make_nlp

        letters = [Letter(str(n), f"<text {n}>", normalise(text), text)
                   for n, text in enumerate(texts)]
        rows = [r for _, rs in segment_batch(make_nlp(), letters) for r in rs]
        table = pd.DataFrame(rows).assign(letter_index=lambda t: t["letter_id"].astype(int))
        ok = table[table["status"] == "ok"]
        if ok.empty:
            return table
        return table.join(self.predict_items(ok))

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
        also gives the intercept and the linear score, which the contributions sum to. An
        associated service whose P(overturned) the letter context may lower with its
        surgery's has the surgery's `item_index` as the decision's `surgery_item`.
        """
        self._check_fitted()
        X = self._inputs(items)
        out: list[dict[str, Any]] = [{} for _ in range(len(items))]
        transformed: dict[int, tuple[np.ndarray, Any]] = {}  # the reasons share one transform
        for target in ["decision", *self.reasons]:
            features, coef, intercept = self._linear_parts(target)
            if id(features) not in transformed:
                transformed[id(features)] = (features.get_feature_names_out(),
                                             features.transform(X).tocsr())
            names, matrix = transformed[id(features)]
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
        if self.letter_context is not None and self.letter_context.model_ is not None:
            for i, k in enumerate(surgery_positions(items)):
                if k >= 0:
                    out[i]["decision"]["surgery_item"] = int(items["item_index"].iloc[k])
        return out

    # ---- persistence ------------------------------------------------------------------
    def save(self, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
        """Write `model.joblib` and `metadata.json` (with the artefact's sha256)."""
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        tmp = folder / f".{MODEL_FILE}.tmp"
        # the model as pickle bytes inside the joblib file: joblib unpickles its objects with
        # the pure-Python unpickler (~0.5 s for a model), the bytes load with the C one
        joblib.dump(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL), tmp, compress=3)
        tmp.replace(path)
        self.metadata = {
            "name": self.config.model.name,
            "reasons": self.reasons,
            "decision_threshold": self.decision_threshold,
            "threshold_corpus_weight": self.threshold_corpus_weight,
            "reason_thresholds": self.reason_thresholds,
            "letter_context": self.letter_context and self.letter_context.describe(),
            "empty_reasoning_p": self.empty_reasoning_p,
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
    def load(cls, folder: str | Path) -> ImrClassifier:
        """Load a saved model after checking its hash, package versions and label set."""
        folder = Path(folder)
        meta_path, path = folder / METADATA_FILE, folder / MODEL_FILE
        if not meta_path.is_file() or not path.is_file():
            raise ModelLoadError(f"{folder}: not a model folder (needs {MODEL_FILE} and "
                                 f"{METADATA_FILE}); train one with `make train`")
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ModelLoadError(f"{meta_path}: not valid JSON ({err}); restore the file or "
                                 "retrain") from None
        if not isinstance(metadata, dict):
            raise ModelLoadError(f"{meta_path}: not a model's metadata (a JSON object is "
                                 "expected); restore the file or retrain")
        if sha256_of(path) != metadata.get("sha256"):
            raise ModelLoadError(
                f"{path}: sha256 does not match {METADATA_FILE}; the file was changed or "
                "corrupted after training. Refusing to unpickle it: retrain or restore it.")
        _check_versions(metadata, folder)
        missing = [label for label in REQUIRED_REASONS if label not in metadata.get("reasons", [])]
        if missing:
            raise ModelLoadError(f"{folder}: the model's labels {metadata.get('reasons')} lack "
                                 f"the required {missing}; retrain with the current label set")
        model = joblib.load(path)
        if isinstance(model, bytes):  # saved as pickle bytes (older models: the object)
            model = pickle.loads(model)
        if list(model.reasons) != list(metadata["reasons"]):
            raise ModelLoadError(f"{folder}: {METADATA_FILE} lists the labels "
                                 f"{metadata['reasons']} but the model predicts "
                                 f"{list(model.reasons)}; retrain it")
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
