"""Property tests: the segmenter never raises and its spans (items, rationale sentences and
their roles) are always well formed."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imr_ml.letters import normalise, read_letter
from imr_ml.segment import ROLES, SPANS_KEY, make_nlp

HERE = Path(__file__).parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
NLP = make_nlp()


def _letters() -> list[str]:
    """Hand-written letters of every layout, plus the seed letter and a few real letters."""
    paths = sorted((HERE / "letters").glob("*.txt"))
    paths += sorted((SHARED / "seed").glob("*.txt"))
    paths += sorted((SHARED / "real" / "letters").glob("*.pdf"))[:5]
    return [read_letter(p).text for p in paths]


LETTERS = _letters()


def _check(text: str) -> None:
    doc = NLP(text)
    assert doc.text == text
    spans = list(doc.spans[SPANS_KEY])
    assert bool(spans) != bool(doc._.segment_reason)
    previous_end = 0
    for span in spans:
        assert 0 <= previous_end <= span.start_char < span.end_char <= len(text)
        previous_end = span.end_char
        rationale = span._.rationale
        if rationale is not None:
            assert span.start_char <= rationale.start_char < rationale.end_char <= span.end_char
        assert span._.decision_stated in {"upheld", "overturned", None}
        at = rationale.start_char if rationale is not None else span.end_char
        for sentence in span._.sentences:  # rationale sentences, in order, each with a role
            assert at <= sentence.start_char < sentence.end_char
            assert sentence._.role in ROLES
            at = sentence.end_char
        assert rationale is not None or span._.sentences == []
        assert at <= (rationale.end_char if rationale is not None else span.end_char)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text(text):
    _check(text)
    _check(normalise(text))


FRAGMENTS = st.sampled_from([
    ": Upheld", ": Overturned", "\n", "\n\n", "Decision rationale:", "MAXIMUS guideline:",
    "1) ", "2. ", "Page 2 of 3\n", "IMR ISSUES, DECISIONS AND RATIONALES", "-\n", ".", ":",
    "ISSUE AT DISPUTE:", "CASE SUMMARY:", "was the original request.", "\x00", "\u00ad",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    letter=st.sampled_from(LETTERS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.one_of(FRAGMENTS, st.text(max_size=20)),
                  st.integers(0, 30)),
        max_size=12,
    ),
)
def test_real_letters_with_noise(letter, edits):
    text = letter
    for where, insert, delete in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + delete:]
    _check(text)
    _check(normalise(text))
