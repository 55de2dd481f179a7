"""Fast TF-IDF vectorizers: the same features and values as scikit-learn's, computed faster.

`CharTfidf` is `TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)` computed word by
word; `WordTfidf` is a fitted word `TfidfVectorizer` whose `transform` looks n-grams up as
numbers (`NgramKeys`); `fast_word_tfidf` swaps it into fitted pipelines.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


class CharNgrams:
    """The n-grams `TfidfVectorizer(analyzer="char_wb")` takes from a text: lowercased, each
    word padded with a space either side. `word` gives one word's."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5)) -> None:
        self.ngram_range = tuple(ngram_range)

    def __call__(self, text: str) -> list[str]:
        return [gram for word in text.lower().split() for gram in self.word(word)]

    def word(self, word: str) -> list[str]:
        padded = f" {word} "
        low, high = self.ngram_range
        out = []
        for n in range(low, high + 1):
            out.extend(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:  # a word shorter than n: one n-gram (itself), once
                break
        return out


class CharTfidf(TransformerMixin, BaseEstimator):
    """`TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)`, computed word by word.

    A text's char_wb n-gram counts are the sum of its words' counts, and words repeat: so
    each distinct word's n-grams are made once (and remembered, up to `MAX_WORDS` words),
    and a batch's counts are one sparse product, texts × words @ words × n-grams. Fitting
    keeps `CountVectorizer`'s vocabulary rules (n-grams in `min_df` texts or more, then the
    `max_features` most frequent, in alphabetical order). Same features and values as
    `TfidfVectorizer`, several times faster to fit and to transform.
    """

    MAX_WORDS = 20_000  # distinct words remembered (a few MB); rarer ones are made each time

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), min_df: int = 1,
                 max_features: int | None = None) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, X: Sequence[str], y: Any = None) -> CharTfidf:
        self.analyzer_ = CharNgrams(tuple(self.ngram_range))
        self._rows: dict[str, np.ndarray] = {}
        seen: dict[str, int] = {}
        grams = {word: np.array([seen.setdefault(g, len(seen)) for g in self.analyzer_.word(word)],
                                dtype=np.int64) for word in self._words(X)[1]}
        names = np.array(list(seen), dtype=object)
        order = np.argsort(names)  # alphabetical, as CountVectorizer's columns
        alphabetical = np.empty_like(order)
        alphabetical[order] = np.arange(len(order))
        counts = self._product(X, lambda word: alphabetical[grams[word]], len(seen))
        counts.sum_duplicates()  # canonical: one entry per text and n-gram
        keep = np.bincount(counts.indices, minlength=len(seen)) >= self.min_df
        if not keep.any():
            raise ValueError(f"no character n-gram occurs in min_df={self.min_df} texts or more "
                             f"of the {len(X)} given; lower min_df or give more texts")
        if self.max_features is not None and keep.sum() > self.max_features:
            # integers, as CountVectorizer's: argsort may order ties differently on floats
            totals = np.asarray(counts.sum(axis=0)).ravel().astype(np.int64)
            top = np.flatnonzero(keep)[(-totals[keep]).argsort()[:self.max_features]]
            keep = np.zeros(len(seen), dtype=bool)
            keep[top] = True
        self.vocabulary_ = {name: k for k, name in enumerate(names[order][keep])}
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts[:, keep])
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        return self.tfidf_.transform(self._counts(X), copy=False)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(list(self.vocabulary_), dtype=object)

    @staticmethod
    def _words(X: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Texts × distinct words counts, and the distinct words (in column order)."""
        split = [text.lower().split() for text in X]
        # each word's column: the index of its first occurrence among the batch's words
        cols, index = pd.factorize(np.fromiter(itertools.chain.from_iterable(split), dtype=object,
                                               count=sum(map(len, split))))
        indptr = np.concatenate([[0], np.cumsum([len(words) for words in split], dtype=np.int64)])
        texts_words = sp.csr_matrix((np.ones(len(cols)), cols, indptr),
                                    shape=(len(X), len(index)))  # duplicates add up
        return texts_words, index

    def _product(self, X: Sequence[str], grams: Callable[[str], np.ndarray],
                 n_grams: int) -> sp.csr_matrix:
        """Texts × n-grams counts (as floats, columns sorted), from each word's n-gram
        columns (`grams(word)`)."""
        texts_words, index = self._words(X)
        rows = [grams(word) for word in index]
        indptr = np.concatenate([[0], np.cumsum([len(g) for g in rows], dtype=np.int64)])
        indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        words_grams = sp.csr_matrix((np.ones(len(indices)), indices, indptr),
                                    shape=(len(index), n_grams))
        # computed as (n-grams × texts)ᵀ: turning it back to rows sorts each row's columns in
        # one pass, which costs less than sorting the direct product's
        return (words_grams.T.tocsr() @ texts_words.T.tocsr()).T.tocsr()

    def _counts(self, X: Sequence[str]) -> sp.csr_matrix:
        return self._product(X, self._grams, len(self.vocabulary_))

    def _grams(self, word: str) -> np.ndarray:
        """Vocabulary indices of the word's n-grams (with repeats)."""
        grams = self._rows.get(word)
        if grams is None:
            vocabulary = self.vocabulary_
            grams = np.array([vocabulary[g] for g in self.analyzer_.word(word)
                              if g in vocabulary], dtype=np.int64)
            if len(self._rows) < self.MAX_WORDS:
                self._rows[word] = grams
        return grams

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_rows"}  # not the memory

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _rows={})


# Token patterns whose tokens hold no space: an n-gram of the vocabulary splits into its tokens.
_SPACELESS_TOKENS = (r"\S+", r"(?u)\b\w\w+\b")


