"""Treatment category and drug class: the lexicon (imr_ml.segment.categories) and the model
that fills its gaps (imr_ml.model.category)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from imr_ml.corpus.splits import WORKING, real_halves
from imr_ml.errors import PatternError
from imr_ml.labels import CATEGORIES, DRUG_CLASSES, PHARMACY, REASONS
from imr_ml.model.category import CategoryClassifier
from imr_ml.model.metrics import score
from imr_ml.segment.categories import head, load_lexicon, shared_lexicon
from imr_ml.segment.rows import segment_letters

REAL_LABELS = Path(__file__).resolve().parents[2] / "shared" / "real" / "labels.jsonl"


@pytest.mark.parametrize(("text", "expected"), [
    ("Twelve sessions of physical therapy for the low back", ("physical_therapy", None)),
    ("Pre-operative EKG", ("diagnostics", None)),                   # a test, not an operation
    ("Pre-operative PT/PTT", ("diagnostics", None)),                # a lab, not therapy
    ("Associated surgical service: cold therapy unit", ("dmepos", None)),
    ("Associated surgical service: post-op physical therapy x12", ("physical_therapy", None)),
    ("TENS unit rental", ("dmepos", None)),                         # equipment, not sessions
    ("Electrical stimulation 2 times a week", ("physical_therapy", None)),
    ("Ultrasound of the right shoulder", ("diagnostics", None)),
    ("Ultrasound therapy 6 sessions", ("physical_therapy", None)),
    ("Ultrasound guided steroid injection, right knee", ("injections", None)),
    ("Toradol injection", ("injections", None)),                    # a drug given as a procedure
    ("Consultation with a spine surgeon", ("evaluation_management", None)),
    ("Chiropractic care with modalities (ultrasound, EMS)", ("chiropractic", None)),
    ("Functional capacity evaluation", ("diagnostics", None)),
    ("Psychological evaluation", ("behavioral_health", None)),
    ("Functional restoration program, 80 hours", ("programs", None)),
    ("Transportation to and from appointments", ("other", None)),
    ("Norco 10/325mg #90", (PHARMACY, "opioid")),
    ("Diclofenac sodium 1.5% gel 60gm", (PHARMACY, "topical")),     # topical, whatever its drug
    ("Post-op Zofran 4mg #10", (PHARMACY, "gi")),
    ("Xq-7 150mg #30", (PHARMACY, None)),                          # a drug the lexicon lacks
    ("Something nobody requested before", (None, None)),
    ("Tylenol with codeine #3", (PHARMACY, "opioid")),             # a combination: its pain drug
    ("Omeprazole with naproxen", (PHARMACY, "nsaid")),
    ("Ketoprofen 75 mg capsules", (PHARMACY, "nsaid")),            # topical only as a topical
    ("Lovenox for DVT prophylaxis", (PHARMACY, "other_drug")),     # the service, not its purpose
    ("Random drug screening", ("diagnostics", None)),
    ("Physical therapy, 12 units", ("physical_therapy", None)),    # units of therapy, not a unit
    ("Nurse practitioner office visit", ("evaluation_management", None)),
    ("ER visit", ("evaluation_management", None)),
    ("Purchase of Lidoderm patches", (PHARMACY, "topical")),
    ("X-ray interpretation", ("diagnostics", None)),
    ("Interpreter services", ("other", None)),
])
def test_the_lexicon_names_the_service_not_the_words_around_it(text, expected):
    assert shared_lexicon().classify(text) == expected


def test_whitespace_runs_count_as_one_space():
    lexicon = shared_lexicon()
    assert lexicon.classify("Chiropractic   care\n with\tmodalities (ultrasound)") == \
        lexicon.classify("Chiropractic care with modalities (ultrasound)") == ("chiropractic", None)
    assert lexicon.classify(" " * 5000 + "MRI" + " " * 5000) == ("diagnostics", None)


def test_the_head_of_an_item_is_the_text_before_its_add_ons():
    assert head("Chiropractic care with modalities") == "Chiropractic care"
    assert head("Meloxicam (Mobic) 7.5mg") == "Meloxicam"
    assert head("(Retrospective) MRI") == "(Retrospective) MRI"  # nothing before: the whole
    assert head("MRI without contrast") == "MRI without contrast"
    assert head("Physical therapy for the low back") == "Physical therapy"


def test_every_lexicon_id_is_a_label_and_bad_files_name_themselves(tmp_path):
    lexicon = load_lexicon()
    assert {cid for cid, _ in lexicon.categories} == set(CATEGORIES)
    assert {cid for cid, _ in lexicon.drug_classes} == set(DRUG_CLASSES)
    bad = tmp_path / "lexicon.json"
    for content, problem in (("{", "not a category lexicon"),
                             (('{"categories": [{"id": "x", "patterns": ["a"]}], '
                              '"drug_classes": []}'), "'x' is not one of"),
                             (('{"categories": [{"id": "other", "patterns": ["("]}], '
                              '"drug_classes": []}'), "entry 'other'")):
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(PatternError, match=problem) as err:
            load_lexicon(bad)
        assert str(bad) in str(err.value)


TRAIN = [("Norco 10/325mg #60", PHARMACY, "opioid"), ("Tramadol 50mg #30", PHARMACY, "opioid"),
         ("Omeprazole 20mg #30", PHARMACY, "gi"), ("MRI of the knee", "diagnostics", None),
         ("X-ray of the spine", "diagnostics", None), ("Knee brace", "dmepos", None),
         ("Lumbar support", "dmepos", None), ("Zorblat 5mg #10", PHARMACY, "opioid")] * 3


@pytest.fixture(scope="module")
def model() -> CategoryClassifier:
    texts, categories, drugs = zip(*TRAIN)
    return CategoryClassifier(C=10.0).fit(texts, categories, drugs)


def test_the_model_decides_where_the_lexicon_is_silent(model):
    table = model.predict_table(["Knee brace", "Zorblat 10 #20", "", None])
    assert table["category"].tolist()[0] == "dmepos"
    assert table["p_category"].iloc[0] == pytest.approx((6 + 1) / (6 + 2))  # lexicon: 6/6
    assert table["category"].iloc[1] in {c for _, c, _ in TRAIN}     # the model's class
    assert 0 < table["p_category"].iloc[1] <= 1
    assert table["drug_class"].iloc[1] is None or table["category"].iloc[1] == PHARMACY
    assert len(table) == 4 and table["category"].iloc[2:].isna().all()  # nothing to read


def test_a_text_without_words_gets_no_category(model):
    table = model.predict_table(["", None, "   ", "!!!???", "42", "3.5", "Knee brace"])
    assert table["category"].tolist() == [None] * 6 + ["dmepos"]
    assert table["drug_class"].isna().all()
    assert table["p_category"].isna().tolist() == [True] * 6 + [False]


def test_drug_classes_only_for_pharmacy_and_from_the_drug_model_where_unknown(model):
    table = model.predict_table(["Zorblat 5mg #10", "MRI of the knee"])
    assert table["category"].tolist() == [PHARMACY, "diagnostics"]
    assert table["drug_class"].tolist() == ["opioid", None]


def test_an_estimator_of_scikit_learn(model):
    assert clone(model).get_params() == {"C": 10.0, "ngram_range": (2, 5)}
    with pytest.raises(ValueError, match="at least one"):
        CategoryClassifier().fit([], [], [])
    one = CategoryClassifier().fit(["MRI", "CT scan"], ["diagnostics"] * 2, [None, None])
    assert one.drug_model_ is None
    assert one.predict_table(["A thing"])["category"].tolist() == ["diagnostics"]


@pytest.mark.skipif(not REAL_LABELS.exists(), reason="../shared not present (real letters)")
def test_the_lexicon_on_the_working_half_it_was_written_from():
    """A development figure (the held-back half is scored in experiments/PROTOCOL.md only)."""
    items = [json.loads(line) for line in REAL_LABELS.read_text(encoding="utf-8").splitlines()]
    working = real_halves(item["letter_id"] for item in items)[WORKING]
    answers = [(shared_lexicon().classify(item["item_text"]), item) for item in items
               if item["letter_id"] in working]
    right = np.mean([category == item["category"] for (category, _), item in answers])
    pharmacy = [(drug, item) for (_, drug), item in answers if item["category"] == PHARMACY]
    assert right >= 0.97
    assert np.mean([drug == item["drug_class"] for drug, item in pharmacy]) >= 0.95


def test_segment_rows_carry_the_lexicon_answer_for_their_item():
    samples = Path(__file__).resolve().parents[1] / "data" / "samples" / "letters"
    rows = [row for _, letter_rows in segment_letters(sorted(samples.glob("*.txt"))[:10])
            for row in letter_rows if row["status"] == "ok"]
    assert rows
    for row in rows:
        assert (row["category"], row["drug_class"]) == shared_lexicon().classify(
            row["item_text"])
    assert any(row["category"] is not None for row in rows)


def test_scores_leave_out_categories_a_model_did_not_predict():
    items = pd.DataFrame({"decision": ["upheld", "overturned"], "reasons": [["other"], []],
                          "reasons_source": ["gold", "none"],
                          "category": ["pharmacy", "surgery"], "drug_class": ["opioid", None]})
    preds = pd.DataFrame({"decision_pred": ["upheld", "upheld"], "reasons_pred": [["other"], []],
                          "category": [None, None], "drug_class": [None, None]})
    assert not any(key.startswith("category_") for key in score(items, preds, list(REASONS)))
    preds["category"] = ["pharmacy", "dmepos"]
    preds["drug_class"] = ["opioid", None]
    scored = score(items, preds, list(REASONS))
    assert scored["category_accuracy"] == 0.5 and scored["category_drug_class_accuracy"] == 1
