"""The 97 real DWC letters of ../shared/real: every labelled item, in order, with its decision."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from imr_ml.segment.rows import segment_letters

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
pytestmark = pytest.mark.skipif(not (REAL / "labels.jsonl").exists(),
                                reason="../shared not present (real letters)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def segmented() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for _, letter_rows in segment_letters([REAL / "letters"]):
        for row in letter_rows:
            rows[row["letter_id"]].append(row)
    return rows


@pytest.fixture(scope="module")
def labels() -> dict[str, list[dict]]:
    by_letter: dict[str, list[dict]] = defaultdict(list)
    for line in (REAL / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        by_letter[item["letter_id"]].append(item)
    return by_letter


def test_every_item_found_in_order_with_its_decision(segmented, labels):
    assert set(segmented) == set(labels)
    for letter_id, expected in labels.items():
        got = [(r["item_index"], _squash(r["item_text"]), r["decision_stated"])
               for r in segmented[letter_id]]
        want = [(e["item_index"], _squash(e["item_text"]), e["decision"]) for e in expected]
        assert got == want, letter_id


def test_every_row_is_complete(segmented):
    rows = [r for letter in segmented.values() for r in letter]
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["layout"] for r in rows} == {"issues_decisions"}
    for r in rows:
        assert r["rationale"] and r["guidelines"] is not None
        assert r["rationale_end"] - r["rationale_start"] == len(r["rationale"])


def test_partly_authorised_items_carry_both_requests(segmented):
    partial = [r for letter in segmented.values() for r in letter
               if "was the original request" in r["item_text"]]
    assert len(partial) >= 10
    for r in partial:
        assert r["original_request"] and r["eligible_portion"]
        assert r["item_text"].startswith(r["original_request"])
        assert "original request" not in r["eligible_portion"]
        assert not r["eligible_portion"].endswith(" is")
