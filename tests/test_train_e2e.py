"""Train -> save -> load -> predict on a small generated corpus, with MLflow in a temp dir."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import joblib
import mlflow
import numpy as np
import pandas as pd
import pytest

import imr_ml
from imr_ml.corpus.synth import generate
from imr_ml.errors import ModelLoadError
from imr_ml.model.classifier import ImrClassifier
from imr_ml.model.persistence import METADATA_FILE, MODEL_FILE, sha256_of
from imr_ml.scoring import pyfunc
from imr_ml.scoring.scorer import Scorer
from imr_ml.store import load_classifier
from imr_ml.training.config import classifier, load_config
from imr_ml.training.data import load_items
from imr_ml.training.train import train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    generate(90, 3, tmp / "synth")
    cfg = load_config(ROOT / "configs" / "default.yaml", [
        f"data.corpora=[{{path: {tmp / 'synth'}, kind: synthetic}}]",
        f"model.dir={tmp / 'models'}", "splits.cv_folds=2", "data.evaluate=[]",
    ])
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    old = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    try:
        table = train(cfg)
        items, _ = load_items(cfg, weak_labels=False)
        yield {"tmp": tmp, "cfg": cfg, "table": table, "items": items, "uri": uri}
    finally:
        if old is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old


def test_table_has_the_model_and_every_baseline(trained, capsys):
    table = trained["table"]
    assert set(table) == {"model", "baseline:majority", "baseline:rules", "baseline:spacy_textcat"}
    for metrics in table.values():
        for key in ("decision_macro_f1", "reasons_required_micro_f1"):
            assert 0.0 <= metrics[key] <= 1.0


def test_run_logs_params_metrics_artifacts_and_no_letter_text(trained):
    mlflow.set_tracking_uri(trained["uri"])
    runs = mlflow.search_runs(experiment_names=["imr-ml"], output_format="list")
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parent) == 1 and len(runs) == 4  # the run and three nested baselines
    run = parent[0]
    assert run.data.params["models.decision.C"] == "4.0"
    for key in ("holdout_decision_macro_f1", "cv_decision_macro_f1",
                "holdout_reasons_no_indication_f1", "holdout_decision_brier", "train_seconds"):
        assert key in run.data.metrics
    client = mlflow.MlflowClient()
    local = Path(client.download_artifacts(run.info.run_id, "", str(trained["tmp"] / "art")))
    files = {p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()}
    for expected in ("evaluation/confusion_decision.png", "evaluation/pr_reasons.png",
                     "evaluation/classification_report.txt", "features/top_features.csv",
                     "dataset_manifest.json", "config.json"):
        assert expected in files
    logged = " ".join(p.read_text(errors="ignore") for p in local.rglob("*")
                      if p.suffix in {".json", ".txt", ".csv"})
    sentences = [s for r in trained["items"]["rationale"] for s in r.split(". ") if len(s) > 60]
    assert sentences and not any(s in logged for s in sentences[:300])


def test_model_loads_from_folder_and_mlflow_uris_and_predicts_identically(
        trained, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    folder = trained["cfg"].model.dir / "imr-classifier"
    items = trained["items"].head(40)
    local = load_classifier(str(folder)).predict_items(items)
    assert load_classifier(None, pointer=folder.parent / "LATEST").metadata_["sha256"]
    run_id = load_classifier(str(folder)).metadata_["mlflow_run_id"]
    for uri in (f"runs:/{run_id}/model", "models:/imr-classifier@champion"):
        pd.testing.assert_frame_equal(load_classifier(uri).predict_items(items), local)
    assert set(local["decision_pred"]) <= {"upheld", "overturned"}
    assert local["p_overturned"].between(0, 1).all()
    assert not list(temp.glob("imr-ml-model-*")), "downloaded models must not be left behind"


def test_pyfunc_carries_the_package_and_predicts_as_the_model(trained, tmp_path):
    mlflow.set_tracking_uri(trained["uri"])
    model = load_classifier(str(trained["cfg"].model.dir / "imr-classifier"))
    uri = f"runs:/{model.metadata_['mlflow_run_id']}/model"
    items = trained["items"].head(20)[list(pyfunc.ITEM_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(mlflow.pyfunc.load_model(uri).predict(items),
                                  pyfunc.predict(Scorer(model), items))
    assert mlflow.models.get_model_info(uri).metadata == {
        "imr_ml_version": imr_ml.__version__, "model_sha256": model.metadata_["sha256"]}
    local = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path)))
    assert (local / "code" / "imr_ml" / "model" / "classifier.py").is_file()  # loads without imr-ml installed
    pinned = (local / "requirements.txt").read_text()
    assert all(f"{name}==" in pinned for name in ("spacy", "scikit-learn", "pydantic", "pyarrow"))


def test_a_model_saved_as_an_object_still_loads(trained, tmp_path):
    """Models are saved as pickle bytes inside the joblib file; older ones hold the object."""
    copy = tmp_path / "model"
    shutil.copytree(trained["cfg"].model.dir / "imr-classifier", copy)
    saved = load_classifier(str(copy))
    assert isinstance(joblib.load(copy / MODEL_FILE), bytes)
    joblib.dump(saved, copy / MODEL_FILE, compress=3)
    metadata = json.loads((copy / METADATA_FILE).read_text())
    metadata["sha256"] = sha256_of(copy / MODEL_FILE)
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    items = trained["items"].head(40)
    pd.testing.assert_frame_equal(load_classifier(str(copy)).predict_items(items),
                                  saved.predict_items(items))


def test_tampered_model_refuses_to_load(trained, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(trained["cfg"].model.dir / "imr-classifier", copy)
    data = bytearray((copy / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.joblib").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256 does not match"):
        load_classifier(str(copy))


@pytest.mark.parametrize(("edit", "message"), [
    (lambda meta: "{not json", "not valid JSON"),
    (lambda meta: "[1, 2]", "a JSON object is expected"),
    (lambda meta: json.dumps(meta | {"reasons": ["a", "b"]}), "the label set must include"),
    (lambda meta: json.dumps(meta | {"reasons": meta["reasons"][::-1]}), "but the model predicts"),
])
def test_damaged_metadata_or_another_label_set_refuses_to_load(trained, tmp_path, edit, message):
    copy = tmp_path / "model"
    shutil.copytree(trained["cfg"].model.dir / "imr-classifier", copy)
    metadata = json.loads((copy / METADATA_FILE).read_text())
    (copy / METADATA_FILE).write_text(edit(metadata))
    with pytest.raises(ModelLoadError, match=message):
        load_classifier(str(copy))


def test_explanations_add_up_to_the_linear_score(trained):
    model = load_classifier(str(trained["cfg"].model.dir / "imr-classifier"))
    items = trained["items"].head(5)
    for explained, score in zip(model.explain(items), _decision_scores(model, items)):
        parts = explained["decision"]
        assert parts["score"] == pytest.approx(score, abs=1e-6)


def _decision_scores(model, items):
    pipe = model.decision_pipeline_
    features = pipe.named_steps["features"].transform(model.input_table(items))
    linear = model.linear_parts("decision")
    return features @ linear[1] + linear[2]


def test_fit_ignores_duplicate_row_labels(trained):
    items = trained["items"]
    doubled = pd.concat([items, items.assign(letter_id=items["letter_id"] + "_copy")])
    assert doubled.index.duplicated().any()

    model = classifier(trained["cfg"]).fit(doubled)
    assert len(model.predict_items(doubled)) == len(doubled)


def test_corpus_weights_reach_the_fit(trained):

    items = trained["items"]
    assert (items["sample_weight"] == 1.0).all()  # the config's default weight
    plain = classifier(trained["cfg"]).fit(items.drop(columns="sample_weight"))
    unit = classifier(trained["cfg"]).fit(items)
    heavy = classifier(trained["cfg"]).fit(
        items.assign(sample_weight=(items["item_index"] == 0) * 9.0 + 1.0))
    p = [m.predict_proba(items).to_numpy() for m in (plain, unit, heavy)]
    assert (p[0] == p[1]).all()
    assert abs(p[0] - p[2]).max() > 0.01


def test_decision_calibrated_across_style_families(trained):

    cfg = trained["cfg"]  # the default: decision_validation style
    assert cfg.splits.decision_validation == "style"
    items = trained["items"]
    assert items["style_family"].nunique() == 3
    model = classifier(cfg).fit(items)
    assert 0.0 < model.decision_threshold_ < 1.0
    p = model.predict_proba(items)["p_overturned"]
    assert p.between(0, 1).all() and p.nunique() > 10
    part = model.explain(items.head(3), top_k=100_000)[0]["decision"]
    total = sum(c for _, c in part["toward"] + part["against"]) + part["intercept"]
    assert total == pytest.approx(part["score"])


def test_decision_threshold_from_cross_fitted_corpus_letters(trained, monkeypatch):
    """With `threshold_corpus`, each fold of that corpus's letters is predicted by a decision
    model fitted and calibrated without them, and the threshold is the best on those."""
    from imr_ml.model import classifier as model_module

    items = trained["items"].assign(corpus_kind="synthetic")
    items.loc[items["style_family"] == 1, "corpus_kind"] = "real"
    cfg = trained["cfg"].model_copy(update={"splits": trained["cfg"].splits.model_copy(
        update={"threshold_corpus": "real", "threshold_folds": 3,
                "decision_validation": "letter"})})
    fitted_on: list[set[str]] = []
    fit_decision = ImrClassifier._fit_decision

    def spy(self, decision, train, validation, readable):
        fitted_on.append(set(train["letter_id"]) | set(validation["letter_id"]))
        return fit_decision(self, decision, train, validation, readable)

    tuned: list[tuple[np.ndarray, np.ndarray]] = []   # decision thresholds' (y, p)
    best = model_module._best_threshold

    def record(y, p, macro, tolerance):
        if macro:
            tuned.append((y, p))
        return best(y, p, macro, tolerance)

    monkeypatch.setattr(ImrClassifier, "_fit_decision", spy)
    monkeypatch.setattr(model_module, "_best_threshold", record)
    model = classifier(cfg).fit(items)

    real_letters = set(items.loc[items["corpus_kind"] == "real", "letter_id"])
    assert len(fitted_on) == 4 and fitted_on[-1] == set(items["letter_id"])  # final: last
    held = [fitted_on[-1] - seen for seen in fitted_on[:-1]]
    assert all(h and h <= real_letters for h in held)
    assert set().union(*held) == real_letters and sum(map(len, held)) == len(real_letters)
    assert len(tuned) == 1   # the real letters' predictions alone set the threshold
    y, p = tuned[0]
    assert len(y) == (items["corpus_kind"] == "real").sum()
    assert model.decision_threshold_ == best(y, p, True, 0.0)


def test_threshold_corpus_weight_chosen_on_the_cross_fitted_predictions(trained, monkeypatch):
    """Each weight of `threshold_corpus_weights` gets its own cross-fitted predictions (the
    corpus's training items weighted so); the weight whose best threshold scores the best
    macro-F1 is kept, with that threshold, for the final model."""
    from imr_ml.model import classifier as model_module
    from imr_ml.model.metrics import decision_metrics

    items = trained["items"].assign(corpus_kind="synthetic")
    items.loc[items["style_family"] == 1, "corpus_kind"] = "real"
    cfg = trained["cfg"].model_copy(update={"splits": trained["cfg"].splits.model_copy(
        update={"threshold_corpus": "real", "threshold_folds": 3,
                "decision_validation": "letter", "threshold_corpus_weights": [1.0, 8.0]})})
    weights_seen: list[tuple[set[float], set[float]]] = []   # (real, other) training weights
    fit_decision = ImrClassifier._fit_decision

    def spy(self, decision, train, validation, readable):
        real = (train["corpus_kind"] == "real").to_numpy()
        w = model_module._weights(train)
        weights_seen.append((set(w[real]), set(w[~real])))
        return fit_decision(self, decision, train, validation, readable)

    tuned: list[tuple[np.ndarray, np.ndarray, float]] = []
    best = model_module._best_threshold

    def record(y, p, macro, tolerance):
        threshold = best(y, p, macro, tolerance)
        if macro:
            tuned.append((y, p, threshold))
        return threshold

    monkeypatch.setattr(ImrClassifier, "_fit_decision", spy)
    monkeypatch.setattr(model_module, "_best_threshold", record)
    model = classifier(cfg).fit(items)

    assert [real for real, _ in weights_seen] == [{1.0}] * 3 + [{8.0}] * 3 + [
        {model.threshold_corpus_weight_}]
    assert all(other == {1.0} for _, other in weights_seen)
    scores = [decision_metrics(np.where(y, "overturned", "upheld"),
                               np.where(p >= t, "overturned", "upheld"))["macro_f1"]
              for y, p, t in tuned]
    chosen = int(np.argmax(scores))  # the first of equals
    assert model.threshold_corpus_weight_ == [1.0, 8.0][chosen]
    assert model.decision_threshold_ == tuned[chosen][2]


def test_threshold_corpus_weights_need_a_threshold_corpus():
    with pytest.raises(ValueError, match="threshold_corpus_weights"):
        load_config(ROOT / "configs" / "default.yaml",
                    ["splits.threshold_corpus_weights=[1, 4]"])


def test_threshold_corpus_needs_letter_validation():
    with pytest.raises(ValueError, match="threshold_corpus"):
        load_config(ROOT / "configs" / "default.yaml",
                    ["splits.threshold_corpus=real", "splits.decision_validation=style"])


def test_evaluate_command_on_a_model(trained, tmp_path, capsys):
    from imr_ml.cli import main

    out = tmp_path / "metrics.json"
    folder = trained["cfg"].model.dir / "imr-classifier"
    assert main(["evaluate", "--model", str(folder), "--data", str(trained["tmp"] / "synth"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "model:imr-classifier" in printed and "decision_macro_f1" in printed
    import json

    metrics = json.loads(out.read_text())["results"]["model:imr-classifier"]
    assert 0 <= metrics["decision_macro_f1"] <= 1 and metrics["decision_n"] > 0


def test_explain_command_on_letters_and_on_text(trained, tmp_path, capsys):
    import json

    from imr_ml.cli import main

    folder = str(trained["cfg"].model.dir / "imr-classifier")
    letter = str(trained["tmp"] / "synth" / "letters" / "synth_000002.txt")
    assert main(["explain", letter, "--model", folder, "--top-k", "3"]) == 0
    printed = capsys.readouterr().out
    assert "synth_000002 item 0" in printed and "toward overturned" in printed
    out = tmp_path / "explained.jsonl"
    assert main(["explain", "--text", "There is no documentation of functional improvement.",
                 "--model", folder, "--out", str(out)]) == 0
    (record,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert "decision" in record["explanations"]
    assert set(record["explanations"]) - {"decision"} == set(record["reasons_pred"])
    assert main(["explain", "--model", folder]) == 2


def test_selection_run_never_sees_the_test_family(trained, tmp_path, monkeypatch):
    from imr_ml.training import experiments

    config = tmp_path / "tiny.yaml"
    config.write_text(
        f"extends: {ROOT / 'configs' / 'default.yaml'}\n"
        f"data: {{corpora: [{{path: {trained['tmp'] / 'synth'}, kind: synthetic}}]}}\n"
        f"model: {{dir: {tmp_path / 'models'}}}\n")
    seen: list[pd.DataFrame] = []
    real_fit = ImrClassifier.fit

    def spy(self, items):
        seen.append(items)
        return real_fit(self, items)

    monkeypatch.setattr(ImrClassifier, "fit", spy)
    out = tmp_path / "SELECTION.md"
    assert experiments.main(["--select", str(config), "--out", str(out)]) == 0
    assert "tiny [validation]" in out.read_text() and "real" not in out.read_text()
    families = set().union(*(set(items["style_family"]) for items in seen))
    assert families == {0, 1}  # family 2 (the test family) never trained on


def test_letter_context_fitted_on_held_out_predictions_rescores_only_services(trained,
                                                                             monkeypatch):
    """The letter context is fitted on held-out predictions (cross-fitted over the style
    families for all letters, or for the validation letters) and changes P(overturned) of
    associated services only; switched off, there is none."""
    from sklearn.linear_model import LogisticRegression

    from imr_ml.corpus.splits import letter_split
    from imr_ml.model.letter_context import LetterContext, surgery_positions

    items, cfg = trained["items"], trained["cfg"]
    seen: list[set[str]] = []
    fit = LetterContext.fit
    monkeypatch.setattr(LetterContext, "fit", lambda self, part, *a, **k: (
        seen.append(set(part["letter_id"])), fit(self, part, *a, **k))[1])
    assert cfg.splits.decision_validation == "style"
    model = classifier(cfg).fit(items)
    by_letter = cfg.model_copy(update={"splits": cfg.splits.model_copy(
        update={"decision_validation": "letter"})})
    classifier(by_letter).fit(items)
    split = letter_split(items.reset_index(drop=True), cfg.splits.validation_size, cfg.seed)
    assert seen == [set(items["letter_id"]), set(items["letter_id"].iloc[split.test])]

    off = classifier(cfg.model_copy(update={"models": cfg.models.model_copy(
        update={"letter_context": False})})).fit(items)
    assert off.letter_context_ is None
    services = surgery_positions(items) >= 0
    assert services.any() and not services.all()
    model.letter_context_.model_ = LogisticRegression().fit([[-1, -1], [1, 1]], [0, 1])
    model.letter_context_.model_.intercept_[:] = -20.0  # so that it lowers every service
    p, q = (m.predict_proba(items)["p_overturned"].to_numpy() for m in (model, off))
    assert np.array_equal(p[~services], q[~services])
    assert not np.allclose(p[services], q[services])
    marked = ["surgery_item" in part["decision"] for part in model.explain(items, top_k=1)]
    assert marked == services.tolist()


def test_an_item_with_nothing_to_read_gets_the_prior(trained):
    """A rationale with nothing left once its verdict is masked is not evidence either way:
    P(overturned) is the training items' share of overturns, not an intercept artefact."""

    items = trained["items"]
    model = classifier(trained["cfg"]).fit(items)
    prior = (items["decision"] == "overturned").mean()
    assert model.empty_reasoning_p_ == pytest.approx(prior)
    table = pd.DataFrame({"rationale": ["", "Therefore, the request is not medically necessary.",
                                        items["rationale"].iloc[0]],
                          "item_text": ["Lumbar support brace"] * 3})
    p = model.predict_proba(table)["p_overturned"].to_numpy()
    assert p[:2] == pytest.approx([prior, prior])
    assert p[2] != pytest.approx(prior)
    assert model.predict_items(table)["decision_pred"].iloc[0] == (
        "overturned" if prior >= model.decision_threshold_ else "upheld")


def test_reason_thresholds_from_a_corpus_that_no_model_is_fitted_on(trained):
    """With `reason_threshold_corpus`, that corpus's items set each reason's threshold (the
    best F1 on the model's predictions for them) and take no part in any fit."""
    from imr_ml.labels import learns_reasons
    from imr_ml.model.classifier import _best_threshold

    items = trained["items"].assign(corpus_kind="synthetic")
    held = (items["style_family"] == 1).to_numpy()
    items.loc[held, "corpus_kind"] = "real"
    tuned = classifier(trained["cfg"]).set_params(reason_threshold_corpus="real").fit(items)
    plain = classifier(trained["cfg"]).fit(items[~held])
    pd.testing.assert_frame_equal(tuned.predict_proba(items), plain.predict_proba(items))
    tuning = items[held & learns_reasons(items).to_numpy()]
    p = tuned.predict_proba(tuning)
    for label in tuned.reasons:
        truth = np.array([label in reasons for reasons in tuning["reasons"]])
        assert tuned.reason_thresholds_[label] == _best_threshold(
            truth, p[f"p_{label}"].to_numpy(), False, 0.0)
    assert tuned.reason_thresholds_ != plain.reason_thresholds_


def test_an_optional_corpus_that_is_absent_is_left_out(trained, tmp_path, capsys):
    cfg = load_config(ROOT / "configs" / "default.yaml", [
        (f"data.corpora=[{{path: {trained['tmp'] / 'synth'}, kind: synthetic}}, "
        f"{{path: {tmp_path / 'absent'}, kind: real, optional: true}}]")])
    items, _ = load_items(cfg, weak_labels=False)
    assert len(items) == len(trained["items"]) and set(items["corpus_kind"]) == {"synthetic"}
    assert "absent not present: left out" in capsys.readouterr().err
