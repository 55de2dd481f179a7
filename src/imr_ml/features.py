"""Features of an item: TF-IDF over its rationale and item text, plus rule-match counts.

Two text treatments carry what plain bag-of-words misses here:

- verdict masking: sentences that state the verdict ("the request is not medically
  necessary") are removed, so the decision model learns from the reviewer's findings;
- negation marking: words in the scope of a negation cue get a `NOT_` prefix, so "no
  documentation of functional improvement" and "documentation of functional improvement"
  are different features.

`build_features` assembles them with a `ColumnTransformer` from the features config.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from imr_ml.config import FeaturesConfig

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
# A sentence's clauses end at , ; : (the punctuation stays with the clause before).
_CLAUSE_BREAK = re.compile(r"[,;:]\s*")
# A verdict anywhere: the words of medical necessity, certification, upheld/overturned.
VERDICT = re.compile(
    r"medically\s+(?:necessary|appropriate|reasonable)|medical\s+necessity"
    r"|\bnon-?certif|\bcertified\b|\bupheld\b|\boverturned\b",
    re.IGNORECASE,
)
_VERDICT_WORD = (r"(?:supported|warranted|approved|authorized|substantiated|appropriate|"
                 r"indicated|recommended|established|necessary|reasonable)")
# A verdict only when it concludes: "the request is (not) supported" in the last sentences;
# earlier, such a sentence is reasoning ("the request is supported by the exam findings").
CONCLUDING_VERDICT = re.compile(
    r"\brequest(?:ed\s+[\w-]+)?\b[^.]{0,100}?\b(?P<verdict>(?:is|was|are|were|be)\s+"
    rf"(?:not\s+|therefore\s+)?{_VERDICT_WORD})\b",
    re.IGNORECASE,
)
CONCLUDING_SENTENCES = 2
# A sentence that closes on a verdict: "... is likewise not supported.", "... was deemed
# not indicated.", "... is not supported either."
_CLOSES_ON_VERDICT = (
    r"\b(?:is|are|was|were|be|been)\s+(?:(?:not|therefore|thus|also|likewise|still|deemed|"
    rf"considered|found\s+to\s+be|clinically)\s+){{0,3}}{_VERDICT_WORD}"
    r"(?:\s+(?:at\s+this\s+time|either|as\s+well))?\W*$"
)
CLOSES_ON_VERDICT = re.compile(_CLOSES_ON_VERDICT, re.IGNORECASE)
ANSWER = re.compile(r"\W*(?:yes|no)\W*$", re.IGNORECASE)
# A clause going on with the verdict before it: "..., medically appropriate, | or indicated
# here."
CONTINUES = re.compile(rf"\W*(?:and|or|nor)\s+(?:[\w-]+\s+){{0,2}}?{_VERDICT_WORD}\b",
                       re.IGNORECASE)
# A verdict anywhere when the sentence closes on it and either opens as a conclusion or has
# the request (or the associated service) as the subject of that closing clause:
# "Consequently, an EEG is not clinically indicated.", "The concurrent request for surgery
# is supported." A guideline's own "X is not recommended." stays, even after "Regarding this
# request, ...": it is reasoning.
CLOSING_VERDICT = re.compile(
    r"^\W*(?:therefore|thus|consequently|hence|accordingly|as\s+such|as\s+a\s+result|"
    rf"due\s+to\s+this\s+fact)\b.*{_CLOSES_ON_VERDICT}"
    r"|\b(?:request(?:ed)?|associated\s+(?:service|request|item)s?|ancillary\s+services?)\b"
    rf"[^,;:]{{0,100}}?{_CLOSES_ON_VERDICT}",
    re.IGNORECASE | re.DOTALL,
)
# Where a verdict clause without punctuation before it starts: at its subject, the request
# ("As the patient has not failed conservative care | the requested studies would not be
# supported", "... | the associated request was likewise appropriate").
# Fewer words than this beside a verdict clause are no reasoning but its connectives ("As
# such, ...", "As | the requested surgery is not supported"): masked with it.
MIN_REASONING_WORDS = 4
_SUBJECT = re.compile(
    r"\b(?:(?:the|this|these|that|such|said)\s+(?:[\w-]+\s+){0,2}?)?requests?(?:ed)?\b",
    re.IGNORECASE)
# Words that every match of VERDICT, of CONCLUDING_VERDICT and of CLOSING_VERDICT contains
# (lower-cased). In ASCII text (where IGNORECASE is plain ASCII case-folding) a sentence
# without any of them cannot match, so most sentences need no regex search.
_VERDICT_WORDS = ("medical", "certif", "upheld", "overturned")
_CONCLUDING_WORDS = ("request",)
_CLOSING_WORDS = ("supported", "warranted", "approved", "authorized", "substantiated",
                  "appropriate", "indicated", "recommended", "established", "necessary",
                  "reasonable")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?|[.,;:!?]")
# ASCII whitespace (str.split's, all of which \s matches) to spaces.
_ASCII_SPACES = str.maketrans(dict.fromkeys("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", " "))
NEGATION_CUES = frozenset([
    "no", "not", "non", "never", "without", "nor", "neither", "none", "lack", "lacks",
    "lacking", "absence", "absent", "cannot", "can't", "doesn't", "don't", "didn't", "isn't",
    "wasn't", "aren't", "weren't", "fails", "failed", "unable"])
SCOPE_ENDS = frozenset([".", ",", ";", ":", "!", "?", "but", "however", "although", "though",
                        "while", "whereas", "except"])
NEGATION_WINDOW = 6


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    breaks = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
    starts = [0, *(end for _, end in breaks)]
    ends = [*(start for start, _ in breaks), len(text)]
    return list(zip(starts, ends, strict=True))


def _verdict_keys(sentence: str, concluding: bool, lower: str | None) -> list[tuple[int, int]]:
    """Spans of the sentence's verdict statements: VERDICT's words, CLOSING_VERDICT's closing
    clause, CONCLUDING_VERDICT's "is (not) supported" if `concluding`. `lower` (the sentence
    lower-cased, where it is ASCII) lets sentences without a verdict word skip the regexes."""

    def may_match(words: tuple[str, ...]) -> bool:
        return lower is None or any(w in lower for w in words)

    keys = [m.span() for m in VERDICT.finditer(sentence)] if may_match(_VERDICT_WORDS) else []
    if may_match(_CLOSING_WORDS) and CLOSING_VERDICT.search(sentence):
        keys.append(CLOSES_ON_VERDICT.search(sentence).span())
    if concluding and may_match(_CONCLUDING_WORDS) and (m := CONCLUDING_VERDICT.search(sentence)):
        keys.append(m.span("verdict"))
    return keys


def _verdict_clauses(sentence: str, keys: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of a verdict sentence to mask: each clause holding a key (from the key's
    subject, where one starts the verdict mid-clause), a clause going on with the verdict
    before it, a "Yes,"/"No," answering the question of the review, and a clause closing on
    another item's verdict ("As the surgery is not supported, | the associated request is
    not supported either."): an outcome, not a finding or a guideline criterion, and real
    letters state it in the words of medical necessity, which are masked anyway."""
    cuts = [m.end() for m in _CLAUSE_BREAK.finditer(sentence)]
    spans: list[tuple[int, int]] = []
    for start, end in zip([0, *cuts], [*cuts, len(sentence)], strict=True):
        inside = [k for k, _ in keys if start <= k < end]
        if inside:
            subjects = [m.start() for m in _SUBJECT.finditer(sentence, start, end)
                        if m.start() <= min(inside)
                        and len(sentence[start:m.start()].split()) >= MIN_REASONING_WORDS]
            spans.append((max([start, *subjects[-1:]]), end))
        elif (any(k < start < e for k, e in keys) or ANSWER.match(sentence, start, end)
              or CLOSES_ON_VERDICT.search(sentence[start:end])
              or (spans and spans[-1][1] == start and CONTINUES.match(sentence, start, end))):
            spans.append((start, end))
    return spans


