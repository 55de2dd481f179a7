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

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imr_ml.baselines import BASELINES
from imr_ml.config import Config, CorpusConfig
from imr_ml.corpus import LABELS_FILE, META_FILE, CorpusError, letters_dir, load_corpus, read_meta
from imr_ml.evaluate import comparison_table, mean_metrics, score
from imr_ml.features import add_rule_columns
from imr_ml.model import ImrClassifier
from imr_ml.registry import remember_latest
from imr_ml.splits import Split, letter_folds, letter_split, style_holdout_split

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def log(message: str) -> None:
    print(f"[imr-ml train {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def load_items(cfg: Config, weak_labels: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """All corpora as one items table (column `corpus_kind`), and the synthetic meta.

    With `weak_labels`, upheld items without reason labels get the rule labeller's.
    """
    labeller = None
    if weak_labels:
        from imr_ml.reasons import shared_labeller

        labeller = shared_labeller(tuple(cfg.labels.reasons))
    tables, metas = [], []
    for corpus in cfg.data.corpora:
        if not corpus.path.is_dir():
            hint = " (run `make data` first)" if corpus.kind == "synthetic" else ""
            raise CorpusError([f"corpus folder {corpus.path} not found{hint}"])
        table = load_corpus(corpus.path, reason_ids=cfg.labels.reasons, weak_labeller=labeller)
        table["corpus_kind"] = corpus.kind
        table["sample_weight"] = corpus.weight
        meta = read_meta(corpus.path) if corpus.kind == "synthetic" else None
        if meta is not None:
            metas.append(meta)
            family = meta.groupby("letter_id")["style_family"].first()
            table["style_family"] = table["letter_id"].map(family)
        tables.append(table)
    items = pd.concat(tables, ignore_index=True)
    duplicated = items.duplicated(["letter_id", "item_index"])
    if duplicated.any():
        raise CorpusError([(f"{duplicated.sum()} items share a letter id across corpora "
                           f"(e.g. {items.loc[duplicated, 'letter_id'].iloc[0]})")])
    return items, (pd.concat(metas, ignore_index=True) if metas else None)


def manifest(cfg: Config, items: pd.DataFrame) -> dict[str, Any]:
    """Counts, label balance and input hashes: what was trained on, without any text."""
    out: dict[str, Any] = {"corpora": []}
    for corpus in cfg.data.corpora:
        digest = hashlib.sha256()
        files = sorted(letters_dir(corpus.path).rglob("*"))
        for path in [corpus.path / LABELS_FILE, *files]:
            if path.is_file() and path.suffix.lower() in {".txt", ".pdf", ".jsonl"}:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        part = items[items["corpus_kind"] == corpus.kind]
        out["corpora"].append({"path": str(corpus.path), "kind": corpus.kind,
                               "sha256": digest.hexdigest()})
        out[corpus.kind] = {
            "letters": int(part["letter_id"].nunique()), "items": len(part),
            "decisions": part["decision"].value_counts().to_dict(),
            "decision_sources": part["decision_source"].value_counts().to_dict(),
            "reasons_sources": part["reasons_source"].value_counts().to_dict(),
            "reasons": pd.Series([r for rs in part["reasons"] for r in rs],
                                 dtype=object).value_counts().to_dict(),
            "layouts": part["layout"].value_counts().to_dict(),
        }
    return out


def holdout_split(cfg: Config, items: pd.DataFrame, meta: pd.DataFrame | None) -> Split:
    """Test letters of the synthetic corpus; real letters always stay on the training side."""
    synthetic = items[items["corpus_kind"] == "synthetic"]
    others = np.flatnonzero(items["corpus_kind"].to_numpy() != "synthetic")
    if synthetic.empty:
        return letter_split(items, cfg.splits.test_size, cfg.seed)
    if cfg.splits.holdout == "style":
        if meta is None:
            raise CorpusError(["splits.holdout=style needs the synthetic corpus's meta.jsonl"])
        split = style_holdout_split(synthetic, meta, cfg.splits.holdout_family)
    else:
        split = letter_split(synthetic, cfg.splits.test_size, cfg.seed)
    index = synthetic.index.to_numpy()
    return Split(np.concatenate([index[split.train], others]), index[split.test],
                 split.excluded_letters)


Predictor = Callable[[], Any]
PARALLEL_FITS = 2  # models fitted at a time: one per core of the 2-core machines targeted


def load_corpora(cfg: Config, paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Labelled corpora to score (gold and silver labels only), kind told by `meta.jsonl`."""
    corpora = [CorpusConfig(path=p, kind="synthetic" if (p / META_FILE).is_file() else "real")
               for p in paths]
    scored = cfg.model_copy(update={"data": cfg.data.model_copy(update={"corpora": corpora})})
    return load_items(scored, weak_labels=False)


def score_corpus(model: ImrClassifier, cfg: Config, path: Path) -> dict[str, float]:
    """Metrics of a fitted model on a labelled corpus it was not trained on."""
    items, _ = load_corpora(cfg, [path])
    return score(items, model.predict_items(items), list(cfg.labels.reasons))


def _predictions(make: Predictor, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """A model made by `make`, fitted on `train`: its predictions for `test`."""
    return make().fit(train).predict_items(test)


def _fit_many(jobs: list[tuple[Predictor, pd.DataFrame, pd.DataFrame]]) -> list[pd.DataFrame]:
    """The predictions of each (maker, train, test) job's model, `PARALLEL_FITS` at a time in
    worker processes (in this process when there is one job).

    The workers are stopped afterwards, so each call starts fresh ones: loky replaces a worker
    whose memory has grown by 300 MB since its first job (a small baseline's, say), with a
    warning when jobs are waiting, and idle workers would keep what their fits left.
    """
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    n_jobs = min(PARALLEL_FITS, len(jobs))
    try:
        return Parallel(n_jobs=n_jobs)(
            delayed(_predictions)(make, train, test) for make, train, test in jobs)
    finally:
        if n_jobs > 1:
            get_reusable_executor().shutdown(wait=True)


def cross_validate(make: Predictor, items: pd.DataFrame, folds: list[Split],
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

    done = _fit_many([(make, *sides(fold)) for fold in folds])
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
    import mlflow

    from imr_ml import tracking

    started = time.perf_counter()
    mlflow.set_tracking_uri(tracking_uri())
    mlflow.set_experiment(cfg.mlflow.experiment)
    items, meta = load_items(cfg)
    if cfg.splits.exclude_family is not None and "style_family" in items:
        items = items[items["style_family"] != cfg.splits.exclude_family].reset_index(drop=True)
    reasons = list(cfg.labels.reasons)
    if "rules" in cfg.models.decision.features + cfg.models.reasons.features:
        # counted once here, not again in every fold
        items = add_rule_columns(items, reasons)
    log(f"{items['letter_id'].nunique()} letters, {len(items)} items loaded")

    make_model = partial(ImrClassifier, cfg)
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
        makers = [make_model, *(partial(BASELINES[name], reasons) for name in cfg.baselines)]
        preds, *baselines = _fit_many([(make, train_items, test_items) for make in makers])
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
            cv = cross_validate(make_model, train_items.reset_index(drop=True),
                                letter_folds(train_items, cfg.splits.cv_folds), reasons)
            mlflow.log_metrics(tracking.prefixed("cv", cv))
        real = items[items["corpus_kind"] == "real"].reset_index(drop=True)
        if not real.empty and cfg.splits.cv_folds:
            log(f"cross-validation over the real letters ({cfg.splits.cv_folds} folds)")
            real_cv = cross_validate(make_model, real, letter_folds(real, cfg.splits.cv_folds),
                                     reasons, fixed=items[items["corpus_kind"] != "real"])
            mlflow.log_metrics(tracking.prefixed("real_cv", real_cv))
            table["model (real CV)"] = real_cv

        log("fitting the final model on all letters")
        final = make_model().fit(items)
        folder = final.save(cfg.model.dir / cfg.model.name,
                            extra={"mlflow_run_id": run.info.run_id,
                                   "holdout_metrics": results,
                                   "trained_on": inputs})
        if default:
            remember_latest(folder)
        if final.threshold_corpus_weight is not None:
            mlflow.log_param("chosen.threshold_corpus_weight", final.threshold_corpus_weight)
        for path in cfg.data.evaluate:
            if not path.is_dir():
                log(f"{path} not present: not scored")
                continue
            scored = score_corpus(final, cfg, path)
            mlflow.log_metrics(tracking.prefixed(f"eval_{path.name}", scored))
            table[f"model on {path}"] = scored
        tracking.log_top_features(final)
        tracking.log_model(final, folder, cfg, items)
        mlflow.log_metric("train_seconds", time.perf_counter() - started)
    print(comparison_table(table))
    log(f"model saved to {folder}; MLflow run {run.info.run_id} ({tracking_uri()}); "
        f"{time.perf_counter() - started:.0f} s")
    return table

