"""The data of a training run: the configured corpora as one items table, the holdout split,
and a manifest of what was trained on (counts and hashes, no text)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imr_ml.corpus.rules import shared_labeller
from imr_ml.corpus.splits import Split, letter_split, real_halves, style_holdout_split
from imr_ml.corpus.table import LABELS_FILE, META_FILE, letters_dir, load_corpus, read_meta
from imr_ml.errors import CorpusError
from imr_ml.paths import from_root
from imr_ml.training.config import Config, CorpusConfig


def load_items(cfg: Config, weak_labels: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """All corpora as one items table (column `corpus_kind`), and the synthetic meta.

    With `weak_labels`, upheld items without reason labels get the rule labeller's.
    """
    labeller = shared_labeller(tuple(cfg.labels.reasons)) if weak_labels else None
    tables, metas = [], []
    for corpus in cfg.data.corpora:
        path = from_root(corpus.path)
        if not path.is_dir() and corpus.optional:
            print(f"corpus folder {corpus.path} not present: left out", file=sys.stderr)
            continue
        if not path.is_dir():
            hint = " (run `make data` first)" if corpus.kind == "synthetic" else ""
            raise CorpusError([f"corpus folder {corpus.path} not found{hint}"])
        table = load_corpus(path, reason_ids=cfg.labels.reasons, weak_labeller=labeller)
        if corpus.half is not None:
            table = table[table["letter_id"].isin(real_halves(table["letter_id"])[corpus.half])]
        table["corpus_kind"] = corpus.kind
        table["sample_weight"] = corpus.weight
        meta = read_meta(path) if corpus.kind == "synthetic" else None
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
        folder = from_root(corpus.path)
        if not folder.is_dir():  # an optional corpus left out
            continue
        files = sorted(letters_dir(folder).rglob("*"))
        for path in [folder / LABELS_FILE, *files]:
            if path.is_file() and path.suffix.lower() in {".txt", ".pdf", ".jsonl"}:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        part = items[items["corpus_kind"] == corpus.kind]
        out["corpora"].append({"path": str(corpus.path), "kind": corpus.kind, "half": corpus.half,
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


def load_corpora(cfg: Config, paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Labelled corpora to score (gold and silver labels only), kind told by `meta.jsonl`.

    `paths` are read as given (from the current folder), not from the project root."""
    corpora = [CorpusConfig(path=p.absolute(), kind="synthetic" if (p / META_FILE).is_file()
                            else "real") for p in map(Path, paths)]
    scored = cfg.model_copy(update={"data": cfg.data.model_copy(update={"corpora": corpora})})
    return load_items(scored, weak_labels=False)


def evaluation_parts(items: pd.DataFrame, trained: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The parts of a labelled corpus a model is scored on: its letters not in `trained`
    (`all`, where none was left out), and for real letters each half of them
    (`working`, `held_back`, where not empty)."""
    halves = real_halves(items["letter_id"])
    left = items[~items["letter_id"].isin(set(trained))]
    parts = {"all": left} if len(left) == len(items) else {}
    if (items["corpus_kind"] == "real").all():
        parts |= {half: part for half, letters in halves.items()
                  if not (part := left[left["letter_id"].isin(letters)]).empty}
    return parts
