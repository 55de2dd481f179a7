"""imr_ml.segment.facts: the letter facts of every layout, on the Doc and in segment rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from imr_ml.errors import PatternError
from imr_ml.letters import Letter, read_letter
from imr_ml.segment import make_nlp
from imr_ml.segment.facts import DEFAULT_PATH, FIELDS, FactReader, iso_date, load_rules
from imr_ml.segment.layouts import LAYOUTS
from imr_ml.segment.rows import doc_rows

LETTERS = Path(__file__).parent / "letters"
EMPTY = {name: [] if name.startswith("reviewer_") else None for name in FIELDS}

# Hand-written headers and reviewer blocks of each layout (invented values), with the facts
# they state; a block of items follows each, so that the layout is recognised.
ISSUES_DECISIONS = (
    "Case Number: CM16-0123456\n"
    "Date Assigned: 03/02/2016 Date of Injury: 07/19/2011\n"
    "Decision Date: 04/11/2016 UR Denial Date: 02/09/2016\n"
    "Priority: Expedited Application\nReceived:\n02/24/2016\n"
    "HOW THE IMR FINAL DETERMINATION WAS MADE\nAn expert reviewer read the file.\n"
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: Oregon, Nevada and\nCalifornia\n"
    "Certification(s)/Specialty: Physical Medicine &\nRehabilitation, Pain Medicine\n"
    "CLINICAL CASE SUMMARY\nA clerk with wrist pain.\n"
    "IMR ISSUES, DECISIONS AND RATIONALES\n"
    "Splint for the right wrist: Upheld\n"
    "Claims Administrator guideline: Decision based on MTUS Forearm, Wrist, and Hand "
    "Complaints 2004,\nSection(s): Initial Care.\n"
    "MAXIMUS guideline: Decision based on MTUS Forearm, Wrist, and Hand Complaints 2004, "
    "Section(s):\nInitial Care.\n"
    "Decision rationale: The wrist is stable. The splint is not medically necessary.\n"
)
ISSUES_DECISIONS_FACTS = {
    "case_number": "CM16-0123456", "date_assigned": "2016-03-02",
    "date_of_injury": "2011-07-19", "decision_date": "2016-04-11",
    "ur_denial_date": "2016-02-09", "application_received": "2016-02-24",
    "priority": "Expedited",
    "reviewer_specialty": ["Physical Medicine & Rehabilitation", "Pain Medicine"],
    "reviewer_licensure": ["Oregon", "Nevada", "California"],
}
ISSUE_AT_DISPUTE = (
    "INDEPENDENT MEDICAL REVIEW FINAL DETERMINATION\n"
    "Case Number: CM14-0765432\n"
    "Date of Injury: June 3, 2010 Decision Date: 9-22-14\n"
    "ISSUE AT DISPUTE:\n1. A cane\nCASE SUMMARY:\nKnee pain.\n"
    "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS NOT MEDICALLY NECESSARY:\n"
    "1. The gait is normal. The cane is not medically necessary.\n"
    "MEDICAL REVIEWER QUALIFICATIONS:\n"
    "The reviewer is Board Certified in Family Medicine, has a subspecialty in Sports "
    "Medicine and is licensed in California and Arizona.\n"
)
ISSUE_AT_DISPUTE_FACTS = {
    **EMPTY, "case_number": "CM14-0765432", "date_of_injury": "2010-06-03",
    "decision_date": "2014-09-22", "reviewer_specialty": ["Family Medicine", "Sports Medicine"],
    "reviewer_licensure": ["California", "Arizona"],
}

# The facts the committed test letters state (tests/letters), and the ones they lack.
WRITTEN = {
    "numbered_2013": {
        **EMPTY, "case_number": "CM13-0012345", "decision_date": "2013-11-04",
        "ur_denial_date": "2013-09-12", "application_received": "2013-09-20",
        "reviewer_specialty": ["Orthopaedic Surgery"], "reviewer_licensure": ["California"],
    },
    "decisions_rationales": {
        **EMPTY, "case_number": "CM15-0098765", "date_assigned": "2015-05-22",
        "date_of_injury": "2012-03-14", "decision_date": "2015-06-30",
        "ur_denial_date": "2015-05-08", "application_received": "2015-05-15",
        "priority": "Standard",
    },
    "issue_at_dispute": {
        **EMPTY, "reviewer_specialty": ["Orthopaedic Surgery"],
        "reviewer_licensure": ["California"],
    },
}


@pytest.fixture(scope="module")
def nlp():
    return make_nlp(sentence_roles=False)


def _facts(doc) -> dict:
    return {name: getattr(doc._, name) for name in FIELDS}


@pytest.mark.parametrize("layout", sorted(WRITTEN))
def test_written_letters_state_their_facts_and_no_others(nlp, layout):
    doc = nlp(read_letter(LETTERS / f"{layout}.txt").text)
    assert doc._.layout == layout
    assert _facts(doc) == WRITTEN[layout]


@pytest.mark.parametrize(("text", "layout", "facts"), [
    (ISSUES_DECISIONS, "issues_decisions", ISSUES_DECISIONS_FACTS),
    (ISSUE_AT_DISPUTE, "issue_at_dispute", ISSUE_AT_DISPUTE_FACTS),
])
def test_every_fact_a_layout_states_is_read(nlp, text, layout, facts):
    doc = nlp(text)
    assert doc._.layout == layout and len(doc.spans["items"]) == 1
    assert _facts(doc) == facts


def test_rows_carry_the_letter_facts_on_every_row(nlp):
    text = read_letter(LETTERS / "decisions_rationales.txt").text
    rows = doc_rows(nlp(text), Letter("x", "x.txt", text, text))
    assert len(rows) == 3
    for row in rows:
        assert {name: row[name] for name in FIELDS} == WRITTEN["decisions_rationales"]


def test_a_letter_without_items_still_carries_its_facts(nlp):
    text = ISSUES_DECISIONS[:ISSUES_DECISIONS.index("Splint")]
    (row,) = doc_rows(nlp(text), Letter("x", "x.txt", text, text))
    assert row["status"] == "no_items" and row["case_number"] == "CM16-0123456"


def test_text_of_no_layout_has_no_facts(nlp):
    assert _facts(nlp("Case Number: CM16-0123456\nDate of Injury: 01/02/2015\n")) == EMPTY


@pytest.mark.parametrize("layout", ["issue_at_dispute", "numbered_2013"])
@pytest.mark.parametrize(("block", "specialty", "licensure"), [
    ("The reviewer is licensed in California and is Board Certified in Orthopaedic Surgery.",
     ["Orthopaedic Surgery"], ["California"]),
    (("The reviewer is licensed to practice in Oregon and Idaho, is Board Certified in Family "
     "Medicine and has a subspecialty in Sports Medicine."),
     ["Family Medicine", "Sports Medicine"], ["Oregon", "Idaho"]),
    (("The physician reviewer is licensed in Texas. The reviewer is Board Certified in "
     "Anesthesiology with a subspecialty in Pain Medicine."),
     ["Anesthesiology", "Pain Medicine"], ["Texas"]),
    (("The reviewer is licensed in Nevada and Board Certified in Physical Medicine and "
     "Rehabilitation."), ["Physical Medicine and Rehabilitation"], ["Nevada"]),
])
def test_the_reviewers_credentials_are_read_in_either_order(layout, block, specialty, licensure):
    heading = ("MEDICAL REVIEWER QUALIFICATIONS:" if layout == "issue_at_dispute"
               else "Medical Qualifications of the Expert Reviewer:")
    facts = FactReader().read(f"Some text.\n{heading}\n{block}\nCase Summary:\n", layout)
    assert (facts["reviewer_specialty"], facts["reviewer_licensure"]) == (specialty, licensure)


def test_the_reviewer_block_is_read_within_a_bounded_window():
    """Contrived text without a full stop made the reviewer patterns quadratic (a 200,000
    character text took a minute): each now reads a window of at most a few hundred
    characters, whatever the letter's length (speed: benchmarks/bench_segment.py)."""
    reader = FactReader()
    seen: list[int] = []

    class Counting:  # a pattern that notes how much text it is given
        def __init__(self, rx):
            self.rx = rx

        def search(self, text):
            seen.append(len(text))
            return self.rx.search(text)

    windows = set()
    for layout in ("issue_at_dispute", "numbered_2013"):
        fields = reader.rules[layout]
        for name in ("reviewer_specialty", "reviewer_licensure"):
            assert all(window is not None for _, window in fields[name])
            windows |= {window for _, window in fields[name]}
            fields[name] = [(Counting(rx), window) for rx, window in fields[name]]
    bound = max(chars for _, chars in windows)
    assert bound <= 1000
    text = ("MEDICAL REVIEWER QUALIFICATIONS: " + "is licensed in Board Certified in " * 6000
            + "x")
    assert len(text) > 200_000
    facts = reader.read(text, "issue_at_dispute")
    assert seen and max(seen) <= bound
    assert facts["case_number"] is None


