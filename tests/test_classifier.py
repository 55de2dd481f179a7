"""imr_ml.model.classifier: `ImrClassifier` is a scikit-learn estimator.

Its parameters are stored as given and round-trip through `get_params` / `set_params` /
`clone`; `ImrClassifier()` is the model `configs/default.yaml` describes; a clone fits inside
scikit-learn's own `cross_validate`, folds grouped by letter.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold, cross_validate

from imr_ml.corpus.synth import generate
from imr_ml.labels import DECISIONS, REASONS
from imr_ml.model.classifier import ImrClassifier
from imr_ml.segment.sentences import sentence_bounds
from imr_ml.training.config import classifier, load_config
from imr_ml.training.data import load_items

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.yaml"


@pytest.fixture(scope="module")
def items(tmp_path_factory) -> pd.DataFrame:
    """The items of 60 generated letters, with their phrasing families (as training loads them)."""
    folder = tmp_path_factory.mktemp("corpus") / "synth"
    generate(60, 5, folder)
    cfg = load_config(DEFAULT, [f"data.corpora=[{{path: '{folder}', kind: synthetic}}]"])
    table, _ = load_items(cfg)
    return table


def test_init_stores_its_parameters_and_nothing_else():
    params = inspect.signature(ImrClassifier).parameters
    model = ImrClassifier()
    assert set(vars(model)) == set(params)
    assert all(getattr(model, name) == p.default for name, p in params.items())
    assert model.get_params() == {name: p.default for name, p in params.items()}


def test_the_default_model_is_the_default_config():
    assert classifier(load_config(DEFAULT)).get_params() == ImrClassifier().get_params()


def test_set_params_and_clone():
    model = ImrClassifier().set_params(decision_C=0.5, reason_features=("word",))
    assert model.decision_C == 0.5 and model.reason_features == ("word",)
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    with pytest.raises(ValueError, match="Invalid parameter"):
        model.set_params(no_such_parameter=1)


def test_an_unfitted_model_refuses_to_predict():
    table = pd.DataFrame({"rationale": ["No documentation of improvement."], "item_text": ["PT"]})
    with pytest.raises(NotFittedError):
        ImrClassifier().predict_items(table)


@pytest.mark.parametrize(("params", "message"), [
    ({"reasons": ("other",)}, "the label set must include"),
    ({"decision_features": ("words",)}, "decision_features must list some of"),
    ({"reason_classifier": "forest"}, "reason_classifier must be one of"),
    ({"decision_calibration": "platt"}, "decision_calibration must be one of"),
    ({"decision_validation": "random"}, "decision_validation must be one of"),
    ({"threshold_corpus": "real"}, "threshold_corpus sets the threshold"),
])
def test_fit_refuses_parameters_it_cannot_use(items, params, message):
    with pytest.raises(ValueError, match=message):
        ImrClassifier(**params).fit(items)


def test_a_clone_fits_inside_sklearn_cross_validate(items):
    """Folds grouped by letter; the decision macro-F1 of each fold is scored by sklearn."""
    estimator = ImrClassifier(word_min_df=1, char_min_df=1, item_text_min_df=1)
    with warnings.catch_warnings():  # few items of a class per calibration fold: expected here
        warnings.simplefilter("ignore", UserWarning)
        scores = cross_validate(estimator, items, items["decision"], groups=items["letter_id"],
                                cv=GroupKFold(n_splits=3), scoring="f1_macro",
                                return_estimator=True, error_score="raise")
    assert len(scores["test_score"]) == 3
    assert np.all((scores["test_score"] >= 0) & (scores["test_score"] <= 1))
    for fitted in scores["estimator"]:
        assert fitted is not estimator and not hasattr(estimator, "decision_pipeline_")
        assert 0 < fitted.decision_threshold_ < 1
        assert set(fitted.reason_thresholds_) == set(REASONS)
    assert set(scores["estimator"][0].predict(items.head(20))) <= set(DECISIONS)


def test_evidence_is_a_sentence_of_the_rationale_for_each_predicted_reason(items):
    """The sentence whose words add most to a reason's score; `{}` without reasons or text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = ImrClassifier(word_min_df=1, char_min_df=1, item_text_min_df=1).fit(items)
    table = pd.DataFrame({
        "rationale": [("Guidelines allow ten visits. The patient had twelve visits. There is no "
                      "documentation of objective functional improvement with the prior visits."),
                      "", "No evidence of improvement."],
        "item_text": ["Physical therapy"] * 3})
    reasons = [["no_functional_improvement"], ["no_indication"], []]
    evidence = model.evidence(table, reasons)
    (part,) = evidence[0].values()
    assert part["text"].startswith("There is no documentation of objective functional")
    assert table["rationale"][0][part["start"]:part["end"]] == part["text"]
    assert evidence[1:] == [{}, {}]
    preds = model.predict_items(table, evidence=True)
    assert preds["evidence"].tolist() == model.evidence(table, preds["reasons_pred"].tolist())


def test_sentence_scores_add_up_to_the_word_branch_part_of_the_linear_score(items):
    """What the sentences of a rationale add to a reason's score sums to its word n-grams'
    part of that score (value x coefficient), however often an n-gram occurs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = ImrClassifier(word_min_df=1, char_min_df=1, item_text_min_df=1).fit(items)
    table = items.head(25)
    texts = table["rationale"].fillna("").tolist()
    sentences = [sentence_bounds(text) for text in texts]
    first = np.cumsum([0, *map(len, sentences)])
    features = model._reason_features(model.input_table(table)).tocsr()
    scores = model._sentence_scores(texts, sentences, first, set(model.reasons), features)
    block = model.reason_pipeline_.named_steps["features"].output_indices_["word"]
    for label in model.reasons:
        expected = features[:, block] @ model.linear_parts(label)[1][block]
        per_text = np.add.reduceat(scores[label], first[:-1])
        assert np.allclose(per_text, expected)


def test_evidence_without_word_features_is_the_first_finding(items):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = ImrClassifier(reason_features=("char",), char_min_df=1).fit(items)
    text = "Guidelines recommend a trial. The records lack any trial of it."
    (evidence,) = model.evidence(pd.DataFrame({"rationale": [text], "item_text": [""]}),
                                 [["no_indication"]])
    assert evidence["no_indication"]["text"] == "The records lack any trial of it."
