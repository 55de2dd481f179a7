"""imr_ml.model.text: verdict masking and negation marking."""

from __future__ import annotations

import random

import pytest

from imr_ml.model.text import (
    _WORD,
    NEGATION_CUES,
    NEGATION_WINDOW,
    SCOPE_ENDS,
    _mark,
    _pieces,
    mark_negation,
    mask_verdicts,
    prepare,
    verdict_spans,
)
from samples import OVERTURNED, UPHELD


def test_mask_removes_verdict_sentences_and_keeps_findings():
    masked = mask_verdicts(UPHELD)
    assert "medically necessary" not in masked
    assert masked == ("The patient has had twelve sessions of therapy. There is no documentation"
                      " of objective functional improvement.")


def test_concluding_verdicts_are_masked_only_at_the_end():
    early = "The request is supported by the examination. Pain is 7/10. Gait is antalgic."
    assert mask_verdicts(early) == early
    assert mask_verdicts(OVERTURNED).endswith("criteria are met.")


def test_sentences_closing_on_the_verdict_are_masked_anywhere():
    verdicts = ["The concurrent request for shoulder surgery is supported.",
                "Consequently, an EEG is not clinically indicated.",
                "Therefore, the related request is not supported either.",
                "So this associated service is appropriate.",
                "Therefore, continued ice and heat pads would not be supported at this time."]
    reasoning = ["Manipulation under anesthesia is not recommended.",
                 "A referral is supported when it is necessary to plan a course of care.",
                 "The request for 12 sessions is within the recommended guidelines.",
                 "The requested service did not specify the sessions that are being recommended.",
                 "Regarding this request, the guidelines state that opioids are not recommended.",
                 "Pain is 7/10.", "Gait is antalgic."]
    for verdict in verdicts:
        text = " ".join([verdict, *reasoning])     # the verdict first: not a concluding one
        assert mask_verdicts(text) == " ".join(reasoning), verdict


@pytest.mark.parametrize(("sentence", "reasoning"), [
    (("It is noted the patient has minimal deficits and given the request will exceed the "
     "guideline criteria without any extenuating factors, the request at this time is not "
     "medically necessary."),
     ("It is noted the patient has minimal deficits and given the request will exceed the "
     "guideline criteria without any extenuating factors,")),
    (("As the patient has not failed to improve with conservative treatment the requested "
     "diagnostic studies would not be supported at this time."),
     "As the patient has not failed to improve with conservative treatment"),
    (("Therefore, the request is not medically necessary, as there is no documentation of "
     "improvement."), "as there is no documentation of improvement."),
    (("No, the request for an MRI was not medically necessary, medically appropriate, or "
     "indicated here."), ""),
    (("Yes, the request for an MRI was medically necessary, medically appropriate, and "
     "indicated here."), ""),
    (("As the requested surgery is not medically necessary, the associated service is not "
     "medically necessary."), ""),
    # another item's verdict is an outcome too, not a finding
    (("Since the surgery was deemed appropriate, the associated request was likewise "
     "appropriate."), ""),
    ("The surgery has been approved, so this associated service is appropriate.", ""),
    (("Since the primary surgical procedure was deemed not indicated, the associated request "
      "is not supported either."), ""),
    ("As such, the request is supported.", ""),
])
def test_a_verdict_is_masked_as_its_clause_keeping_the_reasoning_beside_it(sentence, reasoning):
    text = f"Pain is 7/10. {sentence} Gait is antalgic."
    assert mask_verdicts(text) == " ".join(filter(None, ["Pain is 7/10.", reasoning,
                                                         "Gait is antalgic."]))


@pytest.mark.parametrize("text", [UPHELD, OVERTURNED, "", "No sentence end", "A. B. C."])
def test_verdict_spans_are_what_the_mask_removes(text):
    spans = verdict_spans(text)
    kept, last = [], 0
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    assert " ".join(" ".join(kept).split()) == " ".join(mask_verdicts(text).split())


