"""imr_ml.segment.sentences: the sentence splitter shared by the verdict mask and the roles."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from imr_ml.segment.sentences import sentence_bounds, sentence_spans

# The splitter as it was written in imr_ml.model.text before it moved here: a lookbehind.
_LOOKBEHIND = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")

PIECES = st.sampled_from(["a", "B", "7", ".", "!", "?", ". ", ".\n", " ", "\n", "\t", "\u00a0",
                          "\u2003", "\x1c", '"', "'", ")", "]", "(", "x.", " \n ", "\u3000",
                          "Dr.", "e.g. ", "...", "No."])
TEXTS = st.one_of(st.text(), st.lists(PIECES, max_size=30).map("".join))


def _reference_spans(text: str) -> list[tuple[int, int]]:
    breaks = [(m.start(), m.end()) for m in _LOOKBEHIND.finditer(text)]
    starts = [0, *(end for _, end in breaks)]
    ends = [*(start for start, _ in breaks), len(text)]
    return list(zip(starts, ends, strict=True))


def _reference_bounds(text: str) -> list[tuple[int, int]]:
    """Each piece between breaks (closing quotes kept with it) stripped of whitespace."""
    out = []
    start = 0
    for m in re.finditer(r"(?<=[.!?])([\"')\]]*)\s+(?=[A-Z0-9\"'(])", text):
        out.append((start, m.end(1)))
        start = m.end()
    out.append((start, len(text)))
    stripped = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            stripped.append((a, b))
    return stripped


def test_sentences_of_a_rationale():
    text = ('The guideline says "up to six visits." The patient had eight.\nThe request is '
            "not supported (see above.) Done")
    assert [text[a:b] for a, b in sentence_bounds(text)] == [
        'The guideline says "up to six visits."', "The patient had eight.",
        "The request is not supported (see above.)", "Done"]


def test_blank_and_unbroken_texts():
    assert sentence_bounds("") == []
    assert sentence_bounds(" \n\t ") == []
    assert sentence_bounds("  no stop at all ") == [(2, 16)]
    assert sentence_bounds("x" * 100_000) == [(0, 100_000)]


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_bounds_partition_the_non_whitespace(text):
    bounds = sentence_bounds(text)
    at = 0
    for start, end in bounds:
        assert at <= start < end <= len(text)
        assert not text[at:start].strip()          # only whitespace between sentences
        assert not text[start].isspace() and not text[end - 1].isspace()
        at = end
    assert not text[at:].strip()
    assert bounds == _reference_bounds(text)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_the_verdict_masks_pieces_are_those_of_the_old_splitter(text):
    assert sentence_spans(text) == _reference_spans(text)
