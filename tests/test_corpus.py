"""Items table from letters + labels: label sources, and mismatches that fail loudly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from imr_ml.corpus.table import LABELLED_COLUMNS, load_corpus
from imr_ml.errors import CorpusError

HERE = Path(__file__).parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
REASONS = ("no_functional_improvement", "exceeds_guideline_quantity", "no_indication",
           "not_recommended", "other")

LABELS = [
    {"letter_id": "decisions_rationales", "item_index": 0, "item_text": "Tramadol 50mg #120",
     "decision": "upheld", "reasons": ["no_functional_improvement"]},
    {"letter_id": "decisions_rationales", "item_index": 1,
     "item_text": "Chiropractic manipulation six visits for the neck",
     "decision": "overturned", "reasons": []},
    {"letter_id": "decisions_rationales", "item_index": 2,
     "item_text": "Magnetic resonance imaging of the right shoulder"},
]


class FakeLabeller:
    def label_many(self, rationales):
        return [["no_indication"] for _ in rationales]


def _corpus(tmp_path: Path, labels: list[dict]) -> Path:
    (tmp_path / "letters").mkdir()
    shutil.copy(HERE / "letters" / "decisions_rationales.txt", tmp_path / "letters")
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels))
    return tmp_path


def test_items_table_with_gold_silver_and_weak_labels(tmp_path):
    table = load_corpus(_corpus(tmp_path, LABELS), reason_ids=REASONS,
                        weak_labeller=FakeLabeller())
    assert list(table.columns) == list(LABELLED_COLUMNS)
    assert table["decision"].tolist() == ["upheld", "overturned", "upheld"]
    assert table["decision_source"].tolist() == ["gold", "gold", "silver"]
    assert table["reasons_source"].tolist() == ["gold", "gold", "weak"]
    assert table["reasons"].tolist() == [["no_functional_improvement"], [], ["no_indication"]]
    assert table["guidelines"].tolist() == [["MTUS"], ["MTUS"], ["ODG"]]


def test_without_a_labeller_missing_reasons_stay_unlabelled(tmp_path):
    table = load_corpus(_corpus(tmp_path, LABELS), reason_ids=REASONS)
    assert table["reasons_source"].tolist() == ["gold", "gold", "none"]


@pytest.mark.parametrize("bad, message", [
    ({**LABELS[0], "item_text": "Oxycodone 10mg #60"}, "decisions_rationales item 0"),
    ({**LABELS[0], "item_index": 7}, "decisions_rationales item 7: labelled but item not"),
    ({**LABELS[0], "letter_id": "missing"}, "missing item 0: labelled but letter not found"),
    ({**LABELS[0], "decision": "denied"}, "decision 'denied'"),
    ({**LABELS[0], "reasons": ["too_expensive"]}, "unknown reason(s) ['too_expensive']"),
])
def test_mismatches_fail_naming_letter_and_item(tmp_path, bad, message):
    with pytest.raises(CorpusError) as err:
        load_corpus(_corpus(tmp_path, [bad, *LABELS[1:]]), reason_ids=REASONS)
    assert message in str(err.value)


def test_missing_labels_file_and_bad_json(tmp_path):
    with pytest.raises(CorpusError, match="no labels.jsonl"):
        load_corpus(tmp_path, reason_ids=REASONS)
    corpus = _corpus(tmp_path, LABELS)
    (corpus / "labels.jsonl").write_text('{"letter_id": "x"\n')
    with pytest.raises(CorpusError, match=r"labels.jsonl:1: not valid JSON"):
        load_corpus(corpus, reason_ids=REASONS)


def test_unreadable_labelled_letter_is_reported(tmp_path):
    corpus = _corpus(tmp_path, LABELS)
    (corpus / "letters" / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(CorpusError, match="broken.pdf"):
        load_corpus(corpus, reason_ids=REASONS)


@pytest.mark.skipif(not (SHARED / "seed").exists(), reason="../shared not present (seed)")
def test_seed_letter_loads_through_the_same_path():
    table = load_corpus(SHARED / "seed", reason_ids=REASONS)
    assert table["item_text"].tolist() == [
        "Twelve sessions of physical therapy for the low back", "One bone scan of the spine"]
    assert table["reasons"].tolist() == [
        ["exceeds_guideline_quantity", "no_functional_improvement"], ["no_indication"]]
    assert set(table["decision_source"]) == {"gold"}