@pytest.mark.parametrize(("stated", "iso"), [
    ("11/18/2016", "2016-11-18"), ("1/5/2016", "2016-01-05"), ("11-18-16", "2016-11-18"),
    ("4/1/98", "1998-04-01"), ("2016-11-18", "2016-11-18"), ("November 18, 2016", "2016-11-18"),
    ("Sept. 3 2015", "2015-09-03"), ("13/45/2016", None), ("02/30/2016", None),
    ("Smarch 3, 2016", None), ("1/2/201", None),
])
def test_dates_become_iso_or_nothing(stated, iso):
    assert iso_date(stated) == iso


def test_only_plausible_years_are_dates():
    next_year = date.today().year + 1
    assert iso_date(f"1/2/{next_year}", "decision_date") == f"{next_year}-01-02"
    for stated in ("1/2/0001", f"1/2/{next_year + 1}", "2040-01-02", "Jan 2, 2012"):
        assert iso_date(stated, "decision_date") is None, stated
    assert iso_date("1/2/1962", "date_of_injury") == "1962-01-02"  # injuries may be old
    assert iso_date("1/2/1962", "ur_denial_date") is None          # IMR began in 2013
    assert iso_date("1/2/1899", "date_of_injury") is None
    text = ISSUES_DECISIONS.replace("Decision Date: 04/11/2016", "Decision Date: 04/11/0001")
    assert FactReader().read(text, "issues_decisions")["decision_date"] is None