def _pieces(text: str, prefilter: bool = True) -> list[tuple[int, int, bool]]:
    """The text cut into pieces (start, end, states the verdict): sentences, and within a
    sentence that states the verdict, its verdict clauses and the reasoning around them.

    A verdict is masked as its clause (with connectives such as "Therefore,"), not its
    sentence, because reviewers often give the finding and the verdict in one sentence
    ("... given the request will exceed the guideline criteria without any extenuating
    factors, the request at this time is not medically necessary."), and the finding is
    what the decision model should read.
    `prefilter=False` runs every regex on every sentence (the same pieces; for tests).
    """
    spans = _sentence_spans(text)
    last = len(spans) - CONCLUDING_SENTENCES
    lower = text.lower() if prefilter and text.isascii() else None
    pieces = []
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        keys = _verdict_keys(sentence, i >= last, lower and lower[start:end])
        if not keys:
            pieces.append((start, end, False))
            continue
        at = 0
        for a, b in [*_verdict_clauses(sentence, keys), (len(sentence), len(sentence))]:
            gap = sentence[at:a]
            if gap.strip():  # reasoning, unless as short as "As such,"
                words = len(gap.split())
                pieces.append((start + at, start + at + len(gap.rstrip()),
                               words < MIN_REASONING_WORDS))
            if b > a:
                pieces.append((start + a, start + b, True))
            at = b
    return pieces


