"""The reason patterns compiled for speed: a word trie, one ``Matcher``, chains across gaps.

spaCy's ``Matcher`` tries every pattern at every token, and bounded wildcard gaps
("no ... {0,8} ... improvement") multiply its states, so the patterns are compiled, with
the same meaning, into gap-free pieces held by a word trie (a few by a ``Matcher``)
and chained across the gaps in Python (:class:`CompiledPatterns`); a test checks the result
equals spaCy's ``Matcher(greedy="LONGEST")`` match for match.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from imr_ml.corpus.rules.patterns import PatternSet

# spaCy's Matcher tries every pattern at every token, and IN / NOT_IN are Python-level
# predicates: dozens of rules with bounded wildcard gaps ("no ... {0,8} ... improvement")
# cost ~10 ms per rationale. So each pattern is compiled, with the same meaning, into
# gap-free *segments* joined by *gaps* (wildcard tokens such as {"OP": "{0,8}"}). A segment
# whose word sequences can be listed (LOWER / TEXT words, optional or bounded repeats) goes
# into one trie of lower-case words (matched as spaCy's PhraseMatcher(attr="LOWER") would,
# and built without making a Doc per phrase); any other segment, or a pattern that cannot
# be split, stays a Matcher pattern. Segment matches are then chained across the gaps.
_MAX_PHRASES = 1500     # word sequences per phrase piece; longer segments are cut in pieces
_MAX_UNCUT = 8000       # ... up to this many where optional words leave no place to cut
_WORD_KEYS = ("LOWER", "TEXT", "ORTH")
_REPEAT = re.compile(r"^\{(\d*)(,?)(\d*)\}$")


@dataclass(frozen=True)
class _Gap:
    low: int
    high: int | None                  # None: unbounded
    attr: str = ""                    # "" (any token) | "LOWER" | "TEXT"
    negate: bool = False              # NOT_IN instead of IN
    words: frozenset[str] = frozenset()
    ids: frozenset[int] = frozenset()  # the words' string hashes, set when compiled


_ADJACENT = _Gap(0, 0)


@dataclass(frozen=True)
class _Chain:
    rule_id: str
    parts: tuple[str, ...]            # segment ids
    gaps: tuple[tuple[_Gap, ...], ...]  # len(parts) - 1; each one or more gaps in a row
    tail: tuple[_Gap, ...] = ()       # a pattern ending in gaps


def _op_range(op: Any) -> tuple[int, int | None] | None:
    if op is None or op == "1":
        return 1, 1
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, None
    if op == "+":
        return 1, None
    m = _REPEAT.match(str(op))
    if not m:
        return None                   # "!" and anything unknown
    low = int(m.group(1) or 0)
    if not m.group(2):
        return low, low
    return low, int(m.group(3)) if m.group(3) else None


def _spec_words(tok: dict[str, Any]) -> tuple[str, str, frozenset[str]] | None:
    """(attr, "IN"|"NOT_IN", words) for a plain word test, "" attr for no test at all."""
    keys = [k for k in tok if k != "OP"]
    if not keys:
        return "", "NOT_IN", frozenset()
    if len(keys) != 1 or keys[0] not in _WORD_KEYS:
        return None
    attr, value = keys[0], tok[keys[0]]
    if isinstance(value, str):
        op, words = "IN", [value]
    elif isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("IN", "NOT_IN"):
        op, words = next(iter(value.items()))
    else:
        return None
    if not all(isinstance(w, str) for w in words):
        return None
    if attr == "LOWER":
        return "LOWER", op, frozenset(w.lower() for w in words)
    return "TEXT", op, frozenset(words)


def _alternatives(tok: dict[str, Any]) -> list[tuple[str, ...]] | None:
    """Every word sequence one token spec can match, for the (lower-case) PhraseMatcher."""
    rng, spec = _op_range(tok.get("OP")), _spec_words(tok)
    if rng is None or rng[1] is None or spec is None or spec[1] != "IN" or not spec[0]:
        return None
    attr, _, words = spec
    if attr == "TEXT" and any(w != w.lower() for w in words):
        return None
    ordered = sorted(words)
    if len(ordered) ** rng[1] > _MAX_PHRASES:
        return None
    return [seq for k in range(rng[0], rng[1] + 1)
            for seq in itertools.product(ordered, repeat=k)]


def _as_gap(tok: dict[str, Any]) -> _Gap | None:
    rng, spec = _op_range(tok.get("OP")), _spec_words(tok)
    if rng is None or spec is None or rng == (1, 1) or rng == (0, 1):
        return None
    return _Gap(rng[0], rng[1], spec[0], spec[1] == "NOT_IN", spec[2])


def _phrases(segment: list[dict[str, Any]],
             limit: int = _MAX_PHRASES) -> list[tuple[str, ...]] | None:
    options = []
    size = 1
    for tok in segment:
        alts = _alternatives(tok)
        if alts is None:
            return None
        size *= len(alts)
        if size > limit:
            return None
        options.append(alts)
    phrases = set(map(tuple, map(itertools.chain.from_iterable, itertools.product(*options))))
    return None if () in phrases else sorted(phrases)


def _pieces(segment: list[dict[str, Any]]) -> list[list[tuple[str, ...]]] | None:
    """The segment's word sequences, split into adjacent pieces small enough to list.

    A segment such as ``not been? ADV? PARTICIPLE`` lists as a product of its tokens'
    alternatives; where that grows too large, it is cut (left to right, each piece able to
    match something) into pieces that are matched separately and joined edge to edge.
    """
    whole = _phrases(segment)
    if whole is not None:
        return [whole]
    pieces: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 1
    for tok in segment:
        alts = _alternatives(tok)
        if alts is None:
            return None
        if current and size * len(alts) > _MAX_PHRASES and not _nullable(current):
            pieces.append(current)
            current, size = [], 1
        current.append(tok)
        size *= len(alts)
    if _nullable(current) and pieces:
        pieces[-1].extend(current)
    else:
        pieces.append(current)
    listed = [_phrases(piece, _MAX_UNCUT) for piece in pieces]
    if any(p is None for p in listed):
        return None
    return [p for p in listed if p is not None]


def _nullable(segment: list[dict[str, Any]]) -> bool:
    return all((_op_range(t.get("OP")) or (0, 0))[0] == 0 for t in segment)


# A trie node: the keys of the segments whose phrases end here, and the next words' nodes
# (words as the string hashes of their lower-case forms, like spaCy's LOWER attribute).
_Node = tuple[list[int], dict[int, "_Node"]]


class CompiledPatterns:
    """Rules compiled into one word trie, one Matcher and chains of their segments."""

    def __init__(self, nlp: Language, patterns: PatternSet) -> None:
        self.matcher = Matcher(nlp.vocab, validate=False)
        self.chains: list[_Chain] = []
        self._segments: dict[str, str] = {}      # canonical form -> segment id
        self._trie: dict[int, _Node] = {}        # first word -> node
        self._word_keys: dict[str, int] = {}     # word -> hash of its lower-case form
        self._matcher_patterns: dict[str, list[dict[str, Any]]] = {}
        self._nlp = nlp
        for rid, pats in patterns.token_patterns.items():
            for pat in pats:
                self._add_pattern(rid, pat)
        for rid, phrases in patterns.phrases.items():
            for phrase in phrases:
                words = tuple(t.lower_ for t in nlp.make_doc(phrase) if not t.is_space)
                self.chains.append(_Chain(rid, (self._phrase_segment([words]),), ()))
        self._add_matcher_patterns()
        self.chains = list(dict.fromkeys(self.chains))
        # Chains by the key (string hash) of their first segment, as the matchers report
        # matches, each with its order and its segments' keys.
        self._by_first: dict[int, list[tuple[int, _Chain, tuple[int, ...]]]] = {}
        for order, chain in enumerate(self.chains):
            keys = tuple(nlp.vocab.strings.add(part) for part in chain.parts)
            self._by_first.setdefault(keys[0], []).append((order, chain, keys))

    def _add_pattern(self, rid: str, pat: list[dict[str, Any]]) -> None:
        segments: list[list[dict[str, Any]]] = [[]]
        gaps: list[tuple[_Gap, ...]] = []
        for tok in pat:
            gap = _as_gap(tok)
            if gap is None:
                segments[-1].append(tok)
                continue
            gap = dataclasses.replace(
                gap, ids=frozenset(self._nlp.vocab.strings.add(w) for w in gap.words))
            if gaps and not segments[-1]:
                gaps[-1] += (gap,)     # gaps in a row ("was {1,4} medically{0,2}") join up
            else:
                gaps.append((gap,))
                segments.append([])
        tail: tuple[_Gap, ...] = ()
        if len(segments) > 1 and not segments[-1]:
            segments.pop()
            tail = gaps.pop()
        if any(_nullable(seg) for seg in segments):
            # a segment could match nothing: keep the whole pattern as it is
            self.chains.append(_Chain(rid, (self._matcher_segment(pat),), ()))
            return
        parts: list[str] = []
        joins: list[tuple[_Gap, ...]] = []
        for i, seg in enumerate(segments):
            if i:
                joins.append(gaps[i - 1])
            pieces = _pieces(seg)
            if pieces is None:
                parts.append(self._matcher_segment(seg))
                continue
            for j, piece in enumerate(pieces):
                if j:
                    joins.append((_ADJACENT,))
                parts.append(self._phrase_segment(piece))
        self.chains.append(_Chain(rid, tuple(parts), tuple(joins), tail))

    def _segment_id(self, canonical: str) -> tuple[str, bool]:
        if canonical in self._segments:
            return self._segments[canonical], False
        sid = f"__segment_{len(self._segments)}"
        self._segments[canonical] = sid
        return sid, True

    def _phrase_segment(self, phrases: list[tuple[str, ...]]) -> str:
        sid, new = self._segment_id(json.dumps(["phrases", sorted(phrases)]))
        if new:
            key = self._nlp.vocab.strings.add(sid)
            word_keys = {word: self._word_key(word) for phrase in phrases for word in phrase}
            for phrase in phrases:
                children = self._trie
                for word_key in map(word_keys.__getitem__, phrase):
                    node = children.get(word_key)
                    if node is None:
                        node = children[word_key] = ([], {})
                    children = node[1]
                node[0].append(key)
        return sid

    def _word_key(self, word: str) -> int:
        """The string hash of the word's lower-case form (added to the vocabulary once)."""
        key = self._word_keys.get(word)
        if key is None:
            key = self._word_keys[word] = self._nlp.vocab.strings.add(word.lower())
        return key

    def _matcher_segment(self, seg: list[dict[str, Any]]) -> str:
        sid, new = self._segment_id(json.dumps(["tokens", seg], sort_keys=True))
        if new:
            self._matcher_patterns[sid] = seg
        return sid

    def _add_matcher_patterns(self) -> None:
        """Matcher segments, their LOWER word sets turned into lexeme flags where possible.

        ``{"LOWER": {"IN": words}}`` is a Python-level predicate the Matcher evaluates token
        by token; a flag (``Vocab.add_flag``) is the same test done in C. Flag bits are few
        (64 minus spaCy's own), so the most-evaluated sets (first tokens) go first and the
        rest stay predicates.
        """
        weight: dict[frozenset[str], int] = {}
        for seg in self._matcher_patterns.values():
            for i, tok in enumerate(seg):
                spec = _spec_words(tok)
                if spec is not None and spec[0] == "LOWER":
                    weight[spec[2]] = weight.get(spec[2], 0) + (100 if i == 0 else 1)
        flags: dict[frozenset[str], int] = {}
        for words, _ in sorted(weight.items(), key=lambda kv: (-kv[1], sorted(kv[0]))):
            try:
                flags[words] = self._nlp.vocab.add_flag(lambda s, w=words: s.lower() in w)
            except ValueError:        # no free flag bit left
                break
        for sid, seg in self._matcher_patterns.items():
            compiled = []
            for tok in seg:
                spec = _spec_words(tok)
                if spec is not None and spec[0] == "LOWER" and spec[2] in flags:
                    tok = {k: v for k, v in tok.items() if k == "OP"}
                    tok[flags[spec[2]]] = spec[1] == "IN"
                compiled.append(tok)
            self.matcher.add(sid, [compiled])
        self.flags = frozenset(flags.values())

    @staticmethod
    def _values(gap: _Gap, doc: Doc, values: dict[str, list[int]]) -> list[int] | None:
        """The token values the gap tests (None: any token passes), made once per doc."""
        attr = "ORTH" if gap.attr == "TEXT" else gap.attr
        if attr and attr not in values:
            values[attr] = doc.to_array(attr).tolist()
        return values.get(attr)

    @staticmethod
    def _gap_stop(gap: _Gap, begin: int, stop: int, vals: list[int] | None) -> int:
        """Where the gap beginning at token ``begin`` must end at the latest, ``stop`` or
        before: at the first token failing its test."""
        if vals is not None:
            ids, negate = gap.ids, gap.negate
            for q in range(begin, stop):
                if (vals[q] in ids) == negate:
                    return q
        return stop

    def _gap_ends(self, gaps: tuple[_Gap, ...], start: int, n: int, doc: Doc,
                  values: dict[str, list[int]]) -> list[int]:
        """Where gaps in a row that begin at token ``start`` may end (each token passes its
        gap's test)."""
        ends = [start]
        for gap in gaps:
            vals = self._values(gap, doc, values)
            reached: set[int] = set()
            for begin in ends:
                stop = n if gap.high is None else min(n, begin + gap.high)
                reached.update(range(begin + gap.low, self._gap_stop(gap, begin, stop, vals) + 1))
            ends = sorted(reached)
        return ends

    def _across_gap(self, frontier: list[tuple[int, int]], gap: _Gap,
                    index: tuple[list[int], dict[int, list[int]]], n: int, doc: Doc,
                    values: dict[str, list[int]]) -> list[tuple[int, int]]:
        """The spans (start, end) that continue ``frontier`` spans across one gap with a
        match of the next segment (its ascending starts, and each start's ends): as the
        gap's ends would give them, but testing the gap's tokens only where such a match
        starts within its reach."""
        starts, ends_at = index
        low, high = gap.low, gap.high
        out = []
        for s, e in frontier:
            reach = n if high is None else min(n, e + high)
            a = bisect_left(starts, e + low)
            b = bisect_right(starts, reach, a)
            if a == b:
                continue
            stop = self._gap_stop(gap, e, reach, self._values(gap, doc, values))
            for q in starts[a:bisect_right(starts, stop, a, b)]:
                out.extend((s, e2) for e2 in ends_at[q])
        return out

    def _segment_matches(self, doc: Doc, lower: list[int]) -> dict[int, list[tuple[int, int]]]:
        """(start, end) of every match of each segment (by key), as spaCy's PhraseMatcher
        and Matcher give them: every phrase at every token, overlapping or not."""
        found: dict[int, list[tuple[int, int]]] = defaultdict(list)
        trie = self._trie
        padded = [*lower, -1]  # -1: no word's key, so every walk stops at the end
        for i, word in enumerate(lower):
            node = trie.get(word)
            end = i
            while node is not None:
                end += 1
                for key in node[0]:
                    found[key].append((i, end))
                node = node[1].get(padded[end])
        if len(self.matcher):
            for key, start, end in self.matcher(doc):
                found[key].append((start, end))
        return found

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(rule id, start, end) matches, greedy-longest per rule like Matcher(greedy=...)."""
        lower = doc.to_array("LOWER").tolist()
        found = self._segment_matches(doc, lower)
        # the chains all of whose segments matched, in order
        chains = sorted(entry for key in found for entry in self._by_first.get(key, ())
                        if all(map(found.__contains__, entry[2])))
        by_start: dict[int, tuple[list[int], dict[int, list[int]]]] = {}
        values: dict[str, list[int]] = {"LOWER": lower}
        n = len(doc)
        per_rule: dict[str, set[tuple[int, int]]] = {}
        for _, chain, keys in chains:
            frontier = found[keys[0]]
            for gap, part in zip(chain.gaps, keys[1:], strict=True):
                if part not in by_start:
                    index: dict[int, list[int]] = {}
                    for s, e in found[part]:
                        index.setdefault(s, []).append(e)
                    by_start[part] = sorted(index), index
                if len(gap) == 1:
                    frontier = self._across_gap(frontier, gap[0], by_start[part], n, doc, values)
                else:
                    ends_at = by_start[part][1]
                    frontier = [(s, e2) for s, e in frontier
                                for q in self._gap_ends(gap, e, n, doc, values)
                                for e2 in ends_at.get(q, ())]
                if not frontier:
                    break
            if frontier and chain.tail:
                frontier = [(s, q) for s, e in frontier
                            for q in self._gap_ends(chain.tail, e, n, doc, values)]
            if frontier:
                per_rule.setdefault(chain.rule_id, set()).update(frontier)
        out = []
        for rid, spans in per_rule.items():
            taken: list[tuple[int, int]] = []
            for s, e in sorted(spans, key=lambda se: (se[0] - se[1], se[0])):
                if all(e <= ts or s >= te for ts, te in taken):
                    taken.append((s, e))
                    out.append((rid, s, e))
        return out


def matches_outside(doc: Doc, matches: list[tuple[str, int, int]],
             spans: Sequence[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The matches none of whose tokens start inside the character spans."""
    if not spans or not matches:
        return matches
    starts = doc.to_array("IDX").tolist()
    # each span's tokens, as an index range [low, high) of the (ascending) token starts
    ranges = [(low, high) for low, high in ((bisect_left(starts, begin), bisect_left(starts, end))
                                            for begin, end in spans) if low < high]
    return [(rid, s, e) for rid, s, e in matches
            if not any(low < e and s < high for low, high in ranges)]
