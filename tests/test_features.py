"""imr_ml.model.features: rule columns, the feature branches, their fast transform."""

from __future__ import annotations

import pandas as pd
import pytest

from imr_ml.labels import REASONS
from imr_ml.model.features import add_rule_columns, build_features, rule_columns, transform_table
from imr_ml.model.vectorizers import WordTfidf, fast_word_tfidf
from samples import OVERTURNED, UPHELD, identical


def features_of(branches: list[str], mask: bool, char_min_df: int = 1):
    """Feature branches with small vocabularies (word 1-2-grams, char 3-4-grams)."""
    return build_features(branches, REASONS, mask=mask, negation=True, rule_scale=1.0,
                          vectorizers={
                              "word": {"ngram_range": (1, 2), "min_df": 1, "max_features": None},
                              "char": {"ngram_range": (3, 4), "min_df": char_min_df,
                                       "max_features": None},
                              "item_text": {"ngram_range": (1, 1), "min_df": 1,
                                            "max_features": None}})


def test_rule_columns_count_the_rationale_and_its_reasoning_apart():
    items = pd.DataFrame({"rationale": [UPHELD, OVERTURNED, ""], "item_text": ["a", "b", "c"]})
    out = add_rule_columns(items, REASONS)
    full = out[rule_columns(REASONS, "full")].to_numpy()
    masked = out[rule_columns(REASONS, "masked")].to_numpy()
    assert full[0, REASONS.index("no_functional_improvement")] >= 1
    assert masked[0, REASONS.index("no_functional_improvement")] >= 1
    assert (masked <= full).all()
    assert full[2].sum() == 0
    assert add_rule_columns(out, REASONS) is out  # columns present: not counted again


def test_masked_counts_leave_out_verdict_sentences():
    verdict_only = "As the surgery is not medically necessary, the postoperative therapy is not."
    out = add_rule_columns(pd.DataFrame({"rationale": [verdict_only]}), REASONS)
    assert out[rule_columns(REASONS, "masked")].to_numpy().sum() == 0


@pytest.mark.parametrize(("branches", "decision"), [
    (["word", "rules"], True), (["word", "char", "item_text", "rules"], False)])
def test_build_features_gives_one_block_per_branch(branches, decision):
    items = add_rule_columns(pd.DataFrame({
        "rationale": [UPHELD, OVERTURNED] * 3, "item_text": ["physical therapy", "MRI"] * 3}),
        REASONS)
    features = features_of(branches, decision)
    X = features.fit_transform(items)
    assert X.shape[0] == len(items)
    names = features.get_feature_names_out()
    assert {name.split("__")[0] for name in names} == set(branches)
    words = [n for n in names if n.startswith("word__")]
    assert ("word__therefore" in words) is not decision  # masked for the decision model
    assert "word__NOT_documentation" in words


def test_fast_word_tfidf_swaps_fitted_vectorizers_and_changes_no_value():
    items = add_rule_columns(pd.DataFrame({
        "rationale": [UPHELD, OVERTURNED] * 3, "item_text": ["physical therapy", "MRI"] * 3}),
        REASONS)
    features = features_of(["word", "item_text", "rules"], True)
    before = features.fit_transform(items)
    assert fast_word_tfidf(features) is features
    kinds = [type(part.steps[-1][1] if hasattr(part, "steps") else part)
             for _, part, _ in features.transformers_]
    assert kinds.count(WordTfidf) == 2
    assert identical(features.transform(items), before)


@pytest.mark.parametrize("decision", [True, False])
def test_transform_table_equals_column_transformer(decision, sample_rationales):
    texts = [*sample_rationales[:40], "", UPHELD, OVERTURNED]
    items = add_rule_columns(pd.DataFrame({
        "rationale": texts, "item_text": ["physical therapy", "MRI", ""] * 14 + ["x"]}), REASONS)
    branches = ["word", "rules"] if decision else ["word", "char", "item_text", "rules"]
    features = features_of(branches, decision, char_min_df=2).fit(items[:30])
    for table in (items, items[30:], items[:1]):
        assert identical(transform_table(features, table), features.transform(table))
    fast_word_tfidf(features)
    assert identical(transform_table(features, items), features.transform(items))
