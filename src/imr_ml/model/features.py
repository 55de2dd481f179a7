"""Features of an item: TF-IDF over its rationale and item text, plus rule-match counts.

`build_features` assembles the named branches with a `ColumnTransformer`: `word` (word
n-grams of the rationale, negations marked), `char` (its character n-grams), `item_text`
(the item's own words) and `rules` (per-reason counts of the rule labeller's matches, of the
rationale and of its verdict-masked form). The decision model's branches read the rationale
with its verdict clauses masked (`imr_ml.model.text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from imr_ml.corpus.rules import shared_labeller
from imr_ml.model.text import prepare, verdict_spans
from imr_ml.model.vectorizers import CharTfidf

BRANCHES = ("word", "char", "item_text", "rules")


def rule_columns(labels: Sequence[str], masked: bool) -> list[str]:
    """Names of the rule-count columns `add_rule_columns` adds (masked: of the reasoning)."""
    prefix = "rule_masked_" if masked else "rule_"
    return [f"{prefix}{label}" for label in labels]


def add_rule_columns(items: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The items with per-reason rule-match counts of the rationale and of its masked form.

    Counting runs the rule labeller once per item; tables that already have the columns
    (as training's folds do) are returned as they are.
    """
    wanted = rule_columns(labels, False) + rule_columns(labels, True)
    if set(wanted) <= set(items.columns):
        return items
    labeller = shared_labeller(tuple(labels))
    full, masked = labeller.count_many_leaving_out(items["rationale"].fillna(""), verdict_spans)
    counts = np.hstack([np.asarray(m, dtype=float).reshape(len(items), len(labels))
                        for m in (full, masked)])
    return items.assign(**{name: counts[:, k] for k, name in enumerate(wanted)})


def transform_table(features: ColumnTransformer, table: pd.DataFrame) -> Any:
    """`features.transform(table)` for a fitted `build_features` transformer, without its
    per-call input checks: each branch transforms its columns (a text column as a list, rule
    columns as a float array) and the parts are stacked as `ColumnTransformer` stacks them."""
    parts = []
    for _, transformer, columns in features.transformers_:
        if transformer == "drop":
            continue
        values = (table[columns].tolist() if isinstance(columns, str)
                  else table[columns].to_numpy(dtype=float))
        parts.append(_transform_fitted(transformer, values))
    return sp.hstack(parts).tocsr()


def _transform_fitted(transformer: Any, X: Any) -> Any:
    """A fitted branch's `transform`; pipelines step by step, functions called directly."""
    if isinstance(transformer, Pipeline):
        for _, step in transformer.steps:
            X = _transform_fitted(step, X)
        return X
    if isinstance(transformer, FunctionTransformer):
        return transformer.func(X, **(transformer.kw_args or {}))
    return transformer.transform(X)


def scaled_log1p(counts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Rule counts on the scale of TF-IDF values, so neither kind drowns the other."""
    return scale * np.log1p(np.asarray(counts, dtype=float))


def _text_branch(vectorizer: TfidfVectorizer | CharTfidf, mask: bool,
                 negation: bool) -> Pipeline:
    return Pipeline([
        ("prepare", FunctionTransformer(prepare, kw_args={"mask": mask, "negation": negation},
                                        feature_names_out="one-to-one")),
        ("tfidf", vectorizer),
    ])


def build_features(branches: Sequence[str], labels: Sequence[str], *, mask: bool,
                   negation: bool, rule_scale: float,
                   vectorizers: Mapping[str, Mapping[str, Any]]) -> ColumnTransformer:
    """The named feature branches over an items table's `rationale` and `item_text` columns.

    `mask`: the rationale with its verdict clauses masked (the decision model's view; the
    reasons model reads it as it is). `vectorizers`: each text branch's `ngram_range`,
    `min_df` and `max_features`.
    """
    def settings(name: str) -> dict[str, Any]:
        given = vectorizers[name]
        return {"ngram_range": tuple(given["ngram_range"]), "min_df": given["min_df"],
                "max_features": given["max_features"]}

    make = {
        "word": lambda: _text_branch(TfidfVectorizer(
            **settings("word"), sublinear_tf=True, lowercase=False, token_pattern=r"\S+",
        ), mask, negation),
        "char": lambda: _text_branch(CharTfidf(**settings("char")), mask, False),
        "item_text": lambda: TfidfVectorizer(**settings("item_text"), sublinear_tf=True),
        "rules": lambda: FunctionTransformer(
            scaled_log1p, kw_args={"scale": rule_scale}, feature_names_out="one-to-one"),
    }
    columns = {"word": "rationale", "char": "rationale", "item_text": "item_text",
               "rules": rule_columns(labels, mask)}
    return ColumnTransformer([(name, make[name](), columns[name]) for name in branches],
                             sparse_threshold=1.0)
