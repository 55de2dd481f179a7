"""One training run: load corpora, evaluate honestly, fit the final model, log it to MLflow.

Evaluation, all split by letter:
- holdout: the style-holdout test of the synthetic corpus (or random test letters), scored
  for the model and every baseline (baselines as nested runs);
- cv: letter-grouped cross-validation of the training letters;
- real_cv: for configs with real corpora, letter-grouped CV over the real letters (each
  fold's model is trained on the synthetic corpus and the other real folds), so no real
  letter is scored by a model that saw it.
Thresholds are tuned on validation letters inside the training side only.
The saved model is then fitted on all letters. No letter text is logged: counts, metrics,
hashes and feature names only.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor
from mlflow.exceptions import MlflowException
from sklearn.base import clone

from imr_ml.corpus.splits import Split, letter_folds
from imr_ml.errors import TrackingError
from imr_ml.model import persistence
from imr_ml.model.classifier import ImrClassifier
from imr_ml.model.features import add_rule_columns
from imr_ml.model.metrics import comparison_table, mean_metrics, score
from imr_ml.paths import from_root
from imr_ml.store import mlflow_store, remember_latest
from imr_ml.training import tracking
from imr_ml.training.baselines import BASELINES
from imr_ml.training.config import Config, classifier
from imr_ml.training.data import (
    evaluation_parts,
    holdout_split,
    load_corpora,
    load_items,
    manifest,
)

PARALLEL_FITS = 2  # models fitted at a time: one per core of the 2-core machines targeted


def log(message: str) -> None:
    print(f"[imr-ml train {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def score_corpus(model: ImrClassifier, cfg: Config, path: Path,
                 trained: Iterable[str]) -> dict[str, dict[str, float]]:
    """Metrics of a fitted model on a labelled corpus, leaving out the letters it was
    trained on: by part (`training.data.evaluation_parts`)."""
    items, _ = load_corpora(cfg, [path])
    preds = model.predict_items(items)
    return {name: score(part, preds.loc[part.index], list(cfg.labels.reasons))
            for name, part in evaluation_parts(items, trained).items()}


def _predictions(estimator: Any, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """A clone of `estimator` fitted on `train`: its predictions for `test`."""
    return clone(estimator).fit(train).predict_items(test)


def _fit_many(jobs: list[tuple[Any, pd.DataFrame, pd.DataFrame]]) -> list[pd.DataFrame]:
    """The predictions of each (estimator, train, test) job's model, fitted afresh,
    `PARALLEL_FITS` at a time in worker processes (in this process when there is one job).

    The workers are stopped afterwards, so each call starts fresh ones: loky replaces a worker
    whose memory has grown by 300 MB since its first job (a small baseline's, say), with a
    warning when jobs are waiting, and idle workers would keep what their fits left.
    """
    n_jobs = min(PARALLEL_FITS, len(jobs))
    try:
        return Parallel(n_jobs=n_jobs)(
            delayed(_predictions)(estimator, train, test) for estimator, train, test in jobs)
    finally:
        if n_jobs > 1:
            get_reusable_executor().shutdown(wait=True)


def cross_validate(estimator: Any, items: pd.DataFrame, folds: list[Split],
                   reasons: list[str], fixed: pd.DataFrame | None = None) -> dict[str, float]:
    """Letter-grouped cross-validation, `PARALLEL_FITS` folds at a time.

    The metrics are those of the pooled out-of-fold predictions: a small corpus's folds
    hold a handful of overturned items each, and F1 averaged over such folds is biased
    low and noisy (Forman & Scholz 2010). The per-fold means come along as `fold_mean_*`.
    `fixed` rows join every fold's training side.
    """

    def sides(fold: Split) -> tuple[pd.DataFrame, pd.DataFrame]:
        train = items.iloc[fold.train]
        if fixed is not None:
            train = pd.concat([fixed, train], ignore_index=True)
        return train, items.iloc[fold.test]

    done = _fit_many([(estimator, *sides(fold)) for fold in folds])
    tested = [items.iloc[fold.test] for fold in folds]
    means = mean_metrics([score(part, preds, reasons, intervals=False)
                          for part, preds in zip(tested, done, strict=True)])
    pooled = score(pd.concat(tested, ignore_index=True), pd.concat(done, ignore_index=True),
                   reasons)
    return pooled | {f"fold_mean_{k}": v for k, v in means.items()}


def train(cfg: Config, default: bool = True) -> dict[str, dict[str, float]]:
    """Run one tracked training; returns the holdout metrics of the model and baselines.

    `default`: the saved model becomes the one scoring uses when no model is named
    (models/LATEST); ablations leave that alone.
    """
    with mlflow_store(write=True) as uri:
        try:
            mlflow.set_experiment(cfg.mlflow.experiment)
        except MlflowException as err:
            raise TrackingError(f"cannot use the MLflow store {uri}: {err}") from None
        return _tracked_run(cfg, default, uri)


def _tracked_run(cfg: Config, default: bool, uri: str) -> dict[str, dict[str, float]]:
    """The training run `train` logs to the MLflow store `uri`."""
    started = time.perf_counter()
    items, meta = load_items(cfg)
    if cfg.splits.exclude_family is not None and "style_family" in items:
        items = items[items["style_family"] != cfg.splits.exclude_family].reset_index(drop=True)
    reasons = list(cfg.labels.reasons)
    model = classifier(cfg)
    if model.rule_views():  # counted once here, not again in every fold
        items = add_rule_columns(items, reasons, model.rule_views())
    log(f"{items['letter_id'].nunique()} letters, {len(items)} items loaded")

    with mlflow.start_run(run_name=cfg.model.name) as run:
        mlflow.log_params(tracking.params(cfg))
        inputs = manifest(cfg, items)  # hashes every input file: once per run
        mlflow.log_dict(inputs, "dataset_manifest.json")
        mlflow.log_dict(cfg.model_dump(mode="json"), "config.json")
        split = holdout_split(cfg, items, meta)
        train_items, test_items = items.iloc[split.train], items.iloc[split.test]
        mlflow.log_metrics({"holdout_train_letters": train_items["letter_id"].nunique(),
                            "holdout_test_letters": test_items["letter_id"].nunique(),
                            "holdout_excluded_letters": split.excluded_letters})
        log(f"holdout ({cfg.splits.holdout}): {train_items['letter_id'].nunique()} train / "
            f"{test_items['letter_id'].nunique()} test letters; fitting the model"
            + "".join(f", baseline {name}" for name in cfg.baselines))
        estimators = [model, *(BASELINES[name](reasons) for name in cfg.baselines)]
        preds, *baselines = _fit_many([(estimator, train_items, test_items)
                                       for estimator in estimators])
        results = score(test_items, preds, reasons)
        table = {"model": results}
        mlflow.log_metrics(tracking.prefixed("holdout", results))
        with tempfile.TemporaryDirectory() as tmp:
            tracking.log_evaluation_plots(Path(tmp), test_items, preds, reasons)
        for name, baseline_preds in zip(cfg.baselines, baselines, strict=True):
            metrics = score(test_items, baseline_preds, reasons)
            with mlflow.start_run(run_name=f"baseline-{name}", nested=True):
                mlflow.log_param("baseline", name)
                mlflow.log_metrics(tracking.prefixed("holdout", metrics))
                table[f"baseline:{name}"] = metrics

        if cfg.splits.cv_folds:
            log(f"cross-validation of the training letters ({cfg.splits.cv_folds} folds)")
            cv = cross_validate(model, train_items.reset_index(drop=True),
                                letter_folds(train_items, cfg.splits.cv_folds), reasons)
            mlflow.log_metrics(tracking.prefixed("cv", cv))
        real = items[items["corpus_kind"] == "real"].reset_index(drop=True)
        if not real.empty and cfg.splits.cv_folds:
            log(f"cross-validation over the real letters ({cfg.splits.cv_folds} folds)")
            real_cv = cross_validate(model, real, letter_folds(real, cfg.splits.cv_folds),
                                     reasons, fixed=items[items["corpus_kind"] != "real"])
            mlflow.log_metrics(tracking.prefixed("real_cv", real_cv))
            table["model (real CV)"] = real_cv

        log("fitting the final model on all letters")
        final = clone(model).fit(items)
        folder = persistence.save(final, from_root(cfg.model.dir) / cfg.model.name, extra={
            "name": cfg.model.name, "config": cfg.model_dump(mode="json"),
            "mlflow_run_id": run.info.run_id, "holdout_metrics": results, "trained_on": inputs})
        if default:
            remember_latest(folder)
        if final.threshold_corpus_weight_ is not None:
            mlflow.log_param("chosen.threshold_corpus_weight", final.threshold_corpus_weight_)
        for path in cfg.data.evaluate:
            if not from_root(path).is_dir():
                log(f"{path} not present: not scored")
                continue
            parts = score_corpus(final, cfg, from_root(path), set(items["letter_id"]))
            for part, scored in parts.items():
                suffix = "" if part == "all" else f"_{part}"
                mlflow.log_metrics(tracking.prefixed(f"eval_{path.name}{suffix}", scored))
                half = "" if part == "all" else f" ({part.replace('_', '-')} half)"
                table[f"model on {path}{half}"] = scored
        tracking.log_top_features(final)
        tracking.log_model(folder, cfg)
        mlflow.log_metric("train_seconds", time.perf_counter() - started)
    print(comparison_table(table))
    log(f"model saved to {folder}; MLflow run {run.info.run_id} ({uri}); "
        f"{time.perf_counter() - started:.0f} s")
    return table