def test_verdict_word_prefilter_changes_no_piece(sample_rationales, real_rationales):
    """Sentences are searched only when they hold a verdict word; the pieces are the same,
    in ASCII text (any case) and in text where case-folding is not ASCII ("İ", "K")."""
    texts = [UPHELD, OVERTURNED, UPHELD.upper(), OVERTURNED.lower(), "", "No sentence end",
             "Non-certification is UPHELD. Pain is 7/10. The REQUESTED MRI was Not Approved.",
             "The request is medİcally necessary. The requeſt was authorized.",
             "The overturned \u212aey finding. It is Medically Reasonable.",
             "THEREFORE, THE MRI IS NOT SUPPORTED. The associated request is likewise İndicated."]
    texts += [t.replace("medically", "Medically\n") for t in texts]
    for text in texts + sample_rationales + real_rationales:
        assert _pieces(text) == _pieces(text, prefilter=False), text


def test_verdict_spans_read_any_whitespace_character_as_a_space(sample_rationales,
                                                                real_rationales):
    """An ASCII text whose whitespace comes one character at a time gets the spans of its
    single-spaced form (shared with the rule counts): the same as its own pieces give."""
    rng = random.Random(5)
    texts = [UPHELD, OVERTURNED, "No, the request was not medically necessary.\n",
             "\nAs such, the request is supported.\t", *sample_rationales, *real_rationales]
    for text in texts:
        variant = "".join(rng.choice("\n\t\r\x0b\x0c\x1c\x1f ") if c == " " else c
                          for c in text)
        for t in (text, variant, variant.replace("\n", "  ")):
            assert verdict_spans(t) == [(a, b) for a, b, verdict in _pieces(t) if verdict]


def test_negation_scope_marks_words_until_punctuation_or_contrast():
    out = mark_negation("No documentation of improvement. Pain is better, but no relief")
    assert out.split() == ["no", "NOT_documentation", "NOT_of", "NOT_improvement", ".",
                           "pain", "is", "better", ",", "but", "no", "NOT_relief"]


def test_negation_scope_is_bounded():
    after = ["one", "two", "three", "four", "five", "six", "seven", "eight"]
    words = mark_negation("without " + " ".join(after)).split()
    assert words[1:] == [f"NOT_{w}" for w in after[:6]] + after[6:]


def test_negation_marking_matches_a_word_by_word_scan():
    """`_mark` scans from each cue; the same marks as reading every word with a countdown."""
    def scan(words: list[str]) -> list[str]:
        out, left = [], 0
        for word in words:
            if word in SCOPE_ENDS or word in NEGATION_CUES:
                left = 0 if word in SCOPE_ENDS else NEGATION_WINDOW
                out.append(word)
            else:
                out.append("NOT_" + word if left else word)
                left = max(left - 1, 0)
        return out

    assert NEGATION_CUES.isdisjoint(SCOPE_ENDS)
    rng = random.Random(0)
    vocabulary = ["no", "not", "without", ".", ",", "but", "a", "b", "c", "d"]
    for _ in range(500):
        words = rng.choices(vocabulary, weights=[1, 1, 1, 1, 1, 1, 6, 6, 6, 6],
                            k=rng.randrange(30))
        assert _mark(words) == scan(words), words


@pytest.mark.parametrize("mask", [False, True])
def test_prepare_marks_negation_over_the_whole_text_then_drops_verdict_words(
        mask, sample_rationales, real_rationales):
    """Both branches read one negation marking of the text (remembered); the masked one
    leaves out the words that start inside a verdict clause."""
    texts = [UPHELD, OVERTURNED, "", "No", "no no no a b c d e f g h",
             "Not . no , without but lack x y z w v u t s. No. No!",
             'It is not "medically necessary." No relief. (No gain.) [B.] No 5. 3.5 mg',
             "İ is not medİcally necessary. Kelvin \u212a no more. The request is not approved"]
    texts += sample_rationales + real_rationales

    def kept(text: str) -> str:
        spans = verdict_spans(text) if mask else []
        words = zip(mark_negation(text).split(), _WORD.finditer(text), strict=True)
        return " ".join(w for w, m in words if not any(a <= m.start() < b for a, b in spans))

    want = [kept(t) for t in texts]
    assert prepare(texts, mask=mask, negation=True) == want
    assert prepare(texts, mask=mask, negation=True) == want  # remembered
