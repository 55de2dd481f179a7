"""`imr-ml evaluate`: metrics of a saved model, or of a baseline, on labelled corpora."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imr_ml.corpus.splits import HALVES
from imr_ml.corpus.table import META_FILE
from imr_ml.errors import CorpusError
from imr_ml.model.metrics import comparison_table, per_reason_table, score
from imr_ml.store import load_classifier
from imr_ml.training.baselines import BASELINES
from imr_ml.training.config import Config
from imr_ml.training.data import evaluation_parts, holdout_split, load_corpora


def evaluate_corpus(
    data: Sequence[Path], cfg: Config, *, model_ref: str | None = None,
    baseline: str | None = None, split: str = "all",
) -> dict[str, dict[str, float]]:
    """Score a model (or a baseline) on labelled corpora; print the table, return the metrics.

    `split`: all letters, the style-holdout test letters of a synthetic corpus, or a half of
    real letters (`working` or `held_back`, experiments/PROTOCOL.md)."""
    items, meta = load_corpora(cfg, list(data))
    train_side = items
    if split == "style-holdout":
        if meta is None:  # holdout_split would fall back to random letters
            raise CorpusError([(f"--split style-holdout needs a synthetic corpus (with "
                               f"{META_FILE}); {', '.join(map(str, data))} has none")])
        parts = holdout_split(cfg, items, meta)
        train_side, items = items.iloc[parts.train], items.iloc[parts.test]
    elif split in HALVES:
        if (items["corpus_kind"] != "real").any():
            raise CorpusError([(f"--split {split.replace('_', '-')} is a half of real letters; "
                               f"{', '.join(map(str, data))} holds synthetic ones")])
        items = evaluation_parts(items, trained=())[split]
    reasons = list(cfg.labels.reasons)
    if baseline is not None:
        name = f"baseline:{baseline}"
        predictor = BASELINES[baseline](reasons).fit(train_side)
    else:
        predictor = load_classifier(model_ref)
        name = f"model:{predictor.metadata_.get('name', 'model')}"
        reasons = list(predictor.reasons)
    results = {name: score(items, predictor.predict_items(items), reasons)}
    print(comparison_table(results))
    print(f"\nper reason ({name}, {int(results[name].get('reasons_n', 0))} upheld items "
          "with gold reasons):")
    print(per_reason_table(results[name], reasons))
    return results
