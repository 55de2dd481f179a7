"""`ImrClassifier`: a scikit-learn estimator predicting each item's decision and denial reasons.

- decision: TF-IDF features of the masked reasoning → calibrated linear classifier, with a
  threshold on P(overturned) tuned for macro-F1 on held-out predictions (validation letters,
  predictions cross-fitted over phrasing groups, or cross-fitted predictions for one corpus's
  letters, `threshold_corpus`), and a surgery's associated services lowered with it
  (`imr_ml.model.letter_context`);
- reasons: TF-IDF features of the rationale → one-vs-rest calibrated linear classifiers,
  trained on upheld items, with per-label thresholds tuned on validation letters.

It reads an items table (`imr_ml.corpus.table`; at least `rationale` and `item_text`, and
`letter_id`, `item_index` for the letter context). `ImrClassifier()` is the default model,
the one `configs/default.yaml` trains; saving and loading are `imr_ml.model.persistence`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from imr_ml.corpus.rules import shared_labeller
from imr_ml.corpus.splits import letter_folds, letter_split, phrasing_folds
from imr_ml.labels import OVERTURNED, REASONS, UPHELD, check_reason_labels, learns_reasons
from imr_ml.model.category import CATEGORY_COLUMNS, CategoryClassifier
from imr_ml.model.features import (
    BRANCHES,
    add_rule_columns,
    build_features,
    reading_columns,
    rule_columns,
    rule_views,
    transform_table,
)
from imr_ml.model.letter_context import LetterContext, surgery_positions
from imr_ml.model.metrics import decision_metrics, f1_from_counts
from imr_ml.model.text import prepare, word_starts
from imr_ml.model.vectorizers import NgramKeys
from imr_ml.segment.roles import sentence_roles
from imr_ml.segment.sentences import sentence_bounds

INPUT_COLUMNS = ("rationale", "item_text")
CLASSIFIERS = ("logistic_regression", "linear_svc")
CALIBRATIONS = ("sigmoid", "isotonic")
DECISION_VALIDATIONS = ("letter", "style")
TEXT_BRANCHES = ("word", "char", "item_text")  # vectorizer settings (role_word takes word's)


def check_threshold_source(decision_validation: str, threshold_corpus: str | None,
                           threshold_corpus_weights: Sequence[float]) -> None:
    """Refuse settings that give the decision threshold two sources (ValueError)."""
    if threshold_corpus and decision_validation == "style":
        raise ValueError("threshold_corpus sets the threshold of decision_validation: "
                         "letter; with decision_validation: style, leave it unset")
    if threshold_corpus_weights and not threshold_corpus:
        raise ValueError("threshold_corpus_weights are chosen on the threshold_corpus's "
                         "letters: set threshold_corpus too")
    if any(w <= 0 for w in threshold_corpus_weights):
        raise ValueError("threshold_corpus_weights must be positive")


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
    return float(np.average(items["decision"] == OVERTURNED, weights=_weights(items)))


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


def _occurrence_shares(features: Any, block: slice, rows: np.ndarray,
                       columns: np.ndarray) -> np.ndarray:
    """Each occurrence's share of its feature's value: ``features[row, block.start +
    column]`` divided by the number of occurrences of that (row, column). Found by binary
    search in the block's sorted CSR entries, cheaper than sparse fancy indexing and a sort."""
    matrix = features.tocsr()[:, block]
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    width = np.int64(matrix.shape[1])
    entries = np.repeat(np.arange(matrix.shape[0], dtype=np.int64),
                        np.diff(matrix.indptr)) * width + matrix.indices
    wanted = rows * width + columns
    at = np.minimum(np.searchsorted(entries, wanted), max(len(entries) - 1, 0))
    found = entries[at] == wanted if len(entries) else np.zeros(len(wanted), dtype=bool)
    at = at[found]
    shares = np.zeros(len(wanted))
    shares[found] = matrix.data[at] / np.bincount(at, minlength=len(entries))[at]
    return shares


def _finding(text: str) -> int:
    """The index of the text's first finding sentence (0 where there is none)."""
    roles = [role for _, _, role in sentence_roles(text)]
    return roles.index("finding") if "finding" in roles else 0


