"""Features of an item: TF-IDF over its rationale and item text, plus rule-match counts.

`build_features` assembles the named branches with a `ColumnTransformer`: `word` (word
n-grams of the rationale, negations marked), `role_word` (the same, each word prefixed with
its sentence's role: guideline, history, finding, conclusion; `imr_ml.segment.roles`), `char`
(its character n-grams), `item_text` (the item's own words), `rules` (per-reason counts of the
rule labeller's matches in the rationale) and `finding_rules` (those in its history and
finding sentences only). The decision model's branches read the rationale with its verdict
clauses masked (`imr_ml.model.text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
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
from imr_ml.segment.roles import sentence_roles

BRANCHES = ("word", "role_word", "char", "item_text", "rules", "finding_rules")
# Rule-count views of a rationale, by their columns' prefix: all of it, its reasoning (verdict
# clauses left out), its case (history and finding sentences: the guideline's and the
# verdict's left out).
RULE_VIEWS = {"full": "rule_", "masked": "rule_masked_", "findings": "rule_findings_"}


def rule_columns(labels: Sequence[str], view: str) -> list[str]:
    """Names of the rule-count columns of one view (`RULE_VIEWS`) that `add_rule_columns` adds."""
    return [f"{RULE_VIEWS[view]}{label}" for label in labels]


def rule_views(branches: Sequence[str], mask: bool) -> list[str]:
    """The rule-count views feature branches read (`build_features`)."""
    views = {"rules": "masked" if mask else "full", "finding_rules": "findings"}
    return [views[branch] for branch in branches if branch in views]


def case_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the guideline's and the verdict's sentences: what the `findings` rule
    view leaves out."""
    return [(start, end) for start, end, role in sentence_roles(text)
            if role in ("guideline", "conclusion")]


_LEAVE_OUT = {"masked": verdict_spans, "findings": case_spans}


def add_rule_columns(items: pd.DataFrame, labels: Sequence[str],
                     views: Sequence[str] = ("full", "masked")) -> pd.DataFrame:
    """The items with per-reason rule-match counts of the rationale in each view
    (`RULE_VIEWS`), in one labeller pass. Views the table already has (as training's folds
    do) are not counted again."""
    missing = [view for view in dict.fromkeys(views)
               if not set(rule_columns(labels, view)) <= set(items.columns)]
    if not missing:
        return items
    labeller = shared_labeller(tuple(labels))
    counted = [view for view in missing if view != "full"]
    matrices = labeller.count_many_leaving_out(items["rationale"].fillna(""),
                                               *(_LEAVE_OUT[view] for view in counted))
    columns = {}
    for view, matrix in zip(["full", *counted], matrices, strict=True):
        if view in missing:
            counts = np.asarray(matrix, dtype=float).reshape(len(items), len(labels))
            columns |= dict(zip(rule_columns(labels, view), counts.T, strict=True))
    return items.assign(**columns)


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
        part = _transform_fitted(transformer, values)
        parts.append(part if sp.issparse(part) else sp.csr_matrix(part))
    return sp.hstack(parts, format="csr")  # all CSR: joined row by row, no re-sorting


@lru_cache(maxsize=8)
def reading_columns(features: ColumnTransformer) -> np.ndarray:
    """1.0 for each column of a fitted `build_features` transformer that reads something (an
    n-gram with a letter or digit, a rule count), 0.0 for punctuation alone (`.`, `;`)."""
    return np.array([any(c.isalnum() for c in name.partition("__")[2])
                     for name in features.get_feature_names_out()], dtype=float)


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
                 negation: bool, roles: bool = False) -> Pipeline:
    return Pipeline([
        ("prepare", FunctionTransformer(prepare, kw_args={"mask": mask, "negation": negation,
                                                          "roles": roles},
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

    def words(roles: bool) -> Pipeline:  # the prepared words are lower-cased already
        return _text_branch(TfidfVectorizer(**settings("word"), sublinear_tf=True,
                                            lowercase=False, token_pattern=r"\S+"),
                            mask, negation, roles)

    def counts() -> FunctionTransformer:
        return FunctionTransformer(scaled_log1p, kw_args={"scale": rule_scale},
                                   feature_names_out="one-to-one")

    make = {
        "word": lambda: words(roles=False),
        "role_word": lambda: words(roles=True),
        "char": lambda: _text_branch(CharTfidf(**settings("char")), mask, False),
        "item_text": lambda: TfidfVectorizer(**settings("item_text"), sublinear_tf=True),
        "rules": counts,
        "finding_rules": counts,
    }
    columns = {"word": "rationale", "role_word": "rationale", "char": "rationale",
               "item_text": "item_text",
               **{branch: rule_columns(labels, view)
                  for branch, view in zip(("rules", "finding_rules"),
                                          rule_views(["rules", "finding_rules"], mask))}}
    return ColumnTransformer([(name, make[name](), columns[name]) for name in branches],
                             sparse_threshold=1.0)
