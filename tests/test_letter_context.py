"""Letter context: which items are a surgery's associated services, and their re-scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd

from imr_ml.model.letter_context import LetterContext, surgery_positions


def _letters(*letters: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"letter_id": f"L{n}", "item_index": k, "item_text": text}
                         for n, texts in enumerate(letters) for k, text in enumerate(texts)])


def test_associated_services_point_at_the_nearest_earlier_surgery():
    items = _letters(
        ["Right shoulder arthroscopy with subacromial decompression",
         "Associated surgical service: Cold compression therapy 30 day rental",
         "Post-op physical therapy 2 times a week for 4 weeks",
         "MRI of the lumbar spine",
         "Lumbar fusion at L4-L5", "Pre-operative EKG"],
        ["Lumbar support brace", "Naproxen 500mg #60"],  # a brace with no surgery: its own
        ["Medical clearance", "Left carpal tunnel release"],  # clearance before any surgery
    )
    assert surgery_positions(items).tolist() == [-1, 0, 0, -1, -1, 4, -1, -1, -1, -1]


def test_positions_follow_item_order_not_row_order_and_need_letters():
    items = _letters(["Left knee arthroscopy with partial meniscectomy", "Crutches",
                      "Knee brace"])
    shuffled = items.iloc[[2, 0, 1]].reset_index(drop=True)
    assert surgery_positions(shuffled).tolist() == [1, -1, 1]
    assert (surgery_positions(items.drop(columns="letter_id")) == -1).all()
    table_rows = items.assign(letter_id=None, item_index=None)  # a rationale table's rows
    assert (surgery_positions(table_rows) == -1).all()


def _corpus(n_letters: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray,
                                                                    np.ndarray]:
    """Letters of a surgery and two associated services decided with it, and an unrelated
    item; the model's own P(overturned) knows the surgery but not its services."""
    items = _letters(*[["Lumbar fusion at L4-L5", "Pre-operative EKG", "Post-op sling",
                        "Naproxen 500mg #60"]] * n_letters)
    surgery = rng.random(n_letters) < 0.5
    y = np.repeat(surgery, 4)
    y[3::4] = rng.random(n_letters) < 0.5
    p = np.where(y, 0.8, 0.2)
    p[1::4] = p[2::4] = 0.45  # nothing to read in the services' own reasoning
    return items, p, y


def test_context_lowers_services_of_upheld_surgeries_only():
    items, p, y = _corpus(40, np.random.default_rng(0))
    context = LetterContext().fit(items, p, y)
    out = context.apply(items, p)
    services = np.zeros(len(items), bool)
    services[1::4] = services[2::4] = True
    assert np.array_equal(out[~services], p[~services])  # other items keep theirs
    upheld = services & ~y
    assert (out[upheld] < 0.2).all()  # a service of an upheld surgery is upheld
    assert np.array_equal(out[services & y], p[services & y])  # never raised
    weights = context.describe()
    assert weights["surgery_logit"] > abs(weights["own_logit"])  # the surgery decides


def test_context_changes_nothing_with_too_few_services_or_one_class():
    items, p, y = _corpus(5, np.random.default_rng(1))
    assert LetterContext().fit(items, p, y).describe() is None
    items, p, y = _corpus(40, np.random.default_rng(2))
    context = LetterContext().fit(items, p, np.zeros_like(y))
    assert context.model_ is None
    assert np.array_equal(context.apply(items, p), p)
