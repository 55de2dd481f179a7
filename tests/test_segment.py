"""The segmenter on the seed letter, on hand-written letters of the other layouts, and on junk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imr_ml.letters import read_letter
from imr_ml.segment import SPANS_KEY, make_nlp
from imr_ml.segment.layouts import LAYOUTS
from imr_ml.segment.parser import LayoutParser

HERE = Path(__file__).parent
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_435950e687b08266.txt"


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


def _items(nlp, path: Path):
    doc = nlp(read_letter(path).text)
    return doc, list(doc.spans[SPANS_KEY])


# (item text, decision, rationale's first words, rationale's last words, guideline sources)
EXPECTED = {
    "numbered_2013": [
        ("eight sessions of aquatic therapy for the lumbar spine", "upheld",
         "Aquatic exercise is offered", "is not medically necessary and appropriate.", ["MTUS"]),
        ("a lumbar support brace", "upheld",
         "Lumbar supports have shown", "not medically necessary and appropriate.", ["ACOEM"]),
        ("naproxen 550 mg #60", "overturned",
         "Anti-inflammatory drugs are", "is medically necessary and appropriate.", ["MTUS"]),
    ],
    "decisions_rationales": [
        ("Tramadol 50mg #120", "upheld",
         "Continued opioid use depends", "is not medically necessary.", ["MTUS"]),
        ("Chiropractic manipulation six visits for the neck", "overturned",
         "Manipulation is recommended", "the request is medically necessary.", ["MTUS"]),
        ("Magnetic resonance imaging of the right shoulder", "upheld",
         "Imaging of the shoulder is indicated",
         "right shoulder is not medically necessary.", ["ODG"]),
    ],
    "issue_at_dispute": [
        ("Twenty-four sessions of post-operative physical therapy for the left knee",
         "overturned", "Postsurgical guidelines allow",
         "physical therapy is medically necessary.", ["MTUS", "ODG"]),
        ("Purchase of a continuous passive motion device for the left knee", "upheld",
         "A continuous passive motion device", "motion device is not medically necessary.",
         ["MTUS", "ODG"]),
    ],
}


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_written_letters_segment_exactly(nlp, layout):
    path = HERE / "letters" / f"{layout}.txt"
    assert b"\r\n" in path.read_bytes(), "fixture must keep its CRLF line endings"
    doc, spans = _items(nlp, path)
    assert doc._.layout == layout
    assert doc._.segment_reason is None
    got = [
        (s._.item_text, s._.decision_stated, s._.rationale.text.split(" ")[0],
         sorted({c["source"] for c in s._.guidelines}))
        for s in spans
    ]
    want = [(t, d, first.split(" ")[0], sorted(set(g))) for t, d, first, _, g in EXPECTED[layout]]
    assert got == want
    for span, (_, _, first, last, _) in zip(spans, EXPECTED[layout]):
        rationale = re.sub(r"\s+", " ", span._.rationale.text)
        assert rationale.startswith(first)
        assert rationale.endswith(last)
        assert "Page " not in rationale and "Case Number" not in rationale
        assert span.start_char <= span._.rationale.start_char < span._.rationale.end_char
        assert span._.rationale.end_char <= span.end_char


def test_hyphenated_break_inside_rationale_is_joined(nlp):
    _, spans = _items(nlp, HERE / "letters" / "decisions_rationales.txt")
    assert "latest examination shows" in re.sub(r"\s+", " ", spans[2]._.rationale.text)


@pytest.mark.skipif(not SEED.exists(), reason="../shared not present (seed letter)")
def test_seed_letter(nlp):
    doc, spans = _items(nlp, SEED)
    assert doc._.layout == "issues_decisions"
    assert [s._.item_text for s in spans] == [
        "Twelve sessions of physical therapy for the low back", "One bone scan of the spine"]
    assert [s._.decision_stated for s in spans] == ["upheld", "upheld"]
    pt, scan = (s._.guidelines for s in spans)
    assert pt == [{"source": "MTUS", "chapter": "Chronic Pain", "section": "Physical Medicine",
                   "pages": "98-99"}]
    assert [(c["source"], c["chapter"]) for c in scan] == [("ODG", "Low Back; Hip and Pelvis")]
    for span in spans:
        assert span._.rationale.text.startswith("Regarding the request for")
        assert " ".join(span._.rationale.text.split()).endswith(
            "is not medically necessary or appropriate.")
    assert "One bone scan" not in spans[0]._.rationale.text


def test_partly_authorised_item_keeps_original_and_eligible_portion(nlp):
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set "
        "forth below:\n"
        "Acupuncture ten visits was the original request. Acupuncture six visits was\n"
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the\n"
        "original request, Acupuncture four visits is: Upheld\n"
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Treatment 2007.\n"
        "Decision rationale: Extra visits need documented functional gains. The request is "
        "not medically necessary.\n"
    )
    (span,) = nlp(text).spans[SPANS_KEY]
    assert span._.original_request == "Acupuncture ten visits"
    assert span._.eligible_portion == "Acupuncture four visits"
    assert span._.item_text == "Acupuncture four visits"  # what IMR decided
    assert span._.decision_stated == "upheld"
    assert span._.guidelines[0]["chapter"] == "Acupuncture"


def test_glued_decision_and_header_after_colon(nlp):
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "The Final Determination was based on decisions for the disputed items/services set "
        "forth below:Associated surgical service: Cold therapy for one week: "
        "OverturnedClaims Administrator guideline: Decision based on MTUS.\n"
        "MAXIMUS guideline: Decision based on Non-MTUS Citation ODG Knee Chapter.\n"
        "Decision rationale: Cold therapy for seven days after surgery is supported. The "
        "request is medically necessary.\n"
    )
    (span,) = nlp(text).spans[SPANS_KEY]
    assert span._.item_text == "Associated surgical service: Cold therapy for one week"
    assert span._.decision_stated == "overturned"
    assert span._.guidelines == [{"source": "ODG", "chapter": "Knee", "section": None,
                                  "pages": None}]


@pytest.mark.parametrize("text", ["", "   ", "Dear Sir, thank you for your letter.",
                                  "IMR ISSUES, DECISIONS AND RATIONALES\nnothing here"])
def test_unknown_or_empty_text_gives_no_items_and_a_reason(nlp, text):
    doc = nlp(text)
    assert list(doc.spans[SPANS_KEY]) == []
    assert doc._.segment_reason


def test_every_layout_is_a_row_of_the_table():
    names = [layout.name for layout in LAYOUTS]
    assert sorted(names) == sorted([*EXPECTED, "issues_decisions"])
    assert {r.layout.name for r in LayoutParser().rules} == set(names)


def test_wrapped_numbered_2013_list_entries_keep_their_decisions(nlp):
    text = (
        "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE\n"
        "1) MAXIMUS Federal Services, Inc. has determined the request for twelve sessions\n"
        "of physical therapy is medically necessary and appropriate.\n"
        "2) MAXIMUS Federal Services, Inc. has determined the request for a knee brace is "
        "notmedically necessary and appropriate.\n"
        "Case Summary:\nA warehouse worker hurt a knee.\n"
        "1) Regarding the request for twelve sessions of physical therapy:\n"
        "Rationale for the Decision:\nThe knee has not yet had any therapy.\n"
        "2) Regarding the request for a knee brace:\n"
        "Rationale for the Decision:\nThe knee is stable.\n"
    )
    spans = nlp(text).spans[SPANS_KEY]
    assert [(s._.item_text, s._.decision_stated) for s in spans] == [
        ("twelve sessions of physical therapy", "overturned"), ("a knee brace", "upheld")]


def test_partly_authorised_header_wrapped_inside_its_sentences(nlp):
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        "Decision rationale: An earlier item. The request is not medically necessary.\n"
        "Acupuncture ten visits was the original\nrequest. Acupuncture six visits was "
        "authorized by the Claims\nAdministrator. The remaining IMR eligible portion of the "
        "original request, Acupuncture four visits is: Upheld\n"
        "Decision rationale: No gains were shown. The request is not medically necessary.\n"
    )
    span = nlp(text).spans[SPANS_KEY][-1]
    assert span._.original_request == "Acupuncture ten visits"
    assert span._.eligible_portion == "Acupuncture four visits"


def test_issue_at_dispute_wrapped_entries_and_numbered_lines_inside_a_rationale(nlp):
    text = (
        "ISSUE AT DISPUTE:\n1. Twelve sessions of physical therapy for the lumbar\nspine\n"
        "2. One lumbar support\nCASE SUMMARY:\nBack strain.\n"
        "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS NOT MEDICALLY NECESSARY:\n"
        "1. Guidelines list two criteria:\n1. a documented deficit;\n2. a home program.\n"
        "Neither is shown. The therapy is not medically necessary.\n"
        "2. Supports help only in the acute phase. The support is not medically necessary.\n"
        "MEDICAL REVIEWER QUALIFICATIONS:\nBoard certified.\n"
    )
    spans = nlp(text).spans[SPANS_KEY]
    assert [s._.item_text for s in spans] == [
        "Twelve sessions of physical therapy for the lumbar spine", "One lumbar support"]
    assert "a home program" in spans[0]._.rationale.text
    assert [s._.decision_stated for s in spans] == ["upheld", "upheld"]
