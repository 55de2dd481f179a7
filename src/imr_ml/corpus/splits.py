"""Train/test splits by letter, never by item.

- `letter_split`: a random split of letters.
- `style_holdout_split`: test letters use only phrasing styles that no training letter
  uses, so the test measures generalisation to unseen phrasing rather than template recall.
  Styles come from the generator's `meta.jsonl`; letters that mix held-out and training
  styles are left out of both sides (and counted).
- `letter_folds`: letter-grouped cross-validation folds.
- `phrasing_folds`: folds that each hold out one style family (for calibrating on unseen
  phrasing).
- `real_halves`: the development letters' working half and held-back half
  (`experiments/PROTOCOL.md`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, GroupShuffleSplit


@dataclass(frozen=True)
class Split:
    """Row positions of an items table on each side, and letters left out of both."""

    train: np.ndarray
    test: np.ndarray
    excluded_letters: int = 0


def letter_split(items: pd.DataFrame, test_size: float, seed: int) -> Split:
    """A random split of the table's letters."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train, test = next(splitter.split(items, groups=items["letter_id"]))
    return Split(train, test)


def letter_styles(meta: pd.DataFrame) -> pd.Series:
    """The set of phrasing styles each letter uses, from the generator's meta table."""
    return meta.groupby("letter_id")["styles"].agg(lambda s: frozenset().union(*map(set, s)))


def style_holdout_split(items: pd.DataFrame, meta: pd.DataFrame, holdout_family: int) -> Split:
    """Test on the letters written in one style family; train on letters sharing none of it."""
    styles = letter_styles(meta)
    families = meta.groupby("letter_id")["style_family"].first()
    if holdout_family not in set(families):
        raise ValueError(f"style family {holdout_family} not in the corpus "
                         f"(families: {sorted(set(families))})")
    heldout = frozenset().union(*styles[families == holdout_family])
    test_letters = {lid for lid, s in styles.items() if s <= heldout}
    train_letters = {lid for lid, s in styles.items() if not s & heldout}
    unknown = set(items["letter_id"]) - set(styles.index)
    if unknown:
        raise ValueError(f"{len(unknown)} letter(s) have no meta (e.g. {min(unknown)})")
    in_test = items["letter_id"].isin(test_letters).to_numpy()
    in_train = items["letter_id"].isin(train_letters).to_numpy()
    excluded = len(set(items["letter_id"]) - test_letters - train_letters)
    return Split(np.flatnonzero(in_train), np.flatnonzero(in_test), excluded)


def phrasing_folds(items: pd.DataFrame, n_letter_folds: int = 3) -> list[Split]:
    """Folds that each hold out one phrasing group: a style family (column `style_family`,
    where known) or, for letters of unknown style, one of `n_letter_folds` letter folds.

    Letters of unknown style are spread over the folds of the families; with fewer than
    two families, the folds are plain letter folds.
    """
    family = items["style_family"] if "style_family" in items else pd.Series(np.nan, items.index)
    known = sorted(family.dropna().unique())
    n_groups = len(known) if len(known) >= 2 else n_letter_folds
    letters = items["letter_id"].astype("category").cat.codes.to_numpy()
    groups = np.where(family.notna() & (len(known) >= 2),
                      family.map({f: k for k, f in enumerate(known)}).fillna(-1),
                      letters % n_groups).astype(int)
    return [Split(np.flatnonzero(groups != g), np.flatnonzero(groups == g))
            for g in range(n_groups) if (groups == g).any()]


def letter_folds(items: pd.DataFrame, n_splits: int) -> list[Split]:
    """Letter-grouped cross-validation folds."""
    folds = GroupKFold(n_splits=n_splits).split(items, groups=items["letter_id"])
    return [Split(train, test) for train, test in folds]


HALVES = WORKING, HELD_BACK = "working", "held_back"


def real_halves(letter_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The real development letters' two halves, by position among the sorted letter ids:
    even positions are the working half (read, written from, tuned on), odd positions the
    held-back half (scored once per candidate, never read). Fixed since 2026-11-27, when the
    rule patterns were first written on the even positions (`experiments/PROTOCOL.md`)."""
    ordered = sorted(set(letter_ids))
    return {WORKING: frozenset(ordered[0::2]), HELD_BACK: frozenset(ordered[1::2])}
