"""imr_ml.features: verdict masking, negation marking, rule columns and the feature branches."""

from __future__ import annotations

import pickle
import random
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from imr_ml.config import FeaturesConfig
from imr_ml.features import (
    _WORD,
    NEGATION_CUES,
    NEGATION_WINDOW,
    SCOPE_ENDS,
    CharNgrams,
    CharTfidf,
    NgramKeys,
    WordTfidf,
    _mark,
    _pieces,
    add_rule_columns,
    build_features,
    fast_word_tfidf,
    mark_negation,
    mask_verdicts,
    prepare,
    rule_columns,
    transform_table,
    verdict_spans,
)
from imr_ml.reasons import REASONS

UPHELD = ("The patient has had twelve sessions of therapy. There is no documentation of "
          "objective functional improvement. Therefore, the request is not medically necessary.")
OVERTURNED = ("The records document 50% pain relief and improved walking tolerance. The "
              "guideline criteria are met. The request is supported.")


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


def test_rule_columns_count_the_rationale_and_its_reasoning_apart():
    items = pd.DataFrame({"rationale": [UPHELD, OVERTURNED, ""], "item_text": ["a", "b", "c"]})
    out = add_rule_columns(items, REASONS)
    full = out[rule_columns(REASONS, False)].to_numpy()
    masked = out[rule_columns(REASONS, True)].to_numpy()
    assert full[0, REASONS.index("no_functional_improvement")] >= 1
    assert masked[0, REASONS.index("no_functional_improvement")] >= 1
    assert (masked <= full).all()
    assert full[2].sum() == 0
    assert add_rule_columns(out, REASONS) is out  # columns present: not counted again


def test_masked_counts_leave_out_verdict_sentences():
    verdict_only = "As the surgery is not medically necessary, the postoperative therapy is not."
    out = add_rule_columns(pd.DataFrame({"rationale": [verdict_only]}), REASONS)
    assert out[rule_columns(REASONS, True)].to_numpy().sum() == 0


@pytest.mark.parametrize(("branches", "decision"), [
    (["word", "rules"], True), (["word", "char", "item_text", "rules"], False)])
def test_build_features_gives_one_block_per_branch(branches, decision):
    items = add_rule_columns(pd.DataFrame({
        "rationale": [UPHELD, OVERTURNED] * 3, "item_text": ["physical therapy", "MRI"] * 3}),
        REASONS)
    cfg = FeaturesConfig(word={"ngram_range": [1, 2], "min_df": 1},
                         char={"ngram_range": [3, 4], "min_df": 1},
                         item_text={"ngram_range": [1, 1], "min_df": 1})
    features = build_features(cfg, branches, REASONS, decision=decision)
    X = features.fit_transform(items)
    assert X.shape[0] == len(items)
    names = features.get_feature_names_out()
    assert {name.split("__")[0] for name in names} == set(branches)
    words = [n for n in names if n.startswith("word__")]
    assert ("word__therefore" in words) is not decision  # masked for the decision model
    assert "word__NOT_documentation" in words


@pytest.mark.parametrize("ngram_range", [(3, 5), (1, 2), (2, 7)])
def test_char_ngrams_are_char_wb_ngrams(ngram_range):
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range).build_analyzer()
    analyzer = CharNgrams(ngram_range)
    for text in [UPHELD, OVERTURNED, UPHELD, "", "a", "ab  cd\n\tEF", "Ünïcode ß İ", "x" * 12]:
        assert Counter(analyzer(text)) == Counter(reference(text)), text


def test_char_tfidf_equals_tfidf_vectorizer_char_wb():
    train = [UPHELD, OVERTURNED, "No documentation of improvement.", "Twelve sessions exceed."]
    new = [OVERTURNED + " Unseen wordz here.", "", "a", "Ünïcode ß İ"]
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                max_features=300, sublinear_tf=True).fit(train)
    fast = CharTfidf((3, 5), min_df=2, max_features=300).fit(train)
    assert list(fast.get_feature_names_out()) == list(reference.get_feature_names_out())
    for texts in (train, new, new):  # the second `new`: from remembered words
        assert abs(fast.transform(texts) - reference.transform(texts)).max() < 1e-12


def test_char_tfidf_keeps_count_vectorizers_vocabulary_on_a_corpus():
    """min_df and max_features cutting through many tied n-gram counts: same columns."""
    rng = np.random.default_rng(0)
    words = UPHELD.split() + OVERTURNED.split()
    train = [" ".join(rng.choice(words, 30)) for _ in range(200)]
    for min_df, limit in [(3, 2000), (1, 777), (5, None)]:
        reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=min_df,
                                    max_features=limit, sublinear_tf=True).fit(train)
        fast = CharTfidf((3, 5), min_df=min_df, max_features=limit).fit(train)
        assert list(fast.get_feature_names_out()) == list(reference.get_feature_names_out())
        assert abs(fast.transform(train) - reference.transform(train)).max() < 1e-12
    with pytest.raises(ValueError, match="min_df=9"):
        CharTfidf(min_df=9).fit(["one text", "two texts"])