def verdict_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the text's verdict clauses (what `mask_verdicts` removes).

    Every pattern here reads a whitespace character as it reads a space, so an ASCII text
    whose whitespace comes one character at a time has the spans of its single-spaced form:
    the rule counts ask for that form and the negation marking for the text as it is, and
    the two share one computation.
    """
    if text.isascii():
        spaced = text.translate(_ASCII_SPACES)
        if "  " not in spaced:
            return list(_single_spaced_spans(spaced))
    return [(start, end) for start, end, verdict in _pieces(text) if verdict]


@lru_cache(maxsize=4096)
def _single_spaced_spans(text: str) -> tuple[tuple[int, int], ...]:
    """`verdict_spans` of a single-spaced text, remembered for recent texts."""
    return tuple((start, end) for start, end, verdict in _pieces(text) if verdict)


def mask_verdicts(text: str) -> str:
    """The text without its verdict clauses."""
    return " ".join(text[start:end].strip() for start, end, verdict in _pieces(text)
                    if not verdict)


def _mark(words: list[str]) -> list[str]:
    """Lowercased words, those in a negation's scope prefixed with `NOT_`."""
    out = list(words)
    for cue in [i for i, word in enumerate(words) if word in NEGATION_CUES]:
        for k in range(cue + 1, min(cue + 1 + NEGATION_WINDOW, len(words))):
            if words[k] in SCOPE_ENDS or words[k] in NEGATION_CUES:
                break  # the scope ends, or the next cue opens its own
            out[k] = "NOT_" + words[k]
    return out


def _words(text: str) -> list[str]:
    """The text's `_WORD` tokens, lowercased (an ASCII text lowercased whole, the same)."""
    if text.isascii():
        return _WORD.findall(text.lower())
    return [word.lower() for word in _WORD.findall(text)]


def mark_negation(text: str) -> str:
    """The text's words lowercased, those in a negation's scope prefixed with `NOT_`.

    A scope opens at a cue ("no", "lack", "without", ...) and closes at punctuation, a
    contrast word, or after `NEGATION_WINDOW` words.
    """
    return " ".join(_mark(_words(text)))


@lru_cache(maxsize=4096)
def _marked_texts(text: str) -> tuple[str, str]:
    """The text's `mark_negation` words, joined: all of them, and those outside its verdict
    clauses.

    Negation scopes are read over the whole text, then the masked view drops the verdict
    words, so both views mark a word alike. Remembered for recent texts: the decision
    (masked) and reasons (full) branches read the same rationales one after the other.
    """
    words = _mark(_words(text))
    full = " ".join(words)
    spans = verdict_spans(text)
    if not spans:
        return full, full
    starts = [m.start() for m in _WORD.finditer(text)]
    kept: list[str] = []
    at = 0
    for begin, end in spans:  # in order, apart: keep the words before each span
        kept += words[at:bisect_left(starts, begin)]
        at = bisect_left(starts, end)
    kept += words[at:]
    return full, " ".join(kept)


def prepare(texts: Sequence[str], mask: bool = False, negation: bool = False) -> list[str]:
    """Apply the configured text treatments to a column of texts: `mask_verdicts`, and with
    negation marking the `mark_negation` words of the text (less its verdict clauses')."""
    out = []
    for text in texts:
        text = text or ""
        if negation:
            full, masked = _marked_texts(text)
            text = masked if mask else full
        elif mask:
            text = mask_verdicts(text)
        out.append(text)
    return out


def rule_columns(labels: Sequence[str], masked: bool) -> list[str]:
    """Names of the rule-count columns `add_rule_columns` adds (masked: of the reasoning)."""
    prefix = "rule_masked_" if masked else "rule_"
    return [f"{prefix}{label}" for label in labels]


