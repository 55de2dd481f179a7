"""imr_ml.segment.guidelines: citations read whole (source, chapter, section, pages), on one
line, and both guidelines of an item (the claims administrator's and the reviewer's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_ml.letters import read_letter
from imr_ml.segment import SPANS_KEY, make_nlp
from imr_ml.segment.guidelines import Citation, label, parse

LETTERS = Path(__file__).parent / "letters"


def _one(text: str) -> Citation:
    (citation,) = parse(text)
    return citation


@pytest.mark.parametrize(("text", "section"), [
    (("Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3\nOpioids for Chronic Pain "
     "and Chronic Opioid Treatment: Starting Treatment."),
     "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Starting Treatment"),
    (("Decision based on MTUS Opioid Treatment 2016, Section(s):\n3. Opioids for Chronic\nPain: "
     "Overview."), "3. Opioids for Chronic Pain: Overview"),
    (("Decision based on MTUS Low Back Complaints 2004,\nSection(s): Special\nStudies, "
     "Summary."), "Special Studies, Summary"),
    ("Decision based on MTUS Elbow Complaints 2007, Section(s): 326.", "326"),
])
def test_sections_are_kept_whole_on_one_line(text, section):
    assert _one(text)["section"] == section


def test_a_topic_after_the_chapter_is_the_section():
    odg = _one("Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee "
               "& Leg (updated 01/02/16) Chapter: Walking\naids.")
    assert (odg["source"], odg["chapter"], odg["section"]) == ("ODG", "Knee", "Walking aids")
    mtus = _one("Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Aquatic "
                "therapy, page 22.")
    assert (mtus["chapter"], mtus["section"], mtus["pages"]) == ("Chronic Pain",
                                                                 "Aquatic therapy", "22")


@pytest.mark.parametrize(("text", "source"), [
    ("Decision based on the Post-Surgical Treatment Guidelines, Knee, arthroplasty.", "MTUS"),
    ("Decision based on the Postsurgical Treatment Guidelines 2009.", "MTUS"),
    ("Decision based on the Drug Formulary, Exempt drugs.", "MTUS"),
    ("Decision based on Low Back Complaints 2004, Section(s): Physical Methods.", "MTUS"),
    ("Decision based on Stress Related Conditions, Section(s): Summary.", "MTUS"),
    ("Decision based on the Acupuncture Medical Treatment Guidelines.", "MTUS"),
    ("Decision based on the ACOEM Practice Guidelines, Low Back Complaints, page 301.", "ACOEM"),
])
def test_the_mtus_cited_by_its_parts_titles_is_mtus(text, source):
    assert _one(text)["source"] == source


def test_guidelines_outside_the_mtus_are_no_mtus_citation():
    text = ("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
            "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines "
            "(ODG), Shoulder, Sling.")
    assert [c["source"] for c in parse(text)] == ["ODG"]


def test_a_label_is_one_line_with_its_source_first():
    assert label({"source": "MTUS", "chapter": "Low Back; Chronic Pain",
                  "section": "Physical Methods; Massage", "pages": "300; 60"}) == (
        "MTUS (Low Back / Chronic Pain): Physical Methods / Massage, pages 300 / 60")
    assert label({"source": "ODG", "chapter": None, "section": None, "pages": None}) == "ODG"


def test_both_guidelines_of_an_item():
    nlp = make_nlp(sentence_roles=False)
    spans = nlp(read_letter(LETTERS / "numbered_2013.txt").text).spans[SPANS_KEY]
    claims = [s._.guidelines_claims_administrator for s in spans]
    reviewer = [s._.guidelines for s in spans]
    assert [[c["source"] for c in cs] for cs in claims] == [["MTUS"], ["ACOEM"], ["MTUS"]]
    assert claims[0][0]["section"] == "Aquatic therapy" and claims[0][0]["pages"] == "22"
    assert [[c["source"] for c in cs] for cs in reviewer] == [["MTUS"], ["ACOEM"], ["MTUS"]]
    # a layout without the claims administrator's guideline gives none
    other = nlp(read_letter(LETTERS / "decisions_rationales.txt").text).spans[SPANS_KEY]
    assert all(s._.guidelines_claims_administrator == [] for s in other)


def test_sections_divided_by_semicolons_are_all_kept():
    mtus = _one("Decision based on MTUS Chronic Pain Medical Treatment Guidelines, Section(s): "
                "Opioids; Topical analgesics.")
    assert mtus["section"] == "Opioids; Topical analgesics"
    assert label(mtus) == "MTUS (Chronic Pain): Opioids / Topical analgesics"
    paged = _one("Decision based on MTUS Chronic Pain Medical Treatment Guidelines 2009, "
                 "Section(s): Topical Analgesics, page 111; Opioids, pages 78-80.")
    assert (paged["section"], paged["pages"]) == ("Topical Analgesics; Opioids", "111; 78-80")


def test_a_semicolon_before_a_guidelines_name_begins_another_citation():
    mtus, odg = parse("Decision based on MTUS; ODG Low Back Chapter, Bone scan.")
    assert (mtus["source"], odg["source"], odg["section"]) == ("MTUS", "ODG", "Bone scan")
    both = parse("Decision based on MTUS Chronic Pain, Section(s): Opioids; Official Disability "
                 "Guidelines (ODG), Pain Chapter, Opioids.")
    assert [(c["source"], c["section"]) for c in both] == [("MTUS", "Opioids"), ("ODG", "Opioids")]
