"""data/annotations/sentence_roles.jsonl: hand-annotated sentence roles, offsets only.

The offsets must fall on the labeller's sentences of the segmenter's rationales (else the
segmenter or the splitter changed and the annotations need re-aligning). Nothing of the
letters' text is printed, even on failure: messages name letters, items and offsets only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from imr_ml.corpus.splits import WORKING, real_halves
from imr_ml.segment import segment_letters
from imr_ml.segment.roles import ROLES
from imr_ml.segment.sentences import sentence_bounds

REPO = Path(__file__).resolve().parents[1]
ANNOTATIONS = REPO / "data" / "annotations" / "sentence_roles.jsonl"
LETTERS = REPO.parent / "shared" / "real" / "letters"
FIELDS = {"letter_id", "item_index", "start", "end", "role"}


def _annotations() -> list[dict]:
    return [json.loads(line) for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines()]


def test_annotations_hold_offsets_and_roles_only():
    rows = _annotations()
    assert len(rows) >= 150
    assert len({r["letter_id"] for r in rows}) >= 12
    keys = set()
    for row in rows:
        assert set(row) == FIELDS  # no text of any kind
        assert isinstance(row["item_index"], int) and isinstance(row["start"], int)
        assert 0 <= row["start"] < row["end"] and row["role"] in ROLES
        keys.add((row["letter_id"], row["item_index"], row["start"]))
    assert len(keys) == len(rows)


@pytest.mark.shared
@pytest.mark.skipif(not LETTERS.is_dir(), reason="../shared/real is not present")
def test_annotations_fall_on_the_labellers_sentences():
    by_item: dict[tuple[str, int], set[tuple[int, int]]] = defaultdict(set)
    for row in _annotations():
        by_item[(row["letter_id"], row["item_index"])].add((row["start"], row["end"]))
    letter_ids = {letter for letter, _ in by_item}
    working = real_halves(p.stem for p in LETTERS.glob("*.pdf"))[WORKING]
    assert letter_ids <= working, "annotations must come from the working half only"
    seen = set()
    for _, rows in segment_letters([LETTERS / f"{letter}.pdf" for letter in sorted(letter_ids)]):
        for row in rows:
            key = (row["letter_id"], row["item_index"])
            if key not in by_item:
                continue
            seen.add(key)
            sentences = set(sentence_bounds(row["rationale"] or ""))
            stray = sorted(by_item[key] - sentences)
            assert not stray, f"{key}: annotated offsets {stray[:3]} are not sentences"
            assert by_item[key] == sentences, f"{key}: not every sentence is annotated"
    assert seen == set(by_item), f"items not found: {sorted(set(by_item) - seen)[:3]}"
