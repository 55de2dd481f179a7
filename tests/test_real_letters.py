"""The 97 real DWC letters of ../shared/real: every labelled item, in order, with its decision."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from imr_ml.segment.facts import DATE_FIELDS
from imr_ml.segment.facts import FIELDS as FACT_FIELDS
from imr_ml.segment.parser import decided_item
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
        # a partly authorised item's label states it whole; the row holds what IMR decided
        want = [(e["item_index"], _squash(decided_item(e["item_text"])), e["decision"])
                for e in expected]
        assert got == want, letter_id


def test_every_row_is_complete(segmented):
    rows = [r for letter in segmented.values() for r in letter]
    assert {r["status"] for r in rows} == {"ok"}
    assert {r["layout"] for r in rows} == {"issues_decisions"}
    for r in rows:
        assert r["rationale"] and r["guidelines"] is not None
        assert r["rationale_end"] - r["rationale_start"] == len(r["rationale"])


def test_partly_authorised_items_carry_both_requests(segmented, labels):
    stated = {(e["letter_id"], e["item_index"]): e["item_text"]
              for letter in labels.values() for e in letter}
    partial = [r for letter in segmented.values() for r in letter
               if "was the original request" in stated[r["letter_id"], r["item_index"]]]
    assert len(partial) >= 10
    for r in partial:
        assert r["original_request"] and r["eligible_portion"]
        assert stated[r["letter_id"], r["item_index"]].startswith(r["original_request"])
        assert r["item_text"] == r["eligible_portion"]
        assert "original request" not in r["eligible_portion"]
        assert not r["eligible_portion"].endswith(" is")
    others = [r for letter in segmented.values() for r in letter if r not in partial]
    assert not any(r["original_request"] or r["eligible_portion"] for r in others)


STATES = frozenset(["Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "Wisconsin", "Wyoming"]
) | {"New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
     "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "District of Columbia"}


def test_every_letter_states_every_fact_well_formed(segmented):
    for letter_id, rows in segmented.items():
        facts = {name: rows[0][name] for name in FACT_FIELDS}
        assert all(facts[name] for name in FACT_FIELDS), letter_id  # all stated
        assert all({name: r[name] for name in FACT_FIELDS} == facts for r in rows), letter_id
        assert facts["case_number"] == letter_id  # the file is named by its case number
        assert re.fullmatch(r"CM1[67]-\d{7}", facts["case_number"])
        dates = {name: date.fromisoformat(facts[name]) for name in DATE_FIELDS}
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", facts[name]) for name in DATE_FIELDS)
        # the order of an IMR: injury, UR denial, application, assignment, decision
        assert (dates["date_of_injury"] <= dates["ur_denial_date"]
                <= dates["application_received"] <= dates["date_assigned"]
                <= dates["decision_date"]), letter_id
        assert facts["priority"] in {"Standard", "Expedited"}
        assert set(facts["reviewer_licensure"]) <= STATES, letter_id
        for specialty in facts["reviewer_specialty"]:
            assert re.fullmatch(r"[A-Z][A-Za-z]+(?: (?:&|[A-Za-z]+))*", specialty), letter_id
    specialties = [r[0]["reviewer_specialty"] for r in segmented.values()]
    assert any(len(s) > 1 for s in specialties)  # lists, split at commas
    assert any(" & " in x for s in specialties for x in s)  # wrapped over two lines in some


def test_no_field_holds_a_line_break(segmented):
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict | list):
            for v in value.values() if isinstance(value, dict) else value:
                yield from strings(v)

    rows = [r for letter in segmented.values() for r in letter]
    for r in rows:
        for column, value in r.items():
            assert not any("\n" in s or "\r" in s for s in strings(value)), column


def test_both_guidelines_with_chapter_and_section(segmented):
    rows = [r for letter in segmented.values() for r in letter]
    for column in ("guidelines", "guidelines_claims_administrator"):
        citations = [c for r in rows for c in r[column]]
        assert len(citations) >= 200, column
        assert {c["source"] for c in citations} <= {"MTUS", "ACOEM", "ODG", "other"}
        assert sum(bool(c["chapter"]) for c in citations) >= 0.8 * len(citations), column
        assert sum(bool(c["section"]) for c in citations) >= 0.5 * len(citations), column
        # "Section(s): 3.3 Opioids ..." keeps its title, not the bare number
        assert not [c for c in citations if re.fullmatch(r"\d(?:\.\d+)*", c["section"] or "")]
    # a reviewer who relied on guidelines "outside of the MTUS" did not cite the MTUS
    assert sum("MTUS" in [c["source"] for c in r["guidelines"]] for r in rows) < 0.85 * len(rows)