class ImrClassifier(BaseEstimator):
    """Predicts each item's decision and denial reasons from its rationale and item text.

    Parameters
    ----------
    reasons : sequence of str
        The reason labels, the required three among them (`imr_ml.labels`).
    decision_features, reason_features : sequence of str
        The feature branches each model reads (`imr_ml.model.features.BRANCHES`): `word`,
        `role_word`, `char`, `item_text`, `rules`, `finding_rules`.
    mask_verdicts : bool
        The decision model reads the rationale with its verdict clauses masked.
    negation : bool
        Word n-grams mark the words in a negation's scope (`NOT_documentation`).
    rule_scale : float
        Weight of the rule-match counts beside the TF-IDF values.
    word_ngram_range, word_min_df, word_max_features, char_ngram_range, char_min_df, \
    char_max_features, item_text_ngram_range, item_text_min_df, item_text_max_features
        The TF-IDF vectorizers of the text branches.
    decision_classifier, reason_classifier : {"logistic_regression", "linear_svc"}
    decision_C, reason_C : float
        Inverse regularisation strength.
    decision_class_weight, reason_class_weight : "balanced" or None
    decision_calibration, reason_calibration : {"sigmoid", "isotonic"} or None
    tune_decision_threshold, tune_reason_thresholds : bool
        Tune the thresholds for (macro-)F1 on held-out predictions, else 0.5.
    decision_threshold_tolerance, reason_threshold_tolerance : float
        A tuned threshold is the lowest whose F1 is within this of the best (the reasons':
        0.01, as probabilities on unseen real text sit nearer the middle than on the
        validation letters).
    letter_context : bool
        Lower a surgery's associated services' P(overturned) with the surgery's.
    validation_size : float
        Share of the training letters held out to calibrate and set thresholds.
    decision_validation : {"letter", "style"}
        Where the decision model's calibration, letter context and threshold come from:
        the validation letters, or predictions cross-fitted over phrasing groups (the
        `style_family` column where known, else letter folds).
    threshold_corpus : str or None
        A `corpus_kind` whose letters set the decision threshold (with "letter"): each of
        `threshold_folds` letter folds predicted by a model fitted without it.
    threshold_folds : int
    threshold_corpus_weights : sequence of float
        Sample weights of the threshold corpus's items to choose from, on those predictions.
    reason_threshold_corpus : str or None
        A `corpus_kind` whose items set the reason thresholds (each label's best F1 on the
        model's predictions for them) and take no part in any fit. Unset, or no such items:
        the validation letters set them.
    category_C : float
        Inverse regularisation strength of the category model (`imr_ml.model.category`),
        fitted on the items that have a `category` label.
    random_state : int
        Seed of the validation split (and of LinearSVC).

    Attributes
    ----------
    decision_pipeline_, reason_pipeline_ : Pipeline
        Features and (calibrated) classifiers.
    decision_threshold_ : float
    reason_thresholds_ : dict of str to float
    letter_context_ : LetterContext or None
    empty_reasoning_p_ : float
        P(overturned) of an item with nothing to read (no word left once masked, or no
        feature the model knows): the training prior.
    threshold_corpus_weight_ : float or None
        The threshold corpus's chosen sample weight, where `threshold_corpus_weights` are set.
    category_model_ : CategoryClassifier or None
        Category and drug class of each item (None where no training item had a category).
    metadata_ : dict
        What `imr_ml.model.persistence.load` read beside the model (empty when fitted here).
    """

    def __init__(
        self,
        reasons: Sequence[str] = REASONS,
        *,
        decision_features: Sequence[str] = ("word", "char", "rules"),
        reason_features: Sequence[str] = ("word", "char", "item_text", "rules"),
        mask_verdicts: bool = True,
        negation: bool = True,
        rule_scale: float = 1.0,
        word_ngram_range: tuple[int, int] = (1, 2),
        word_min_df: int = 2,
        word_max_features: int | None = 60_000,
        char_ngram_range: tuple[int, int] = (3, 5),
        char_min_df: int = 3,
        char_max_features: int | None = 80_000,
        item_text_ngram_range: tuple[int, int] = (1, 2),
        item_text_min_df: int = 2,
        item_text_max_features: int | None = 5_000,
        decision_classifier: str = "logistic_regression",
        decision_C: float = 4.0,
        decision_class_weight: str | None = "balanced",
        decision_calibration: str | None = "sigmoid",
        tune_decision_threshold: bool = True,
        decision_threshold_tolerance: float = 0.0,
        reason_classifier: str = "logistic_regression",
        reason_C: float = 4.0,
        reason_class_weight: str | None = "balanced",
        reason_calibration: str | None = "sigmoid",
        tune_reason_thresholds: bool = True,
        reason_threshold_tolerance: float = 0.01,
        letter_context: bool = True,
        validation_size: float = 0.2,
        decision_validation: str = "style",
        threshold_corpus: str | None = None,
        threshold_folds: int = 5,
        threshold_corpus_weights: Sequence[float] = (),
        reason_threshold_corpus: str | None = None,
        category_C: float = 4.0,
        random_state: int = 0,
    ) -> None:
        self.reasons = reasons
        self.decision_features = decision_features
        self.reason_features = reason_features
        self.mask_verdicts = mask_verdicts
        self.negation = negation
        self.rule_scale = rule_scale
        self.word_ngram_range = word_ngram_range
        self.word_min_df = word_min_df
        self.word_max_features = word_max_features
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.item_text_ngram_range = item_text_ngram_range
        self.item_text_min_df = item_text_min_df
        self.item_text_max_features = item_text_max_features
        self.decision_classifier = decision_classifier
        self.decision_C = decision_C
        self.decision_class_weight = decision_class_weight
        self.decision_calibration = decision_calibration
        self.tune_decision_threshold = tune_decision_threshold
        self.decision_threshold_tolerance = decision_threshold_tolerance
        self.reason_classifier = reason_classifier
        self.reason_C = reason_C
        self.reason_class_weight = reason_class_weight
        self.reason_calibration = reason_calibration
        self.tune_reason_thresholds = tune_reason_thresholds
        self.reason_threshold_tolerance = reason_threshold_tolerance
        self.letter_context = letter_context
        self.validation_size = validation_size
        self.decision_validation = decision_validation
        self.threshold_corpus = threshold_corpus
        self.threshold_folds = threshold_folds
        self.threshold_corpus_weights = threshold_corpus_weights
        self.reason_threshold_corpus = reason_threshold_corpus
        self.category_C = category_C
        self.random_state = random_state

    # ---- building ---------------------------------------------------------------------
    def _check_params(self) -> None:
        """ValueError for a parameter no fit can use."""
        check_reason_labels(list(self.reasons))
        for name in ("decision_features", "reason_features"):
            branches = list(getattr(self, name))
            if not branches or not set(branches) <= set(BRANCHES):
                raise ValueError(f"{name} must list some of {BRANCHES}, not {branches}")
        for kind in ("decision", "reason"):
            if getattr(self, f"{kind}_classifier") not in CLASSIFIERS:
                raise ValueError(f"{kind}_classifier must be one of {CLASSIFIERS}")
            if getattr(self, f"{kind}_calibration") not in (*CALIBRATIONS, None):
                raise ValueError(f"{kind}_calibration must be one of {CALIBRATIONS} or None")
        if self.decision_validation not in DECISION_VALIDATIONS:
            raise ValueError(f"decision_validation must be one of {DECISION_VALIDATIONS}")
        check_threshold_source(self.decision_validation, self.threshold_corpus,
                               self.threshold_corpus_weights)

    def _linear_model(self, kind: str) -> Any:
        """The unfitted linear classifier of the `decision` or `reason` model."""
        C, class_weight = getattr(self, f"{kind}_C"), getattr(self, f"{kind}_class_weight")
        if getattr(self, f"{kind}_classifier") == "linear_svc":
            estimator = LinearSVC(C=C, class_weight=class_weight, random_state=self.random_state)
        else:
            estimator = LogisticRegression(C=C, class_weight=class_weight, solver="liblinear")
        return estimator.set_fit_request(sample_weight=True)

    def _features(self, branches: Sequence[str], mask: bool) -> Any:
        vectorizers = {name: {setting: getattr(self, f"{name}_{setting}")
                              for setting in ("ngram_range", "min_df", "max_features")}
                       for name in TEXT_BRANCHES}
        return build_features(branches, list(self.reasons), mask=mask, negation=self.negation,
                              rule_scale=self.rule_scale, vectorizers=vectorizers)

    def _pipelines(self) -> tuple[Pipeline, Pipeline]:
        decision = Pipeline([
            ("features", self._features(self.decision_features, self.mask_verdicts)),
            ("clf", self._linear_model("decision")),
        ])
        reasons = Pipeline([
            ("features", self._features(self.reason_features, False)),
            ("clf", OneVsRestClassifier(self._linear_model("reason"))),
        ])
        return decision, reasons

    def rule_views(self) -> list[str]:
        """The rule-count views the features read (`imr_ml.model.features.RULE_VIEWS`)."""
        return list(dict.fromkeys(rule_views(self.decision_features, self.mask_verdicts)
                                  + rule_views(self.reason_features, False)))

    def warm_up(self) -> None:
        """Build the rule labeller now (≈2 s), e.g. before forking worker processes, which
        then inherit it instead of each building their own."""
        if self.rule_views():
            shared_labeller(tuple(self.reasons))

    def input_table(self, items: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns: texts, and rule counts when the features use them."""
        columns = list(INPUT_COLUMNS)
        if views := self.rule_views():
            labels = list(self.reasons)
            items = add_rule_columns(items, labels, views)
            columns += [c for view in views for c in rule_columns(labels, view)]
        out = items[columns].copy()
        out[list(INPUT_COLUMNS)] = out[list(INPUT_COLUMNS)].fillna("")
        return out

    def _binarizer(self) -> MultiLabelBinarizer:
        return MultiLabelBinarizer(classes=list(self.reasons)).fit([list(self.reasons)])

    # ---- training ---------------------------------------------------------------------
    def fit(self, items: pd.DataFrame, y: None = None) -> ImrClassifier:
        """Fit on an items table with labels (`decision`, `reasons`, `reasons_source`).

        The reasons model is fitted on most of its letters; the rest (validation letters,
        `validation_size`) calibrate its probabilities and tune its thresholds. The decision
        model does the same, or with `decision_validation="style"` is calibrated and
        thresholded on predictions for phrasing it was not fitted on; with
        `threshold_corpus`, its threshold comes from cross-fitted predictions for the
        letters of that corpus. `y` is unused: the labels are columns of `items`.
        """
        self._check_params()
        labels = list(self.reasons)
        held = self._reason_threshold_rows(items)  # set the reason thresholds, fit nothing
        tuning = items[held]
        items = items[~held].reset_index(drop=True)  # row labels are positions from here on
        # whether each item has words left once masked, computed once for all the fits below
        readable = pd.Series(self._readable(items), index=items.index)
        split = letter_split(items, self.validation_size, self.random_state)
        train, validation = items.iloc[split.train], items.iloc[split.test]
        upheld = train[learns_reasons(train)]
        self.letter_context_ = None
        self.threshold_corpus_weight_ = None
        self.reason_thresholds_ = dict.fromkeys(labels, 0.5)
        self.metadata_ = {}
        with sklearn.config_context(enable_metadata_routing=True):  # sample weights to `clf`
            decision, reasons = self._pipelines()
            if self.decision_validation == "style":
                self.decision_threshold_ = self._cross_fit_decision(decision, items, readable)
            else:
                target = self._threshold_items(items)
                cross_fit = self.tune_decision_threshold and target["letter_id"].nunique() > 1
                if cross_fit:
                    weight, self.decision_threshold_ = self._cross_fitted_weight_and_threshold(
                        target, train, validation, readable)
                    train, validation = (_reweighted(part, target, weight)
                                         for part in (train, validation))
                    self.threshold_corpus_weight_ = weight
                y_val, p, self.letter_context_ = self._fit_decision(decision, train, validation,
                                                                    readable)
                if not self.tune_decision_threshold:
                    self.decision_threshold_ = 0.5
                elif not cross_fit:
                    self.decision_threshold_ = _best_threshold(
                        y_val, p, True, self.decision_threshold_tolerance)
            reasons.fit(self.input_table(upheld), self._binarizer().transform(upheld["reasons"]),
                        sample_weight=_weights(upheld))

        val_upheld = validation[learns_reasons(validation)]
        X = self.input_table(val_upheld)
        features = reasons.named_steps["features"].transform(X)
        truth = self._binarizer().transform(val_upheld["reasons"])
        ovr = reasons.named_steps["clf"]
        ovr.estimators_ = [_calibrated(est, self.reason_calibration, features, truth[:, k])
                           for k, est in enumerate(ovr.estimators_)]
        self.decision_pipeline_, self.reason_pipeline_ = decision, reasons

        self.category_model_ = self._fit_categories(items)
        if self.tune_reason_thresholds:
            tuning = tuning[learns_reasons(tuning)]
            if not tuning.empty:
                X, truth = self.input_table(tuning), self._binarizer().transform(tuning["reasons"])
            p = self._reason_proba(self._reason_features(X))
            for k, label in enumerate(labels):
                self.reason_thresholds_[label] = _best_threshold(
                    truth[:, k].astype(bool), p[f"p_{label}"], False,
                    self.reason_threshold_tolerance)
        return self

    def _fit_categories(self, items: pd.DataFrame) -> CategoryClassifier | None:
        """The category model, fitted on the items with a category label (None: none has)."""
        if "category" not in items:
            return None
        labelled = items[items["category"].notna()]
        if labelled.empty:
            return None
        return CategoryClassifier(C=self.category_C).fit(
            labelled["item_text"].tolist(), labelled["category"].tolist(),
            labelled["drug_class"].tolist() if "drug_class" in labelled else
            [None] * len(labelled))

    def _reason_threshold_rows(self, items: pd.DataFrame) -> np.ndarray:
        """Which items are of `reason_threshold_corpus` (none where unset)."""
        if self.reason_threshold_corpus is None or "corpus_kind" not in items:
            return np.zeros(len(items), dtype=bool)
        return (items["corpus_kind"] == self.reason_threshold_corpus).to_numpy()

    def _fit_decision(self, decision: Pipeline, train: pd.DataFrame, validation: pd.DataFrame,
                      readable: pd.Series
                      ) -> tuple[np.ndarray, np.ndarray, LetterContext | None]:
        """Fit the decision pipeline on `train`, calibrate it and fit the letter context on
        the validation letters; returns their truth (overturned), their P(overturned) and the
        letter context. Items with nothing to read (`readable`, by row label) take no part in
        the fit or the calibration; they get the prior of the training items."""
        self.empty_reasoning_p_ = _prior(train)
        fitted = train[readable[train.index].to_numpy()]
        decision.fit(self.input_table(fitted), fitted["decision"] == OVERTURNED,
                     sample_weight=_weights(fitted))
        calibration = validation[readable[validation.index].to_numpy()]
        decision.steps[-1] = ("clf", _calibrated(
            decision.named_steps["clf"], self.decision_calibration,
            decision.named_steps["features"].transform(self.input_table(calibration)),
            (calibration["decision"] == OVERTURNED).to_numpy()))
        y = (validation["decision"] == OVERTURNED).to_numpy()
        p = self._own_proba(decision, self.input_table(validation),
                            readable[validation.index].to_numpy())
        return y, *self._with_context(validation, p, y)

    def _readable(self, items: pd.DataFrame) -> np.ndarray:
        """Whether each item's rationale has any word left for the decision model (with the
        verdict masked, an associated service's often has none)."""
        texts = prepare(items["rationale"].fillna("").tolist(), mask=self.mask_verdicts,
                        negation=self.negation)
        return np.array([bool(text.strip()) for text in texts], dtype=bool)

    def _own_proba(self, decision: Pipeline, X: pd.DataFrame,
                   readable: np.ndarray) -> np.ndarray:
        """The decision pipeline's P(overturned) for an input table (`input_table`); the prior
        for items with nothing to read: no word left once masked (`readable`), or no feature
        the model knows (only words it never saw and punctuation, no rule match)."""
        branches = decision.named_steps["features"]
        features = transform_table(branches, X)
        known = readable & (features @ reading_columns(branches) > 0)  # features are >= 0
        return np.where(known, _proba(decision.named_steps["clf"], features),
                        self.empty_reasoning_p_)

    def _with_context(self, items: pd.DataFrame, p: np.ndarray, y: np.ndarray
                      ) -> tuple[np.ndarray, LetterContext | None]:
        """The letter context fitted on held-out predictions `p` for `items` (None where not
        asked for), and `p` re-scored by it."""
        if not self.letter_context:
            return p, None
        context = LetterContext().fit(items, p, y, _weights(items))
        return context.apply(items, p), context

    def _threshold_items(self, items: pd.DataFrame) -> pd.DataFrame:
        """The items of `threshold_corpus` (none where unset)."""
        if self.threshold_corpus is None or "corpus_kind" not in items:
            return items.iloc[:0]
        return items[items["corpus_kind"] == self.threshold_corpus]

    def _cross_fitted_weight_and_threshold(
            self, target: pd.DataFrame, train: pd.DataFrame, validation: pd.DataFrame,
            readable: pd.Series) -> tuple[float | None, float]:
        """The `target` letters' weight and the decision threshold, from cross-fitted
        predictions for them: each letter fold is predicted by a decision pipeline fitted and
        calibrated as the final one is, without that fold's letters. For each weight of
        `threshold_corpus_weights` (or once, with the weights as they are: None), the
        threshold is the one with the best macro-F1; the weight is the one whose threshold
        scores best."""
        n_folds = min(self.threshold_folds, target["letter_id"].nunique())
        folds = letter_folds(target, n_folds)
        y = (target["decision"] == OVERTURNED).to_numpy()
        labels = np.where(y, OVERTURNED, UPHELD)
        best: tuple[float, float | None, float] | None = None
        for weight in list(self.threshold_corpus_weights) or [None]:
            p = np.empty(len(target))
            for fold in folds:
                held = set(target["letter_id"].iloc[fold.test])
                decision = self._pipelines()[0]
                *_, context = self._fit_decision(
                    decision, *(_reweighted(part[~part["letter_id"].isin(held)], target, weight)
                                for part in (train, validation)), readable)
                held_out = target.iloc[fold.test]
                p[fold.test] = _contextual(context, held_out, self._own_proba(
                    decision, self.input_table(held_out), readable[held_out.index].to_numpy()))
            threshold = _best_threshold(y, p, True, self.decision_threshold_tolerance)
            score = decision_metrics(labels, np.where(p >= threshold, OVERTURNED,
                                                      UPHELD))["macro_f1"]
            if best is None or score > best[0]:
                best = (score, weight, threshold)
        return best[1], best[2]

    def _cross_fit_decision(self, decision: Pipeline, items: pd.DataFrame,
                            readable: pd.Series) -> float:
        """Fit the decision pipeline on all `items`, its classifier calibrated on cross-fitted
        scores (each phrasing group scored by a classifier fitted on the others: sklearn's
        `CalibratedClassifierCV(ensemble=False)`); returns the threshold with the best
        macro-F1 on those calibrated scores (0.5 without threshold tuning). Items with nothing
        to read (`readable`) take no part; they get the prior of all items.

        TF-IDF vocabularies are fitted once on all items: a word only one group uses gets
        no weight from the classifiers that do not see that group, so little leaks.
        """
        self.empty_reasoning_p_ = _prior(items)
        readable = readable.to_numpy()
        fitted = items[readable]
        X, w = self.input_table(fitted), _weights(fitted)
        y = (fitted["decision"] == OVERTURNED).to_numpy()
        folds = _two_class_folds(fitted, y)
        linear = decision.named_steps["clf"]
        decision.set_params(clf=CalibratedClassifierCV(
            linear, method=self.decision_calibration or "sigmoid", cv=folds, ensemble=False,
        ).set_fit_request(sample_weight=True))
        decision.fit(X, y, sample_weight=w)
        scores = cross_val_predict(clone(linear), decision.named_steps["features"].transform(X),
                                   y, cv=folds, method="decision_function",
                                   params={"sample_weight": w})
        calibrator = decision.named_steps["clf"].calibrated_classifiers_[0].calibrators[0]
        p = np.full(len(items), self.empty_reasoning_p_)
        p[readable] = calibrator.predict(scores)
        y = (items["decision"] == OVERTURNED).to_numpy()
        p, self.letter_context_ = self._with_context(items, p, y)
        if not self.tune_decision_threshold:
            return 0.5
        return _best_threshold(y, p, True, self.decision_threshold_tolerance)

    # ---- prediction -------------------------------------------------------------------
    def _reason_features(self, X: pd.DataFrame) -> Any:
        """The reasons model's feature matrix of an input table (`input_table`)."""
        return transform_table(self.reason_pipeline_.named_steps["features"], X)

    def _reason_proba(self, features: Any) -> dict[str, np.ndarray]:
        """P(reason) of each label, from the reasons model's feature matrix."""
        estimators = self.reason_pipeline_.named_steps["clf"].estimators_
        return {f"p_{label}": _proba(estimator, features)
                for label, estimator in zip(self.reasons, estimators)}

    def _predict(self, items: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
        """`predict_proba`'s table, and the reasons model's feature matrix behind it."""
        check_is_fitted(self, "decision_pipeline_")
        X = self.input_table(items)
        p = self._own_proba(self.decision_pipeline_, X, self._readable(items))
        features = self._reason_features(X)
        return pd.DataFrame({"p_overturned": _contextual(self.letter_context_, items, p),
                             **self._reason_proba(features)}, index=items.index), features

    def predict_proba(self, items: pd.DataFrame) -> pd.DataFrame:
        """P(overturned) and P(reason) for each item, as columns `p_overturned`, `p_<reason>`."""
        return self._predict(items)[0]

    def predict(self, items: pd.DataFrame) -> np.ndarray:
        """The predicted decision of each item (`upheld` or `overturned`)."""
        return self.predict_items(items)["decision_pred"].to_numpy()

    def predict_items(self, items: pd.DataFrame, evidence: bool = False) -> pd.DataFrame:
        """Prediction columns for an items table (needs `rationale` and `item_text`).

        `reasons_pred` lists the reasons of items that are upheld, by the letter's stated
        decision where the table has one, else by the predicted decision. With `evidence`, a
        column `evidence`: the sentence behind each predicted reason (`evidence`).
        """
        p, features = self._predict(items)
        out = pd.DataFrame(index=items.index)
        out["decision_pred"] = np.where(p["p_overturned"] >= self.decision_threshold_,
                                        OVERTURNED, UPHELD)
        out["p_overturned"] = p["p_overturned"]
        stated = items.get("decision_stated")
        if stated is not None:
            out["decision_agrees"] = [None if pd.isna(s) else s == d
                                      for s, d in zip(stated, out["decision_pred"])]
            basis = stated.where(stated.notna(), out["decision_pred"])
        else:
            out["decision_agrees"] = None
            basis = out["decision_pred"]
        upheld = (basis == UPHELD).to_numpy()
        chosen = {label: (p[f"p_{label}"] >= t).to_numpy() & upheld
                  for label, t in self.reason_thresholds_.items()}
        out["reasons_pred"] = [[label for label in self.reasons if chosen[label][i]]
                               for i in range(len(items))]
        for label in self.reasons:
            out[f"p_{label}"] = p[f"p_{label}"]
        if evidence:
            out["evidence"] = self._evidence(items, out["reasons_pred"].tolist(), features)
        categories = getattr(self, "category_model_", None)  # None: saved before categories
        table = (categories.predict_table(items["item_text"].tolist()) if categories is not None
                 else pd.DataFrame(None, index=range(len(items)), columns=CATEGORY_COLUMNS))
        for column in CATEGORY_COLUMNS:  # object columns: missing values stay None
            out[column] = pd.Series(table[column].to_numpy(), index=out.index,
                                    dtype=float if column == "p_category" else object)
        return out

    # ---- explanations -----------------------------------------------------------------
    def evidence(self, items: pd.DataFrame,
                 reasons_pred: Sequence[Sequence[str]]) -> list[dict[str, dict[str, Any]]]:
        """For each item and each of its predicted reasons, the sentence of its rationale
        behind the reason: the one whose word n-grams add most to the reason's linear score
        (TF-IDF value × coefficient, an n-gram's part shared evenly by its occurrences and
        placed in the sentence of its first word). Where no sentence adds anything, the first
        finding sentence (`imr_ml.segment.roles`), else the first sentence. As
        ``{reason: {"text", "start", "end"}}``, offsets into the rationale; an item without
        predicted reasons, or with a blank rationale, gets ``{}``."""
        check_is_fitted(self, "reason_pipeline_")
        return self._evidence(items, reasons_pred,
                              self._reason_features(self.input_table(items)))

    def _evidence(self, items: pd.DataFrame, reasons_pred: Sequence[Sequence[str]],
                  features: Any) -> list[dict[str, dict[str, Any]]]:
        """`evidence`, given the items' reason feature matrix."""
        rationales = items["rationale"].fillna("").astype(str).tolist()
        wanted = [i for i, reasons in enumerate(reasons_pred) if reasons]
        texts = [rationales[i] for i in wanted]
        sentences = [sentence_bounds(text) for text in texts]
        first = np.cumsum([0, *map(len, sentences)])  # each text's first sentence, overall
        labels = {label for i in wanted for label in reasons_pred[i]}
        scores = self._sentence_scores(texts, sentences, first, labels,
                                       features[np.asarray(wanted, dtype=np.int64)])
        out: list[dict[str, dict[str, Any]]] = [{} for _ in rationales]
        for k, i in enumerate(wanted):
            if not sentences[k]:
                continue
            for label in reasons_pred[i]:
                score = scores[label][first[k]:first[k + 1]]
                best = int(np.argmax(score)) if score.max() > 0 else _finding(texts[k])
                start, end = sentences[k][best]
                out[i][label] = {"text": texts[k][start:end], "start": start, "end": end}
        return out

    def _sentence_scores(self, texts: list[str], sentences: list[list[tuple[int, int]]],
                         first: np.ndarray, labels: set[str],
                         features: Any) -> dict[str, np.ndarray]:
        """For each label, what each sentence of the texts (numbered across them, `first`
        their first) adds to its linear score through the word n-gram branch (zeros where
        the model reads no word n-grams, or their vocabulary does not fit `NgramKeys`).
        `features`: the texts' rows of the reasons model's feature matrix."""
        scores = {label: np.zeros(first[-1]) for label in labels}
        features_of = self.reason_pipeline_.named_steps["features"]
        branch = next((b for b in ("role_word", "word")
                       if b in features_of.named_transformers_), None)
        if branch is None or not texts:
            return scores
        pipe = features_of.named_transformers_[branch]
        tfidf = pipe.named_steps["tfidf"]
        keys = getattr(tfidf, "ngram_keys_", None) or NgramKeys(tfidf.vocabulary_)
        if not keys.fits:
            return scores
        prepared = [text.split() for text in pipe.named_steps["prepare"].transform(texts)]
        rows, columns, starts = keys.find([w for words in prepared for w in words],
                                          [len(words) for words in prepared])
        # each occurrence's sentence, numbered across the texts: by its first word's offset
        shift = np.cumsum([0, *(len(text) + 1 for text in texts)])
        at = np.concatenate([np.asarray(word_starts(text), dtype=np.int64) + shift[k]
                             for k, text in enumerate(texts)])[starts]
        sentence_starts = np.concatenate([[start + shift[k] for start, _ in bounds]
                                          for k, bounds in enumerate(sentences)])
        sentence = np.maximum(np.searchsorted(sentence_starts, at, side="right") - 1, 0)
        block = features_of.output_indices_[branch]
        share = _occurrence_shares(features, block, rows, columns)
        for label in labels:
            coef = self.linear_parts(label)[1][block]
            scores[label] = np.bincount(sentence, weights=share * coef[columns],
                                        minlength=first[-1])
        return scores

    def linear_parts(self, target: str) -> tuple[Any, np.ndarray, float]:
        """(feature transformer, coefficients, intercept) of one target's linear model:
        `decision` or a reason label."""
        check_is_fitted(self, "decision_pipeline_")
        if target == "decision":
            pipe = self.decision_pipeline_
            estimator = pipe.named_steps["clf"]
        else:
            pipe = self.reason_pipeline_
            estimator = pipe.named_steps["clf"].estimators_[list(self.reasons).index(target)]
        linear = _linear(estimator)
        return pipe.named_steps["features"], linear.coef_.ravel(), float(linear.intercept_[0])

    def feature_names(self, target: str = "decision") -> np.ndarray:
        features, _, _ = self.linear_parts(target)
        return features.get_feature_names_out()

    def explain(self, items: pd.DataFrame, top_k: int = 10) -> list[dict[str, Any]]:
        """Per item and target: the features (value × coefficient) pushing for and against.

        Targets are the decision (positive = towards overturned) and each reason; each entry
        also gives the intercept and the linear score, which the contributions sum to. An
        associated service whose P(overturned) the letter context may lower with its
        surgery's has the surgery's `item_index` as the decision's `surgery_item`.
        """
        X = self.input_table(items)
        out: list[dict[str, Any]] = [{} for _ in range(len(items))]
        transformed: dict[int, tuple[np.ndarray, Any]] = {}  # the reasons share one transform
        for target in ["decision", *self.reasons]:
            features, coef, intercept = self.linear_parts(target)
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
        if self.letter_context_ is not None and self.letter_context_.model_ is not None:
            for i, k in enumerate(surgery_positions(items)):
                if k >= 0:
                    out[i]["decision"]["surgery_item"] = int(items["item_index"].iloc[k])
        return out
