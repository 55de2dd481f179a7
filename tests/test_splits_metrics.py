"""Splits keep letters whole and styles apart; metrics agree with hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imr_ml.corpus.splits import letter_folds, letter_split, phrasing_folds, style_holdout_split
from imr_ml.model.metrics import (
    decision_counts,
    decision_macro_f1,
    decision_metrics,
    format_table,
    letter_interval,
    micro_f1,
    reason_counts,
    reason_metrics,
)


def _items(n_letters: int = 30, per_letter: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "letter_id": [f"L{i:03d}" for i in range(n_letters) for _ in range(per_letter)],
        "item_index": [k for _ in range(n_letters) for k in range(per_letter)],
    })


def _meta(items: pd.DataFrame) -> pd.DataFrame:
    """Family = letter number % 3; letter 27 (family 0) borrows one style of family 2."""
    rows = []
    for lid, k in zip(items["letter_id"], items["item_index"]):
        family = int(lid[1:]) % 3
        style = f"no_indication/{family + 3 * k}"
        if lid == "L027" and k == 2:
            style = "no_indication/8"
        rows.append({"letter_id": lid, "item_index": k, "style_family": family,
                     "styles": [style, f"conclusion/{family}"]})
    return pd.DataFrame(rows)


def _letters(items: pd.DataFrame, rows: np.ndarray) -> set[str]:
    return set(items["letter_id"].iloc[rows])


def test_letter_split_never_splits_a_letter():
    items = _items()
    split = letter_split(items, test_size=0.3, seed=0)
    assert _letters(items, split.train).isdisjoint(_letters(items, split.test))
    assert len(split.train) + len(split.test) == len(items)
    assert len(_letters(items, split.test)) == 9


def test_style_holdout_shares_no_style_between_train_and_test():
    items = _items()
    meta = _meta(items)
    split = style_holdout_split(items, meta, holdout_family=2)
    train, test = _letters(items, split.train), _letters(items, split.test)
    styles = meta.groupby("letter_id")["styles"].sum().map(set)
    train_styles = set().union(*styles[sorted(train)])
    test_styles = set().union(*styles[sorted(test)])
    assert train and test and train.isdisjoint(test)
    assert train_styles.isdisjoint(test_styles)
    assert "L027" not in train | test and split.excluded_letters == 1
    with pytest.raises(ValueError, match="style family 7"):
        style_holdout_split(items, meta, holdout_family=7)


def test_letter_folds_cover_every_item_once_in_test():
    items = _items()
    folds = letter_folds(items, n_splits=5)
    tested = np.concatenate([f.test for f in folds])
    assert sorted(tested) == list(range(len(items)))
    for fold in folds:
        assert _letters(items, fold.train).isdisjoint(_letters(items, fold.test))


def test_phrasing_folds_hold_out_one_family_each_and_spread_unknown_letters():
    items = _items()
    items["style_family"] = [int(lid[1:]) % 3 if int(lid[1:]) < 24 else np.nan
                             for lid in items["letter_id"]]   # letters 24-29: real, no family
    folds = phrasing_folds(items)
    assert len(folds) == 3
    assert sorted(np.concatenate([f.test for f in folds])) == list(range(len(items)))
    for fold in folds:
        assert _letters(items, fold.train).isdisjoint(_letters(items, fold.test))
        known = items["style_family"].iloc[fold.test].dropna()
        assert known.nunique() == 1  # one family held out ...
        assert items["style_family"].iloc[fold.train].dropna().ne(known.iloc[0]).all()
    unknown = [len(_letters(items, f.test) - _letters(items, np.flatnonzero(
        items["style_family"].notna()))) for f in folds]
    assert sum(unknown) == 6 and max(unknown) < 6  # ... and the real letters spread out


def test_phrasing_folds_fall_back_to_letter_folds_without_families():
    items = _items()
    folds = phrasing_folds(items, n_letter_folds=3)
    assert len(folds) == 3
    assert sorted(np.concatenate([f.test for f in folds])) == list(range(len(items)))
    for fold in folds:
        assert _letters(items, fold.train).isdisjoint(_letters(items, fold.test))


def test_decision_metrics_by_hand():
    true = ["upheld"] * 8 + ["overturned"] * 2
    pred = ["upheld"] * 7 + ["overturned"] * 2 + ["upheld"]
    m = decision_metrics(true, pred, p_overturned=[0.1] * 7 + [0.6, 0.7, 0.4])
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["overturned_precision"] == pytest.approx(0.5)
    assert m["overturned_recall"] == pytest.approx(0.5)
    # upheld: P 7/8, R 7/8 -> F1 .875; overturned F1 .5
    assert m["macro_f1"] == pytest.approx((0.875 + 0.5) / 2)
    assert 0 < m["overturned_pr_auc"] <= 1 and 0 < m["brier"] < 1


def test_reason_metrics_by_hand():
    labels = ("no_functional_improvement", "exceeds_guideline_quantity", "no_indication", "other")
    true = [["no_indication"], ["no_functional_improvement", "exceeds_guideline_quantity"], ["other"]]
    pred = [["no_indication"], ["no_functional_improvement"], ["no_indication"]]
    m = reason_metrics(true, pred, labels)
    assert m["no_indication_precision"] == pytest.approx(0.5)
    assert m["exceeds_guideline_quantity_recall"] == 0
    # required three: tp 2 (NI, NFI), fp 1 (NI), fn 1 (EGQ) -> F1 = 4 / 6
    assert m["required_micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert m["other_support"] == 1


def test_summed_counts_give_the_metrics_they_stand_for():
    true = ["upheld"] * 8 + ["overturned"] * 2
    pred = ["upheld"] * 7 + ["overturned"] * 2 + ["upheld"]
    totals = decision_counts(true, pred).sum(axis=0, keepdims=True)
    assert decision_macro_f1(totals)[0] == pytest.approx(decision_metrics(true, pred)["macro_f1"])
    labels = ("no_functional_improvement", "exceeds_guideline_quantity", "no_indication", "other")
    true_r = [["no_indication"], ["no_functional_improvement", "exceeds_guideline_quantity"],
              ["other"]]
    pred_r = [["no_indication"], ["no_functional_improvement"], ["no_indication"]]
    totals = reason_counts(true_r, pred_r).sum(axis=0, keepdims=True)
    assert micro_f1(totals)[0] == pytest.approx(
        reason_metrics(true_r, pred_r, labels)["required_micro_f1"])


def test_letter_interval_holds_the_estimate_and_narrows_with_more_letters():
    rng = np.random.default_rng(0)

    def interval(n_letters: int) -> tuple[float, float, float]:
        true = np.where(rng.random(3 * n_letters) < 0.2, "overturned", "upheld")
        pred = np.where(rng.random(3 * n_letters) < 0.8, true, "upheld")
        counts = decision_counts(true, pred)
        letters = [f"L{i // 3}" for i in range(3 * n_letters)]
        estimate = decision_macro_f1(counts.sum(axis=0, keepdims=True))[0]
        return estimate, *letter_interval(letters, counts, decision_macro_f1)

    small, large = interval(40), interval(4000)
    for estimate, low, high in (small, large):
        assert low < estimate < high
    assert large[2] - large[1] < (small[2] - small[1]) / 4
    # perfect predictions: every resample scores 1
    true = ["upheld", "overturned"] * 10
    assert letter_interval(list(range(20)), decision_counts(true, true),
                           decision_macro_f1) == (1.0, 1.0)


def test_format_table_leaves_missing_metrics_blank():
    text = format_table({"model": {"a": 0.5}, "baseline": {"a": 0.25, "b": 1.0}}, ["a", "b"])
    lines = text.splitlines()
    assert lines[1].split() == ["model", "0.500"]
    assert lines[2].split() == ["baseline", "0.250", "1.000"]


@pytest.mark.parametrize("seed", range(4))
def test_tuned_threshold_is_the_lowest_best_by_decision_metrics(seed):
    """`_best_threshold`'s counting gives the threshold a scan with `decision_metrics` gives."""
    from imr_ml.model.classifier import _best_threshold

    rng = np.random.default_rng(seed)
    y = rng.random(150) < 0.2
    p = np.round(np.clip(0.3 * y + rng.random(150) * 0.7, 0, 1), 1 + seed % 2)  # with ties
    grid = np.round(np.linspace(0.02, 0.98, 97), 2)
    truth = np.where(y, "overturned", "upheld")
    for key, macro in (("macro_f1", True), ("overturned_f1", False)):
        scores = np.array([decision_metrics(truth, np.where(p >= t, "overturned", "upheld"))[key]
                           for t in grid])
        for tolerance in (0.0, 0.02):
            expected = grid[scores >= scores.max() - tolerance].min()
            assert _best_threshold(y, p, macro, tolerance) == expected
    assert _best_threshold(np.zeros(5, bool), p[:5], True, 0.0) == 0.5


def test_decision_cross_fit_folds_hold_both_classes():
    from imr_ml.model.classifier import _two_class_folds

    items = _items(30, 2).assign(style_family=lambda t: t["letter_id"].str[1:].astype(int) % 3)
    y = (np.arange(len(items)) % 5 == 0)  # overturned items in every family
    folds = _two_class_folds(items, y)
    assert [set(items["style_family"].iloc[test]) for _, test in folds] == [{0}, {1}, {2}]
    y = (items["style_family"] == 0).to_numpy() & (items["item_index"] == 0).to_numpy()
    folds = _two_class_folds(items, y)  # family 0 alone has overturns: letter folds instead
    assert len(folds) == 3 and all(len(np.unique(y[train])) == 2 for train, _ in folds)
    assert all(len(set(items["letter_id"].iloc[train]) & set(items["letter_id"].iloc[test])) == 0
               for train, test in folds)
    with pytest.raises(ValueError, match="too few overturned"):
        _two_class_folds(items, np.zeros(len(items), bool))
