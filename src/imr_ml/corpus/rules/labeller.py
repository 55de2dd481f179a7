"""Rule-based denial-reason labeller for IMR decision rationales.

Three uses: weak reason labels for a user's unlabelled letters (a person then corrects them,
helped by :meth:`ReasonLabeller.explain`), the "rules" baseline the trained model must beat,
and rule-match counts as features for that model (:meth:`ReasonLabeller.match_counts`).

A rationale is whitespace-normalised (PDF line breaks), tokenised by ``spacy.blank("en")``
and matched against the rules of ``reason_patterns.json`` (:mod:`.patterns`, compiled by
:mod:`.matcher`). The label spans that survive the blockers are then resolved like
``spacy.util.filter_spans`` but by precedence: higher ``priority`` first, then the longer
span; a span overlapping a span already kept is dropped. That is how "no indication that the
medication is improving function" becomes ``no_functional_improvement`` (its span covers the
weaker ``no_indication`` span "no indication"). About 2,000 rationales per second on one core.

Decision heuristic (rules baseline for the decision target): :meth:`ReasonLabeller.predicts_upheld_many`
says "upheld" when at least one denial pattern survives in the *masked* rationale, i.e. some
finding the reviewer states against the request: missing documentation or indication,
no functional improvement, a quantity above the guideline, a treatment the guideline does
not recommend, an unspecified or duplicate request. Patterns flagged ``verdict`` (those that
read verdict language, e.g. "as the surgery is not medically necessary, ...") are ignored,
and no other pattern reads verdict phrases such as "is (not) medically necessary", so the
heuristic works on the verdict-masked text the decision model sees.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import re
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import IDS, LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from imr_ml.corpus.rules.matcher import CompiledPatterns, matches_outside
from imr_ml.corpus.rules.patterns import Rule, load_patterns
from imr_ml.errors import PatternError
from imr_ml.labels import REASONS

# Same-length character mapping, so offsets survive: typographic quotes and dashes.
_CHARMAP = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                          "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    start: int          # token offsets in the normalised Doc
    end: int
    status: str         # "kept" | "blocked" | "overridden"
    by: str = ""        # the blocker or winning pattern id



# --------------------------------------------------------------------------- text
def _collapse(text: str) -> str:
    """Collapse whitespace runs to one space (PDF line breaks) and map typographic quotes.

    As `_WHITESPACE.sub(" ", text.translate(_CHARMAP))`, ~4x faster: the map's keys are all
    non-ASCII, and `str.split` splits on the whitespace that `\\s` matches.
    """
    if not text.isascii():
        text = text.translate(_CHARMAP)
    words = text.split()
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(words) + (
        " " if text[-1].isspace() else "")


def _normalise(text: str) -> tuple[str, list[int], list[int]]:
    """`_collapse`'s text and two anchor lists (normalised position, original position) that
    map offsets back: every collapsed run starts a new anchor (the quote map keeps lengths)."""
    norm_anchor, orig_anchor = [0], [0]
    last = out_len = 0
    for m in _WHITESPACE.finditer(text):
        if m.group() == " ":
            continue
        out_len += m.start() - last + 1
        last = m.end()
        norm_anchor.append(out_len)
        orig_anchor.append(last)
    return _collapse(text), norm_anchor, orig_anchor


def _to_original(pos: int, norm_anchor: list[int], orig_anchor: list[int]) -> int:
    i = bisect_right(norm_anchor, pos) - 1
    return orig_anchor[i] + pos - norm_anchor[i]


# --------------------------------------------------------------------------- labeller
class ReasonLabeller:
    """Rule-based multi-label denial-reason labeller (see the module docstring).

    ``labels`` are the labels to report, in this order. Labels the patterns file does not
    define never fire (with a warning), so a user-extended label set still works; labels of
    the file not asked for still take part in precedence, then are left out.
    """

    def __init__(self, labels: Sequence[str] = REASONS,
                 patterns_path: Path | None = None) -> None:
        self.labels: tuple[str, ...] = tuple(labels)
        self.max_strings = 50_000  # vocabulary size after which new words are not kept
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"duplicate labels in {self.labels}")
        self.patterns = load_patterns(patterns_path)
        missing = [lab for lab in self.labels if lab not in self.patterns.labels]
        if missing:
            warnings.warn(f"no rule patterns for labels {missing}: they never fire",
                          stacklevel=2)
        self.nlp: Language = spacy.blank("en")
        self._units = {
            name: (frozenset(self.nlp.vocab.strings.add(w) for w in ends),
                   frozenset(self.nlp.vocab.strings.add(w) for w in starts))
            for name, (ends, starts) in self.patterns.units.items()}
        checker = Matcher(self.nlp.vocab, validate=True)
        for rid, pats in self.patterns.token_patterns.items():
            try:
                checker.add(rid, pats)
            except (ValueError, KeyError) as err:
                raise PatternError(f"{self.patterns.path}: pattern {rid!r}: {err}") from err
        self._rules: dict[str, Rule] = dict(self.patterns.rules)
        self._order = {rid: i for i, rid in enumerate(self._rules)}
        self._compiled = CompiledPatterns(self.nlp, self.patterns)
        # New words' lexemes get only the attributes the rules read (LOWER, the compiled
        # flags, any other the patterns name): the rest took a third of the tokenising.
        read = {IDS[key.upper()] for pats in self.patterns.token_patterns.values()
                for pat in pats for tok in pat for key in tok if key.upper() in IDS}
        vocab = self.nlp.vocab
        vocab.lex_attr_getters = {attr: get for attr, get in vocab.lex_attr_getters.items()
                                  if attr in read | {LOWER} | self._compiled.flags}

    # ----------------------------------------------------------------- public API
    def label(self, rationale: str, fallback: str | None = None) -> list[str]:
        """Reasons found, in label order; ``[fallback]`` (or ``[]``) when none fires.

        For an upheld item, ``fallback="other"`` follows the annotation guide ("use other
        if nothing else fits").
        """
        return self._labels_from_counts(self.match_counts(rationale), fallback)

    def match_counts(self, rationale: str) -> dict[str, int]:
        """Number of surviving pattern matches per label (all labels, 0 when none)."""
        return self._counts(self._hits(self._doc(rationale)))

    def label_many(self, rationales: Iterable[str],
                   fallback: str | None = None) -> list[list[str]]:
        """:meth:`label` for many rationales, streamed."""
        return [self._labels_from_counts(c, fallback)
                for c in self.match_counts_many(rationales)]

    def match_counts_many(self, rationales: Iterable[str]) -> list[dict[str, int]]:
        """:meth:`match_counts` for many rationales (rule-match features for a model)."""
        return [self._counts(hits) for hits in self._hits_many(rationales)]

    def count_many_leaving_out(
        self, rationales: Iterable[str],
        *leave_outs: Callable[[str], Sequence[tuple[int, int]]],
    ) -> list[list[list[int]]]:
        """Match counts of the rationales (rows in ``self.labels`` order), and of them
        without some stretches: one matrix for the whole texts, then one per ``leave_out``.

        A ``leave_out`` gives the character spans of a (whitespace-normalised) rationale to
        leave out, e.g. its verdict clauses; its matrix counts only the matches outside them,
        as if those stretches were cut from the text. One tokenisation and one matching pass
        serve all the matrices.
        """
        out: list[list[list[int]]] = [[] for _ in range(len(leave_outs) + 1)]
        for text, doc in self._docs(rationales):
            matches = self._compiled(doc) if len(doc) else []
            units: dict[str, list[int]] = {}
            full = self._row(self._counts(self._hits(doc, matches=matches, units=units)))
            out[0].append(full)
            for rows, leave_out in zip(out[1:], leave_outs, strict=True):
                kept = matches_outside(doc, matches, leave_out(text))
                rows.append(full if len(kept) == len(matches) else  # none left out
                            self._row(self._counts(self._hits(doc, matches=kept, units=units))))
        return out

    def predicts_upheld_many(self, rationales_masked: Iterable[str]) -> list[bool]:
        """Rules baseline for the decision: for each rationale (verdict masked), whether any
        non-verdict denial pattern fires."""
        return [self._denies(hits) for hits in
                self._hits_many(rationales_masked, with_verdict=False)]

    def explain(self, rationale: str, include_suppressed: bool = False) -> list[dict[str, Any]]:
        """The matches behind :meth:`label`, for a person checking the labels.

        Each dict: ``label``, ``pattern_id``, ``start`` / ``end`` (character offsets in
        ``rationale``), ``text``, ``status`` ("kept"; with ``include_suppressed`` also
        "blocked" or "overridden"), ``by`` (the blocker or winning pattern) and ``note``.
        """
        text = rationale if isinstance(rationale, str) else ""
        norm, norm_anchor, orig_anchor = _normalise(text)
        doc = self.nlp(norm)
        rows = []
        for hit in self._hits(doc, keep_all=include_suppressed):
            if hit.rule.target not in self.labels:
                continue
            span = doc[hit.start:hit.end]
            start = _to_original(span.start_char, norm_anchor, orig_anchor)
            end = _to_original(span.end_char - 1, norm_anchor, orig_anchor) + 1
            rows.append({"label": hit.rule.target, "pattern_id": hit.rule.id,
                         "start": start, "end": end, "text": text[start:end],
                         "status": hit.status, "by": hit.by, "note": hit.rule.note})
        return sorted(rows, key=lambda r: (r["start"], r["end"], r["pattern_id"]))

    # ----------------------------------------------------------------- internals
    def _doc(self, rationale: str) -> Doc:
        return self.nlp(_collapse(rationale if isinstance(rationale, str) else ""))

    def _docs(self, rationales: Iterable[str]) -> Iterator[tuple[str, Doc]]:
        """(normalised text, its Doc) of each rationale (Doc.text would rebuild the text),
        from `make_doc`: the pipeline is the tokenizer alone, which `nlp.pipe` only wraps.

        Words seen stay in the vocabulary, where the tokenizer finds them ready (2-3x faster
        than tokenising them anew), until it holds `max_strings`; from then on each call
        runs in a spaCy memory zone, so a long stream's rare words do not pile up. The Docs
        must not outlive the iteration.
        """
        full = len(self.nlp.vocab.strings) >= self.max_strings
        with self.nlp.memory_zone() if full else contextlib.nullcontext():
            for rationale in rationales:
                text = _collapse(rationale if isinstance(rationale, str) else "")
                yield text, self.nlp.make_doc(text)

    def _hits_many(self, rationales: Iterable[str],
                   with_verdict: bool = True) -> Iterator[list[_Hit]]:
        for _, doc in self._docs(rationales):
            yield self._hits(doc, with_verdict=with_verdict)

    def _row(self, counts: dict[str, int]) -> list[int]:
        return [counts[lab] for lab in self.labels]

    def _unit_ids(self, doc: Doc, unit: str) -> list[int]:
        """Index of the unit (sentence, clause ...) of every token (non-decreasing).

        A unit begins after a run of end tokens, and at a start word (not the first token).
        """
        ends, starts = self._units[unit]
        words = doc.to_array("LOWER").tolist()
        if not words:
            return []
        is_end = list(map(ends.__contains__, words))
        # a token begins a unit where an end run stops before it (True > False) or it starts one
        begins = map(operator.or_, map(operator.gt, is_end, is_end[1:]),
                     map(starts.__contains__, words[1:]))
        return list(itertools.accumulate(begins, initial=0))

    def _labels_from_counts(self, counts: dict[str, int], fallback: str | None) -> list[str]:
        found = [lab for lab in self.labels if counts.get(lab, 0) > 0]
        return found or ([fallback] if fallback else [])

    def _counts(self, hits: list[_Hit]) -> dict[str, int]:
        counts = dict.fromkeys(self.labels, 0)
        for hit in hits:
            if hit.rule.target in counts:
                counts[hit.rule.target] += 1
        return counts

    def _denies(self, hits: list[_Hit]) -> bool:
        return any(hit.rule.target in self.labels for hit in hits)

    def _hits(self, doc: Doc, *, with_verdict: bool = True, keep_all: bool = False,
              matches: list[tuple[str, int, int]] | None = None,
              units: dict[str, list[int]] | None = None) -> list[_Hit]:
        """Label spans after cues, blockers and precedence (only kept ones by default).

        ``matches``: the doc's pattern matches, if already found (or a subset of them);
        ``units``: a cache of the doc's unit ids, for several calls on one doc.
        """
        if not len(doc):
            return []
        if matches is None:
            matches = self._compiled(doc)
        if not matches:
            return []
        unit_of: dict[str, list[int]] = {} if units is None else units

        def unit(name: str) -> list[int]:
            if name not in unit_of:
                unit_of[name] = self._unit_ids(doc, name)
            return unit_of[name]

        cue_hits: list[tuple[str, int]] = []
        candidates: list[tuple[Rule, int, int]] = []
        for rid, start, end in matches:
            rule = self._rules[rid]
            if rule.kind == "cue":
                cue_hits.append((rule.target, start))
            elif with_verdict or not rule.verdict:
                candidates.append((rule, start, end))
        cues_in: dict[str, dict[int, set[str]]] = {}

        def cues_at(context: str, start: int) -> set[str]:
            if context == "document":
                return {cue for cue, _ in cue_hits}
            ids = unit(context)
            if context not in cues_in:
                cues_in[context] = {}
                for cue, pos in cue_hits:
                    cues_in[context].setdefault(ids[pos], set()).add(cue)
            return cues_in[context].get(ids[start], set())

        blocks: list[tuple[Rule, int, int]] = []
        spans: list[tuple[Rule, int, int]] = []
        for rule, start, end in candidates:
            if rule.requires or rule.unless:
                cues = cues_at(rule.context, start)
                if not all(c in cues for c in rule.requires) \
                        or any(c in cues for c in rule.unless):
                    continue
            if rule.kind == "blocker":
                if rule.scope == "document":
                    start, end = 0, len(doc)
                elif rule.scope != "overlap":
                    ids = unit(rule.scope)
                    start = bisect_left(ids, ids[start])
                    end = bisect_right(ids, ids[end - 1])
                blocks.append((rule, start, end))
            else:
                spans.append((rule, start, end))

        hits: list[_Hit] = []
        survivors: list[tuple[Rule, int, int]] = []
        for rule, start, end in spans:
            blocker = next((b.id for b, bs, be in blocks
                            if (rule.target in b.blocks or "*" in b.blocks)
                            and bs < end and start < be), "")
            if blocker:
                hits.append(_Hit(rule, start, end, "blocked", blocker))
            else:
                survivors.append((rule, start, end))
        survivors.sort(key=lambda s: (-s[0].priority, -(s[2] - s[1]), s[1],
                                      self._order[s[0].id]))
        owner: dict[int, str] = {}
        for rule, start, end in survivors:
            winner = next((owner[i] for i in range(start, end) if i in owner), "")
            if winner:
                hits.append(_Hit(rule, start, end, "overridden", winner))
                continue
            for i in range(start, end):
                owner[i] = rule.id
            hits.append(_Hit(rule, start, end, "kept"))
        if not keep_all:
            hits = [h for h in hits if h.status == "kept"]
        return sorted(hits, key=lambda h: (h.start, h.end, h.rule.id))


@lru_cache(maxsize=8)
def shared_labeller(labels: tuple[str, ...] = REASONS) -> ReasonLabeller:
    """One labeller per label set with the packaged patterns, built once (≈1 s) and reused."""
    return ReasonLabeller(tuple(labels))

