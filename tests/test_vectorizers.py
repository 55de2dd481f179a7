"""imr_ml.model.vectorizers: the fast TF-IDF vectorizers equal scikit-learn's."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from imr_ml.model.text import mark_negation
from imr_ml.model.vectorizers import CharNgrams, CharTfidf, NgramKeys, WordTfidf
from samples import OVERTURNED, UPHELD, identical


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
        assert identical(fast.transform(texts), reference.transform(texts))
    assert identical(pickle.loads(pickle.dumps(fast)).transform(new), reference.transform(new))


def test_ngram_keys_find_the_vocabulary_n_grams_of_each_document():
    keys = NgramKeys({"a": 0, "b": 1, "a b": 2, "b a": 3, "c a b": 4, "b b": 5})
    assert keys.fits and keys.base == 3 and sorted(keys.by_n) == [1, 2, 3]
    docs = [["c", "a", "b"], [], ["b"], ["b", "x", "a", "b", "b"]]  # no n-gram across docs
    rows, columns, starts = keys.find([t for d in docs for t in d], [len(d) for d in docs])
    assert sorted(zip(rows.tolist(), columns.tolist(), starts.tolist())) == [
        (0, 0, 1), (0, 1, 2), (0, 2, 1), (0, 4, 0), (2, 1, 3), (3, 0, 6), (3, 1, 4), (3, 1, 7),
        (3, 1, 8), (3, 2, 6), (3, 5, 7)]
    assert [len(a) for a in keys.find([], [])] == [0, 0, 0]
