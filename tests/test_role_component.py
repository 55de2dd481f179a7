"""imr_ml.segment.role_component: rationale sentences and their roles on the Doc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_ml.letters import read_letter
from imr_ml.segment import SENTENCES_KEY, SPANS_KEY, make_nlp, segment_letters
from imr_ml.segment.roles import ROLES, sentence_roles

HERE = Path(__file__).parent
LETTERS = sorted((HERE / "letters").glob("*.txt"))
NLP = make_nlp()


@pytest.fixture(scope="module")
def nlp():
    return NLP


def _check(doc) -> None:
    """Sentences tile each rationale, in order, and carry the labeller's roles."""
    every = list(doc.spans[SENTENCES_KEY])
    mine = []
    for item in doc.spans[SPANS_KEY]:
        sentences = item._.sentences
        rationale = item._.rationale
        assert isinstance(sentences, list)
        if rationale is None:
            assert sentences == []
            continue
        text = rationale.text
        expected = [(rationale.start_char + a, rationale.start_char + b, role)
                    for a, b, role in sentence_roles(text)]
        assert [(s.start_char, s.end_char, s._.role) for s in sentences] == expected
        mine += sentences
    assert [(s.start, s.end) for s in every] == [(s.start, s.end) for s in mine]


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_the_test_letters(nlp, path):
    doc = nlp(read_letter(path).text)
    assert len(doc.spans[SPANS_KEY]) >= 2
    _check(doc)
    roles = [s._.role for s in doc.spans[SENTENCES_KEY]]
    assert set(roles) <= set(ROLES) and "conclusion" in roles
    assert all(item._.sentences for item in doc.spans[SPANS_KEY])


def test_the_pipeline_declares_what_it_assigns(nlp):
    assert nlp.pipe_names == ["imr_segmenter", "imr_sentence_roles"]
    meta = nlp.get_pipe_meta("imr_sentence_roles")
    assert {"doc.spans", "span._.role", "span._.sentences"} <= set(meta.assigns)
    assert nlp.analyze_pipes()["problems"]["imr_sentence_roles"] == []


def test_roles_are_read_once_per_rationale(nlp, monkeypatch):
    import imr_ml.segment.role_component as rc

    doc = nlp(read_letter(LETTERS[0]).text)
    calls = []
    labeller = rc._labeller(None)
    original = type(labeller).label
    monkeypatch.setattr(type(labeller), "label",
                        lambda self, text: calls.append(text) or original(self, text))
    first = [s._.role for s in doc.spans[SENTENCES_KEY]]
    again = [s._.role for s in doc.spans[SENTENCES_KEY]]
    assert first == again
    assert len(calls) == sum(1 for i in doc.spans[SPANS_KEY] if i._.rationale is not None)


def test_other_spans_have_no_role(nlp):
    doc = nlp(read_letter(LETTERS[0]).text)
    assert all(item._.role is None for item in doc.spans[SPANS_KEY])
    assert doc[0:1]._.role is None
    assert len(nlp("no letter here").spans[SENTENCES_KEY]) == 0


def test_segment_rows_are_the_same_without_the_roles():
    with_roles = [rows for _, rows in segment_letters(LETTERS, nlp=make_nlp())]
    without = [rows for _, rows in segment_letters(LETTERS)]
    assert with_roles == without


def test_items_only_pipeline():
    nlp = make_nlp(sentence_roles=False)
    assert nlp.pipe_names == ["imr_segmenter"] and nlp.tokenizer.sentences is False
    doc = nlp(read_letter(LETTERS[0]).text)
    assert SENTENCES_KEY not in doc.spans
    assert all(item._.sentences is None for item in doc.spans[SPANS_KEY])
    # adding the component later makes the letter tokenizer cut sentences again
    nlp.add_pipe("imr_sentence_roles")
    _check(nlp(read_letter(LETTERS[0]).text))


def test_after_spacys_own_tokenizer():
    """Sentences snap outwards to word tokens; roles are still the labeller's."""
    nlp = spacy.blank("en")
    nlp.add_pipe("imr_segmenter")
    nlp.add_pipe("imr_sentence_roles")
    for path in LETTERS:
        doc = nlp(read_letter(path).text)
        for item in doc.spans[SPANS_KEY]:
            rationale = item._.rationale
            expected = sentence_roles(rationale.text)
            got = item._.sentences
            assert len(got) == len(expected)
            assert [s._.role for s in got] == [role for _, _, role in expected]


def test_a_cues_file_of_ones_own(tmp_path):
    path = tmp_path / "cues.json"
    path.write_text(json.dumps({"schema_version": 1, "first": "history", "cues": [
        {"id": "all", "role": "finding", "priority": 1, "pattern": "."}]}), encoding="utf-8")
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {
        "@tokenizers": "imr_ml.letter_tokenizer.v1"}}})
    nlp.add_pipe("imr_segmenter")
    nlp.add_pipe("imr_sentence_roles", config={"cues_path": str(path)})
    doc = nlp(read_letter(LETTERS[0]).text)
    assert {s._.role for s in doc.spans[SENTENCES_KEY]} == {"finding"}
    with pytest.raises(Exception, match="cannot read sentence-role cues"):
        nlp.add_pipe("imr_sentence_roles", name="broken",
                     config={"cues_path": str(tmp_path / "missing.json")})


RATIONALE_EDITS = st.one_of(
    st.sampled_from(["", " ", "\n\n", ".", "x" * 5000, "no stop at all", '"', ". . .",
                     "The request is not medically necessary.", "Dr. A. B. C."]),
    st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LETTERS), RATIONALE_EDITS)
def test_odd_rationales_never_raise(path, replacement):
    """A letter whose first rationale is replaced by odd text: empty, unbroken, huge."""
    text = read_letter(path).text
    nlp = NLP
    doc = nlp(text)
    first = doc.spans[SPANS_KEY][0]._.rationale
    odd = text[:first.start_char] + replacement + text[first.end_char:]
    _check(nlp(odd))