def add_rule_columns(items: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The items with per-reason rule-match counts of the rationale and of its masked form.

    Counting runs the rule labeller once per item; tables that already have the columns
    (as training's folds do) are returned as they are.
    """
    from imr_ml.reasons import shared_labeller

    wanted = rule_columns(labels, False) + rule_columns(labels, True)
    if set(wanted) <= set(items.columns):
        return items
    labeller = shared_labeller(tuple(labels))
    full, masked = labeller.count_many_leaving_out(items["rationale"].fillna(""), verdict_spans)
    counts = np.hstack([np.asarray(m, dtype=float).reshape(len(items), len(labels))
                        for m in (full, masked)])
    return items.assign(**{name: counts[:, k] for k, name in enumerate(wanted)})


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
            totals = np.asarray(counts.sum(axis=0)).ravel()
            top = np.flatnonzero(keep)[(-totals[keep]).argsort()[:self.max_features]]
            keep = np.zeros(len(seen), dtype=bool)
            keep[top] = True
        self.vocabulary_ = {name: k for k, name in enumerate(names[order][keep])}
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts[:, keep])
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        return self.tfidf_.transform(self._counts(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(list(self.vocabulary_), dtype=object)

    @staticmethod
    def _words(X: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Texts × distinct words counts, and the distinct words (in column order)."""
        split = [text.lower().split() for text in X]
        # each word's column: the index of its first occurrence among the batch's words
        cols, index = pd.factorize(np.fromiter(itertools.chain.from_iterable(split), dtype=object,
                                               count=sum(map(len, split))))
        rows = np.repeat(np.arange(len(X)), [len(words) for words in split])
        texts_words = sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                    shape=(len(X), len(index)))  # duplicates add up
        return texts_words, index

    def _product(self, X: Sequence[str], grams: Callable[[str], np.ndarray],
                 n_grams: int) -> sp.csr_matrix:
        """Texts × n-grams counts, from each word's n-gram columns (`grams(word)`)."""
        texts_words, index = self._words(X)
        rows = [grams(word) for word in index]
        indptr = np.concatenate([[0], np.cumsum([len(g) for g in rows], dtype=np.int64)])
        indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        words_grams = sp.csr_matrix((np.ones(len(indices)), indices, indptr),
                                    shape=(len(index), n_grams))
        words_grams.sum_duplicates()
        return (texts_words @ words_grams).astype(np.int64)

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

    def find(self, tokens: list[str], lengths: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of each n-gram of the vocabulary in the documents whose tokens,
        document after document, are `tokens` (`lengths` of them each)."""
        numbers = np.fromiter(map(self.tokens.get, tokens, itertools.repeat(-1)),
                              dtype=np.int64, count=len(tokens))
        document = np.repeat(np.arange(len(lengths)), lengths)
        rows, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
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
        return np.concatenate(rows), np.concatenate(columns)


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
        rows, columns = self.ngram_keys_.find(tokens, lengths)
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


def transform_table(features: ColumnTransformer, table: pd.DataFrame) -> Any:
    """`features.transform(table)` for a fitted `build_features` transformer, without its
    per-call input checks: each branch transforms its columns (a text column as a list, rule
    columns as a float array) and the parts are stacked as `ColumnTransformer` stacks them."""
    parts = []
    for _, transformer, columns in features.transformers_:
        if transformer == "drop":
            continue
        values = (table[columns].tolist() if isinstance(columns, str)
                  else table[columns].to_numpy(dtype=float))
        parts.append(_transform_fitted(transformer, values))
    return sp.hstack(parts).tocsr()


def _transform_fitted(transformer: Any, X: Any) -> Any:
    """A fitted branch's `transform`; pipelines step by step, functions called directly."""
    if isinstance(transformer, Pipeline):
        for _, step in transformer.steps:
            X = _transform_fitted(step, X)
        return X
    if isinstance(transformer, FunctionTransformer):
        return transformer.func(X, **(transformer.kw_args or {}))
    return transformer.transform(X)


def scaled_log1p(counts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Rule counts on the scale of TF-IDF values, so neither kind drowns the other."""
    return scale * np.log1p(np.asarray(counts, dtype=float))


def _text_branch(vectorizer: TfidfVectorizer | CharTfidf, mask: bool,
                 negation: bool) -> Pipeline:
    return Pipeline([
        ("prepare", FunctionTransformer(prepare, kw_args={"mask": mask, "negation": negation},
                                        feature_names_out="one-to-one")),
        ("tfidf", vectorizer),
    ])


def build_features(cfg: FeaturesConfig, branches: Sequence[str], labels: Sequence[str], *,
                   decision: bool) -> ColumnTransformer:
    """The named feature branches over an items table's `rationale` and `item_text` columns.

    `decision=True` builds the decision model's view: verdict sentences masked (if the
    config says so). The reasons model reads the rationale as it is.
    """
    mask = decision and cfg.mask_verdicts
    make = {
        "word": lambda: _text_branch(TfidfVectorizer(
            ngram_range=tuple(cfg.word.ngram_range), min_df=cfg.word.min_df,
            max_features=cfg.word.max_features, sublinear_tf=True, lowercase=False,
            token_pattern=r"\S+",
        ), mask, cfg.negation),
        "char": lambda: _text_branch(CharTfidf(
            ngram_range=tuple(cfg.char.ngram_range), min_df=cfg.char.min_df,
            max_features=cfg.char.max_features,
        ), mask, False),
        "item_text": lambda: TfidfVectorizer(
            ngram_range=tuple(cfg.item_text.ngram_range), min_df=cfg.item_text.min_df,
            max_features=cfg.item_text.max_features, sublinear_tf=True,
        ),
        "rules": lambda: FunctionTransformer(
            scaled_log1p, kw_args={"scale": cfg.rule_scale}, feature_names_out="one-to-one"),
    }
    columns = {"word": "rationale", "char": "rationale", "item_text": "item_text",
               "rules": rule_columns(labels, mask)}
    return ColumnTransformer([(name, make[name](), columns[name]) for name in branches],
                             sparse_threshold=1.0)
