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

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from imr_ml.config import FeaturesConfig

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
# A verdict anywhere: the words of medical necessity, certification, upheld/overturned.
VERDICT = re.compile(
    r"medically\s+(?:necessary|appropriate|reasonable)|medical\s+necessity"
    r"|\bnon-?certif|\bcertified\b|\bupheld\b|\boverturned\b",
    re.IGNORECASE,
)
# A verdict only when it concludes: "the request is (not) supported" in the last sentences;
# earlier, such a sentence is reasoning ("the request is supported by the exam findings").
CONCLUDING_VERDICT = re.compile(
    r"\brequest(?:ed\s+[\w-]+)?\b[^.]{0,100}?\b(?:is|was|are|were|be)\s+"
    r"(?:not\s+|therefore\s+)?(?:supported|warranted|approved|authorized|substantiated|"
    r"indicated|recommended|established)\b",
    re.IGNORECASE,
)
CONCLUDING_SENTENCES = 2
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?|[.,;:!?]")
NEGATION_CUES = frozenset([
    "no", "not", "non", "never", "without", "nor", "neither", "none", "lack", "lacks",
    "lacking", "absence", "absent", "cannot", "can't", "doesn't", "don't", "didn't", "isn't",
    "wasn't", "aren't", "weren't", "fails", "failed", "unable"])
SCOPE_ENDS = frozenset([".", ",", ";", ":", "!", "?", "but", "however", "although", "though",
                        "while", "whereas", "except"])
NEGATION_WINDOW = 6


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    starts = [0, *(m.end() for m in _SENTENCE.finditer(text))]
    ends = [*(m.start() for m in _SENTENCE.finditer(text)), len(text)]
    return list(zip(starts, ends, strict=True))


def _verdict_flags(text: str) -> list[tuple[int, int, bool]]:
    """Each sentence's (start, end) and whether it states the verdict."""
    spans = _sentence_spans(text)
    last = len(spans) - CONCLUDING_SENTENCES
    flags = []
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        verdict = VERDICT.search(sentence) or (i >= last and CONCLUDING_VERDICT.search(sentence))
        flags.append((start, end, bool(verdict)))
    return flags


def verdict_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the text's verdict sentences (what `mask_verdicts` removes)."""
    return [(start, end) for start, end, verdict in _verdict_flags(text) if verdict]


def mask_verdicts(text: str) -> str:
    """The text without its verdict sentences."""
    return " ".join(text[start:end] for start, end, verdict in _verdict_flags(text)
                    if not verdict)


def mark_negation(text: str) -> str:
    """Lowercased words, those in a negation's scope prefixed with `NOT_`.

    A scope opens at a cue ("no", "lack", "without", ...) and closes at punctuation, a
    contrast word, or after `NEGATION_WINDOW` words.
    """
    out: list[str] = []
    left = 0
    for word in _WORD.findall(text.lower()):
        if word in SCOPE_ENDS:
            left = 0
            out.append(word)
        elif word in NEGATION_CUES:
            left = NEGATION_WINDOW
            out.append(word)
        elif left:
            left -= 1
            out.append("NOT_" + word)
        else:
            out.append(word)
    return " ".join(out)


def prepare(texts: Sequence[str], mask: bool = False, negation: bool = False) -> list[str]:
    """Apply the configured text treatments to a column of texts."""
    out = []
    for text in texts:
        text = text or ""
        if mask:
            text = mask_verdicts(text)
        if negation:
            text = mark_negation(text)
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
    """The analyzer `TfidfVectorizer(analyzer="char_wb")` uses, remembering each word's
    n-grams: words repeat, so most of a text costs lookups instead of slicing.

    Same features as "char_wb" (lowercased; each word padded with a space either side).
    """

    MAX_WORDS = 20_000  # words remembered (~15 MB); rarer words are sliced each time

    def __init__(self, ngram_range: tuple[int, int] = (3, 5)) -> None:
        self.ngram_range = tuple(ngram_range)
        self._words: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        words = self._words
        for word in text.lower().split():
            grams = words.get(word)
            if grams is None:
                grams = self._ngrams(word)
                if len(words) < self.MAX_WORDS:
                    words[word] = grams
            out.extend(grams)
        return out

    def _ngrams(self, word: str) -> list[str]:
        padded = f" {word} "
        low, high = self.ngram_range
        out = []
        for n in range(low, high + 1):
            out.extend(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:  # a word shorter than n: one n-gram (itself), once
                break
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {"ngram_range": self.ngram_range}  # the remembered words are not saved

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["ngram_range"])


def scaled_log1p(counts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Rule counts on the scale of TF-IDF values, so neither kind drowns the other."""
    return scale * np.log1p(np.asarray(counts, dtype=float))


def _text_branch(vectorizer: TfidfVectorizer, mask: bool, negation: bool) -> Pipeline:
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
        "char": lambda: _text_branch(TfidfVectorizer(
            analyzer=CharNgrams(tuple(cfg.char.ngram_range)), min_df=cfg.char.min_df,
            max_features=cfg.char.max_features, sublinear_tf=True,
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