def test_char_tfidf_pickles_without_its_memory():
    fast = CharTfidf((3, 4)).fit([UPHELD, OVERTURNED])
    fast.transform([OVERTURNED])
    assert fast._rows
    copy = pickle.loads(pickle.dumps(fast))
    assert copy._rows == {}
    assert abs(copy.transform([UPHELD]) - fast.transform([UPHELD])).max() == 0


def _identical(a, b) -> bool:
    """Same sparse matrix to the bit: type, structure, index and value types, values."""
    return (type(a) is type(b) and a.shape == b.shape and a.indices.dtype == b.indices.dtype
            and a.data.dtype == b.data.dtype and (a.indptr == b.indptr).all()
            and (a.indices == b.indices).all() and (a.data == b.data).all())


@pytest.mark.parametrize("params", [
    {"ngram_range": (1, 2), "lowercase": False, "token_pattern": r"\S+", "sublinear_tf": True},
    {"ngram_range": (1, 1)},
    {"ngram_range": (2, 3), "stop_words": "english", "binary": True},
    {"ngram_range": (1, 2), "min_df": 2, "max_features": 40, "norm": None},
    {"ngram_range": (1, 2), "token_pattern": r"[a-z]+ ?"},  # tokens with spaces: sklearn's
    {"ngram_range": (2, 4), "analyzer": "char_wb"},
])
def test_word_tfidf_equals_tfidf_vectorizer(params, sample_rationales):
    train = sample_rationales[:60]
    new = [*sample_rationales[60:], "", "Ünïcode ß İ x  y\tz", UPHELD + " " + UPHELD,
           "a\u3000b\x1cc\u2028d\u00a0e\u200bf\x85g"]  # odd whitespace (str.split's)
    reference = TfidfVectorizer(**params).fit(train)
    fast = WordTfidf.of(reference)
    assert type(fast) is WordTfidf and fast.get_params() == reference.get_params()
    for texts in (train, new, [mark_negation(t) for t in new]):
        assert _identical(fast.transform(texts), reference.transform(texts))
    assert _identical(pickle.loads(pickle.dumps(fast)).transform(new), reference.transform(new))


def test_ngram_keys_find_the_vocabulary_n_grams_of_each_document():
    keys = NgramKeys({"a": 0, "b": 1, "a b": 2, "b a": 3, "c a b": 4, "b b": 5})
    assert keys.fits and keys.base == 3 and sorted(keys.by_n) == [1, 2, 3]
    docs = [["c", "a", "b"], [], ["b"], ["b", "x", "a", "b", "b"]]  # no n-gram across docs
    rows, columns = keys.find([t for d in docs for t in d], [len(d) for d in docs])
    assert sorted(zip(rows.tolist(), columns.tolist())) == [
        (0, 0), (0, 1), (0, 2), (0, 4), (2, 1), (3, 0), (3, 1), (3, 1), (3, 1), (3, 2), (3, 5)]
    assert [len(a) for a in keys.find([], [])] == [0, 0]


def test_fast_word_tfidf_swaps_fitted_vectorizers_and_changes_no_value():
    items = add_rule_columns(pd.DataFrame({
        "rationale": [UPHELD, OVERTURNED] * 3, "item_text": ["physical therapy", "MRI"] * 3}),
        REASONS)
    cfg = FeaturesConfig(word={"ngram_range": [1, 2], "min_df": 1},
                         item_text={"ngram_range": [1, 1], "min_df": 1})
    features = build_features(cfg, ["word", "item_text", "rules"], REASONS, decision=True)
    before = features.fit_transform(items)
    assert fast_word_tfidf(features) is features
    kinds = [type(part.steps[-1][1] if hasattr(part, "steps") else part)
             for _, part, _ in features.transformers_]
    assert kinds.count(WordTfidf) == 2
    assert _identical(features.transform(items), before)


@pytest.mark.parametrize("decision", [True, False])
def test_transform_table_equals_column_transformer(decision, sample_rationales):
    texts = [*sample_rationales[:40], "", UPHELD, OVERTURNED]
    items = add_rule_columns(pd.DataFrame({
        "rationale": texts, "item_text": ["physical therapy", "MRI", ""] * 14 + ["x"]}), REASONS)
    cfg = FeaturesConfig(word={"ngram_range": [1, 2], "min_df": 1},
                         char={"ngram_range": [3, 4], "min_df": 2},
                         item_text={"ngram_range": [1, 1], "min_df": 1})
    branches = ["word", "rules"] if decision else ["word", "char", "item_text", "rules"]
    features = build_features(cfg, branches, REASONS, decision=decision).fit(items[:30])
    for table in (items, items[30:], items[:1]):
        assert _identical(transform_table(features, table), features.transform(table))
    fast_word_tfidf(features)
    assert _identical(transform_table(features, items), features.transform(items))


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