class NgramKeys:
    """A word n-gram vocabulary as numbers: each token's number, and each n-gram's key (its
    tokens' numbers as the digits of a number in base `base`, the number of tokens), sorted
    with their columns per n. Lets a batch's n-grams be looked up as arrays."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        by_n: dict[int, tuple[list[list[str]], list[int]]] = {}
        for term, column in vocabulary.items():
            parts = term.split(" ")
            terms, columns = by_n.setdefault(len(parts), ([], []))
            terms.append(parts)
            columns.append(column)
        words = itertools.chain.from_iterable(t for terms, _ in by_n.values() for t in terms)
        self.tokens = {token: k for k, token in enumerate(dict.fromkeys(words))}
        self.base = len(self.tokens)
        self.fits = self.base ** max(by_n, default=1) < 2 ** 63  # keys fit in int64
        self.by_n: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, (terms, columns) in sorted(by_n.items()):
            numbers = np.fromiter(map(self.tokens.__getitem__, itertools.chain.from_iterable(
                terms)), dtype=np.int64, count=n * len(terms)).reshape(-1, n)
            keys = numbers[:, 0].copy()
            for j in range(1, n):
                keys = keys * self.base + numbers[:, j]
            order = np.argsort(keys)
            self.by_n[n] = keys[order], np.asarray(columns, dtype=np.int64)[order]

    def find(self, tokens: list[str], lengths: list[int]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, start) of each n-gram of the vocabulary in the documents whose
        tokens, document after document, are `tokens` (`lengths` of them each); `start` is
        the position of the n-gram's first token in `tokens`."""
        numbers = np.fromiter(map(self.tokens.get, tokens, itertools.repeat(-1)),
                              dtype=np.int64, count=len(tokens))
        document = np.repeat(np.arange(len(lengths)), lengths)
        rows, columns, starts = ([np.zeros(0, dtype=np.int64)] for _ in range(3))
        for n, (keys, cols) in self.by_n.items():
            m = len(numbers) - n + 1  # n-grams starting at 0 .. m - 1
            if m <= 0:
                continue
            key = numbers[:m].copy()
            known = document[:m] == document[n - 1:]  # within one document
            for j in range(n):
                known &= numbers[j:j + m] >= 0
                if j:
                    key = key * self.base + numbers[j:j + m]
            key = key[known]
            at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = keys[at] == key
            rows.append(document[:m][known][hit])
            columns.append(cols[at[hit]])
            starts.append(np.flatnonzero(known)[hit])
        return np.concatenate(rows), np.concatenate(columns), np.concatenate(starts)


class WordTfidf(TfidfVectorizer):
    """`TfidfVectorizer` whose `transform` counts word n-grams faster: same matrix.

    sklearn counts each n-gram with a dictionary update in Python; here each token is looked
    up once (by string) and a batch's n-grams by number, as arrays (`NgramKeys`), and its
    counts are summed by one sparse matrix construction. Analyzers other than the word one of
    a token pattern with spaceless tokens use sklearn's `transform`.
    """

    @classmethod
    def of(cls, fitted: TfidfVectorizer) -> WordTfidf:
        """A WordTfidf with the fitted state of a TfidfVectorizer."""
        new = cls.__new__(cls)
        new.__dict__.update(fitted.__dict__)
        spaceless = (new.analyzer == "word" and new.tokenizer is None
                     and new.token_pattern in _SPACELESS_TOKENS)
        keys = NgramKeys(new.vocabulary_) if spaceless else None
        new.ngram_keys_ = keys if keys is not None and keys.fits else None
        return new

    def transform(self, raw_documents: Any) -> sp.csr_matrix:
        if self.ngram_keys_ is None or isinstance(raw_documents, str):
            return super().transform(raw_documents)
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        self._check_vocabulary()
        counts = self._counts(raw_documents)
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)

    def _counts(self, raw_documents: Iterable[Any]) -> sp.csr_matrix:
        """Word n-gram counts, as sklearn's `_count_vocab` (sorted indices, no zeros)."""
        preprocess, tokenize = self.build_preprocessor(), self.build_tokenizer()
        if self.token_pattern == r"\S+":
            tokenize = str.split  # the same tokens (the same whitespace), faster
        stop_words = self.get_stop_words()
        tokens: list[str] = []  # the batch's tokens, document after document
        lengths = []
        for doc in raw_documents:
            words = tokenize(preprocess(self.decode(doc)))
            if stop_words is not None:
                words = [w for w in words if w not in stop_words]
            tokens += words
            lengths.append(len(words))
        rows, columns, _ = self.ngram_keys_.find(tokens, lengths)
        counts = sp.csr_matrix((np.ones(len(rows), dtype=self.dtype), (rows, columns)),
                               shape=(len(lengths), len(self.vocabulary_)))
        counts.sum_duplicates()  # sorted indices, as sklearn's
        return counts


def fast_word_tfidf(estimator: Any) -> Any:
    """The estimator with each fitted `TfidfVectorizer` inside it (in pipelines and column
    transformers, swapped in place) replaced by its `WordTfidf`: same output, faster."""
    if type(estimator) is TfidfVectorizer:
        return WordTfidf.of(estimator)
    if isinstance(estimator, Pipeline):
        estimator.steps = [(name, fast_word_tfidf(step)) for name, step in estimator.steps]
    elif isinstance(estimator, ColumnTransformer) and hasattr(estimator, "transformers_"):
        estimator.transformers_ = [(name, fast_word_tfidf(part), columns)
                                   for name, part, columns in estimator.transformers_]
    return estimator
