"""imr_ml.segment.roles: sentence roles of a rationale, its cues file, and the literal gates.

Every sentence here is written for these tests (generic reviewer phrasing), not taken from a
letter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_ml.errors import PatternError
from imr_ml.segment.literals import required_literals
from imr_ml.segment.roles import (
    DEFAULT_CUES_PATH,
    ROLES,
    RoleLabeller,
    default_labeller,
    load_role_cues,
    sentence_roles,
)

EXAMPLES = {
    "guideline": [
        "The guidelines recommend up to ten visits of therapy over eight weeks.",
        "MTUS states that opioids may be continued when pain and function improve.",
        "According to ODG, a repeat MRI is not routinely recommended.",
        "Topical analgesics are primarily recommended for neuropathic pain.",
        "If there is no improvement after the trial, further sessions should not be given.",
        "The ACOEM guidelines do not address this device.",
        "Patients should be reassessed every few weeks.",
        '"Recommended as an option for a short course of treatment."',
    ],
    "history": [
        "The injured worker sustained an injury to the lower back.",
        "The patient has been taking the medication since at least 01/12/2016.",
        "A progress report dated 01/05/2017 noted ongoing neck pain.",
        "The provider requested eight additional sessions.",
        "Treatment to date has included physical therapy and medications.",
        "The clinical note indicated that the patient reported pain of 6/10.",
    ],
    "finding": [
        "There is no documentation of objective functional improvement with prior sessions.",
        "The request exceeds the number of visits the guidelines allow.",
        "The patient has not failed first-line treatment.",
        "The records do not show a neurological deficit on examination.",
        "The requested quantity is within the guideline recommendations.",
        "The associated surgery has been approved.",
        "In this case, the claimant reports only mild pain.",
        "There is a lack of evidence of a recent urine drug screen.",
        "The treating provider did not describe the goals of the treatment.",
    ],
    "conclusion": [
        "Therefore, the request is not medically necessary.",
        "Medical necessity has not been established.",
        "As such, the requested imaging is not supported.",
        "The request for a lumbar brace is not indicated at this time.",
        "No, the request was not medically necessary.",
        "This decision does not address other treatments.",
    ],
}


@pytest.fixture(scope="module")
def labeller() -> RoleLabeller:
    return default_labeller()


@pytest.mark.parametrize(("role", "sentence"),
                         [(role, s) for role, sentences in EXAMPLES.items() for s in sentences])
def test_role_examples(labeller, role, sentence):
    ((start, end, got, cue),) = labeller.explain(sentence)
    assert (start, end) == (0, len(sentence))
    assert got == role, f"{sentence!r} -> {got} by {cue}"


def test_a_rationale_in_order():
    text = ("The guidelines recommend up to ten visits.  Six visits were authorized on "
            "03/02/2016.\nHowever, there is no documentation of functional improvement. "
            "Therefore, the request is not medically necessary.")
    roles = sentence_roles(text)
    assert [r for _, _, r in roles] == ["guideline", "history", "finding", "conclusion"]
    assert [text[a:b] for a, b, _ in roles][1] == "Six visits were authorized on 03/02/2016."


def test_a_sentence_without_cues_continues_the_role_before_it(labeller):
    text = "Guidelines recommend a short trial. Its effect fades over some time."
    (_, _, first, _), (_, _, second, cue) = labeller.explain(text)
    assert (first, second, cue) == ("guideline", "guideline", None)
    assert labeller.explain("Its effect fades over some time.")[0][2] == labeller.cues.first


def test_cues_after_a_role_only():
    # "However, ..." opens a finding after the case's narrative, not inside a guideline quote
    after_history = sentence_roles("The patient was seen on 02/02/2016. However, it stays.")
    after_guideline = sentence_roles("Guidelines recommend rest. However, it stays.")
    assert after_history[-1][2] == "finding"
    assert after_guideline[-1][2] == "guideline"


def test_blank_and_odd_texts(labeller):
    assert labeller.label("") == []
    assert labeller.label(" \n ") == []
    assert labeller.label(None) == []  # a missing rationale
    huge = "the patient " * 20_000
    assert labeller.label(huge) == [(0, len(huge.rstrip()), "history")]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(
    [s + " " for sentences in EXAMPLES.values() for s in sentences]
    + ["\n", ". ", "Dr. ", '" ', "(", "there is no", "MTUS", "medically necessary"]),
    max_size=12).map("".join)))
def test_any_text_is_cut_into_labelled_sentences_in_order(text):
    at = 0
    for start, end, role in sentence_roles(text):
        assert 0 <= at <= start < end <= len(text)
        assert not text[at:start].strip()
        assert role in ROLES
        at = end
    assert not text[at:].strip()


# --------------------------------------------------------------------------- the cues file
def _write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "cues.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _valid() -> dict:
    return {"schema_version": 1, "first": "guideline",
            "fragments": {"SUBJ": "(?:patient|claimant)"},
            "cues": [{"id": "g", "role": "guideline", "priority": 1, "words": ["recommend"]},
                     {"id": "f", "role": "finding", "priority": 2,
                      "pattern": r"\b@SUBJ\b.*\bnot\b"}]}


def test_the_packaged_cues_load():
    cues = load_role_cues()
    assert cues.path == DEFAULT_CUES_PATH and cues.first in ROLES
    assert {c.role for c in cues.cues} == set(ROLES)
    priorities = [c.priority for c in cues.cues]
    assert priorities == sorted(priorities, reverse=True)


def test_a_valid_file_of_ones_own(tmp_path):
    labeller = RoleLabeller(load_role_cues(_write(tmp_path, _valid())))
    assert [r for _, _, r in labeller.label("We Recommend rest. The patient is not better.")] \
        == ["guideline", "finding"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("schema_version"), "schema_version 1"),
    (lambda d: d.update(extra=1), r"unknown keys \['extra'\]"),
    (lambda d: d.update(first="verdict"), "'first' must be one of"),
    (lambda d: d.update(cues=[]), "'cues' must be a non-empty list"),
    (lambda d: d["cues"][0].pop("id"), "cue #0 needs a non-empty string 'id'"),
    (lambda d: d["cues"][1].update(id="g"), "cue 'g': duplicate id"),
    (lambda d: d["cues"][0].update(role="verdict"), "cue 'g': 'role' must be one of"),
    (lambda d: d["cues"][0].update(priority="high"), "cue 'g': 'priority' must be an integer"),
    (lambda d: d["cues"][0].update(priority=True), "cue 'g': 'priority' must be an integer"),
    (lambda d: d["cues"][0].update(pattern="x"), "cue 'g': give exactly one of"),
    (lambda d: d["cues"][0].pop("words"), "cue 'g': give exactly one of"),
    (lambda d: d["cues"][0].update(words=[]), "cue 'g': 'words' must be a non-empty list"),
    (lambda d: d["cues"][0].update(colour="red"), r"cue 'g': unknown keys \['colour'\]"),
    (lambda d: d["cues"][1].update(pattern="(unclosed"), "cue 'f': invalid regex"),
    (lambda d: d["cues"][1].update(pattern="The patient"), "cue 'f': write regexes in lower"),
    (lambda d: d["cues"][1].update(pattern="@NOPE"), "cue 'f' 'pattern': unknown fragment"),
    (lambda d: d["cues"][1].update(unless="[z-a]"), "cue 'f': invalid regex"),
    (lambda d: d["cues"][1].update(after=["verdict"]), "cue 'f': 'after' must be"),
    (lambda d: d["cues"][1].update(note=3), "cue 'f': 'note' must be a string"),
    (lambda d: d.update(fragments={"lower": "x"}), "fragment 'lower': names are upper-case"),
    (lambda d: d.update(fragments={"A": "(x"}), "fragment 'A': invalid regex"),
    (lambda d: d.update(fragments={"A": "@B"}), "fragment 'A': fragments cannot use"),
    (lambda d: d.update(fragments=["x"]), "'fragments' must be an object"),
])
def test_cue_file_errors_name_the_file_and_the_entry(tmp_path, change, message):
    data = _valid()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(PatternError, match=message) as err:
        load_role_cues(path)
    assert str(path) in str(err.value)


def test_unreadable_cue_files(tmp_path):
    with pytest.raises(PatternError, match="cannot read sentence-role cues"):
        load_role_cues(tmp_path / "missing.json")
    with pytest.raises(PatternError, match="cannot read sentence-role cues"):
        load_role_cues(_write(tmp_path, "{not json"))
    with pytest.raises(PatternError, match="schema_version"):
        load_role_cues(_write(tmp_path, "[1, 2]"))


def test_escapes_may_be_upper_case(tmp_path):
    data = _valid()
    data["cues"][1]["pattern"] = r"^\W*\S+\s+\S+\s+not\b\D*$"
    labeller = RoleLabeller(load_role_cues(_write(tmp_path, data)))
    assert labeller.label("They did not.")[0][2] == "finding"


# --------------------------------------------------------------------------- literal gates
@pytest.mark.parametrize(("regex", "expected"), [
    ("medically", {"medically"}),
    (r"\bno\s+(?:more|less)\b", {"more", "less"}),
    (r"(?:yes|no)\s*,", {"yes", "no"}),
    (r"^\W*[\"']", None),
    (r"(?:the\s+)?patient", {"patient"}),
    (r"x?", None),
    (r"(?:a|b*)c", {"c"}),
    (r"(?=recommend)\w+", {"recommend"}),
    (r"(?!recommend)\w+", None),
    (r"(?i:patient)", None),
    (r"(?i)patient", None),
    (r"(?:abc){2}", {"abc"}),
])
def test_required_literals(regex, expected):
    got = required_literals(regex)
    assert (set(got) if got is not None else None) == expected
    assert required_literals("patient", re.IGNORECASE) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["the patient ", "there is no ", "medically necessary", "guidelines recommend ",
     "not documented", "the request ", "exceeds ", "however, ", "in this case, ", "per mtus, ",
     "dated 01/02/2016 ", "if ", "patients ", "x", ".", ",", "\n", " ", '"', "(1) "]),
    max_size=15).map("".join))
def test_a_gate_never_hides_a_match(lower):
    for cue in default_labeller().cues.cues:
        if cue.pattern.search(lower) is not None and cue.gate is not None:
            assert any(word in lower for word in cue.gate), cue.id


def test_gates_never_change_a_role(working_rationales, sample_rationales):
    """The same roles with every gate open, on every rationale at hand."""
    gated = default_labeller()
    open_cues = type(gated.cues)(gated.cues.path, gated.cues.first,
                                 tuple(_ungated(c) for c in gated.cues.cues))
    ungated = RoleLabeller(open_cues)
    for text in [*sample_rationales, *working_rationales]:
        assert gated.label(text) == ungated.label(text)


def _ungated(cue):
    import dataclasses

    return dataclasses.replace(cue, gate=None)