@pytest.mark.parametrize("stated", ["11/18/20161", "2016-11-189", "November 18, 20161"])
def test_a_date_followed_by_more_digits_is_no_date(stated):
    text = ISSUES_DECISIONS.replace("Date of Injury: 07/19/2011", f"Date of Injury: {stated}")
    facts = FactReader().read(text, "issues_decisions")
    assert facts["date_of_injury"] is None and facts["decision_date"] == "2016-04-11"


def test_a_date_that_is_no_date_stays_empty():
    text = ISSUES_DECISIONS.replace("Date Assigned: 03/02/2016", "Date Assigned: 03/32/2016")
    facts = FactReader().read(text, "issues_decisions")
    assert facts["date_assigned"] is None and facts["decision_date"] == "2016-04-11"


def test_every_layout_has_rules_for_its_facts():
    rules = load_rules()
    assert set(rules) == {layout.name for layout in LAYOUTS}
    for layout, fields in rules.items():
        assert {"case_number", "decision_date", "reviewer_specialty"} <= set(fields) or (
            layout == "issue_at_dispute"), layout


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["groups"]["case"].update(case_numbr=["(?P<value>x)"]), "unknown field"),
    (lambda d: d["groups"]["case"].update(case_number=["Case: (\\d+)"]), "no group 'value'"),
    (lambda d: d["groups"]["case"].update(case_number=["(?P<value>["]), "group case"),
    (lambda d: d["layouts"].update(numbered_2013=["nope"]), "no group 'nope'"),
    (lambda d: d.pop("groups"), "not a letter facts file"),
    (lambda d: d["windows"].update(nope={"after": "x", "chars": 9}), "windows: no group 'nope'"),
    (lambda d: d["windows"]["qualifications"].update(after="("), "window qualifications"),
])
def test_a_malformed_facts_file_is_refused_by_name(tmp_path, change, message):
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PatternError, match=message) as err:
        load_rules(path)
    assert str(path) in str(err.value)
