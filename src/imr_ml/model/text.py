"""What the models read of a rationale: its verdict clauses masked, its negations marked.

Two text treatments carry what plain bag-of-words misses here:

- verdict masking: the clauses that state the verdict ("the request is not medically
  necessary") are removed, so the decision model learns from the reviewer's findings;
- negation marking: words in the scope of a negation cue get a `NOT_` prefix, so "no
  documentation of functional improvement" and "documentation of functional improvement"
  are different features.

`prepare` applies them to a column of texts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache

from imr_ml.segment.roles import sentence_roles
from imr_ml.segment.sentences import sentence_spans

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
# A word's sentence role as a prefix of the word (`prepare(..., roles=True)`).
ROLE_PREFIXES = {"guideline": "g:", "history": "h:", "finding": "f:", "conclusion": "c:"}


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
    spans = sentence_spans(text)
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
            text = spaced
    return [(start, end) for start, end, verdict in _pieces_of(text) if verdict]


@lru_cache(maxsize=4096)
def _pieces_of(text: str) -> tuple[tuple[int, int, bool], ...]:
    """`_pieces` of a text, remembered for recent texts: the masked rule counts, the masked
    words and the masked characters of one rationale all read them."""
    return tuple(_pieces(text))


def mask_verdicts(text: str) -> str:
    """The text without its verdict clauses."""
    return " ".join(text[start:end].strip() for start, end, verdict in _pieces_of(text)
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


@lru_cache(maxsize=4096)
def word_starts(text: str) -> tuple[int, ...]:
    """Where each word of `prepare`'s output for `text` (unmasked) starts in `text`;
    remembered for recent texts (the masking and the evidence both read them)."""
    return tuple(m.start() for m in _WORD.finditer(text))


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
    return _views(text, _mark(_words(text)))


def _views(text: str, words: list[str]) -> tuple[str, str]:
    """The text's words (`word_starts`'s, treated) joined: all of them, and those starting
    outside its verdict clauses."""
    full = " ".join(words)
    spans = verdict_spans(text)
    return full, (" ".join(_outside(words, word_starts(text), spans)) if spans else full)


def _outside(words: list[str], starts: Sequence[int],
             spans: Sequence[tuple[int, int]]) -> list[str]:
    """The words (starting at `starts`) that start outside the spans (in order, apart)."""
    kept: list[str] = []
    at = 0
    for begin, end in spans:  # keep the words before each span
        kept += words[at:bisect_left(starts, begin)]
        at = bisect_left(starts, end)
    return kept + words[at:]


@lru_cache(maxsize=4096)
def _role_texts(text: str, negation: bool) -> tuple[str, str]:
    """The text's words (negation-marked, with `negation`) each prefixed with the role of its
    sentence (`ROLE_PREFIXES`), joined: all of them, and those outside its verdict clauses.
    A word of the guideline and the same word of a finding are then different features."""
    words = _mark(_words(text)) if negation else _words(text)
    roles = sentence_roles(text)
    firsts = [start for start, _, _ in roles]
    # every word starts inside a sentence: sentences cover all of the text but whitespace
    return _views(text, [ROLE_PREFIXES[roles[bisect_right(firsts, at) - 1][2]] + word
                         for word, at in zip(words, word_starts(text), strict=True)])


def prepare(texts: Sequence[str], mask: bool = False, negation: bool = False,
            roles: bool = False) -> list[str]:
    """Apply the configured text treatments to a column of texts: `mask_verdicts`, with
    negation marking the `mark_negation` words of the text (less its verdict clauses'), and
    with `roles` those words each prefixed with its sentence's role (`ROLE_PREFIXES`)."""
    out = []
    for text in texts:
        text = text or ""
        if roles:
            full, masked = _role_texts(text, negation)
            text = masked if mask else full
        elif negation:
            full, masked = _marked_texts(text)
            text = masked if mask else full
        elif mask:
            text = mask_verdicts(text)
        out.append(text)
    return out
