"""Rule-based denial-reason labeller for IMR decision rationales.

Three uses: weak reason labels for a user's unlabelled letters (a person then corrects them,
helped by :meth:`ReasonLabeller.explain`), the "rules" baseline the trained model must beat,
and rule-match counts as features for that model (:meth:`ReasonLabeller.match_counts`).

How it works. Every rule lives as data in ``reason_patterns.json`` (package data; schema in
:func:`load_patterns` and the file's ``description``): token patterns in spaCy ``Matcher``
syntax (LOWER, IN, OP ...) or phrase lists, one set per label, each with an id. A rationale
is whitespace-normalised (PDF line breaks), tokenised by ``spacy.blank("en")`` and matched.
The matches are of three kinds:

* **label patterns** propose a span for one reason label;
* **cues** only mark a unit of text (e.g. "this clause talks about the patient");
* **blockers** suppress the label spans of the labels they list, where they overlap
  (``scope: overlap``), in their whole clause / sentence (units defined in the file) or in
  the whole text (``document``): conditional guideline text ("if there is no improvement
  ..."), qualified recommendations ("not recommended except ..."), a guideline describing
  its criteria with no word about this patient, boilerplate ("no exceptional factors").

Any label pattern or blocker may ``require`` cues, or be void ``unless`` cues are absent, in
its unit (``context``: a unit name or ``document``). The label spans that survive the
blockers are then resolved like ``spacy.util.filter_spans`` but by precedence: higher
``priority`` first, then the longer span; a span overlapping a span already kept is dropped.
That is how "no indication that the medication is improving function" becomes
``no_functional_improvement`` (its span covers the weaker ``no_indication`` span "no
indication"). The code has no per-label logic: behaviour comes from the data.

Speed. spaCy's ``Matcher`` tries every pattern at every token, and bounded wildcard gaps
("no ... {0,8} ... improvement") multiply its states, so the patterns are compiled, with
the same meaning, into gap-free pieces held by a word trie (a few by a ``Matcher``)
and chained across the gaps in Python (:class:`_Compiled`); a test checks the result equals
spaCy's ``Matcher(greedy="LONGEST")`` match for match. About 2,000 rationales per second on
one core.

Decision heuristic (rules baseline for the decision target): :func:`predicts_upheld` says
"upheld" when at least one denial pattern survives in the *masked* rationale, i.e. some
finding the reviewer states against the request: missing documentation or indication,
no functional improvement, a quantity above the guideline, a treatment the guideline does
not recommend, an unspecified or duplicate request. Patterns flagged ``verdict`` (those that
read verdict language, e.g. "as the surgery is not medically necessary, ...") are ignored,
and no other pattern reads verdict phrases such as "is (not) medically necessary", so the
heuristic works on the verdict-masked text the decision model sees.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import operator
import re
import warnings
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import IDS, LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from imr_ml.errors import ImrMlError

REASONS: tuple[str, ...] = (
    "no_functional_improvement",
    "exceeds_guideline_quantity",
    "no_indication",
    "not_recommended",
    "other",
)
REQUIRED_REASONS: tuple[str, ...] = REASONS[:3]
DEFAULT_PATTERNS_PATH = Path(__file__).with_name("reason_patterns.json")
SCHEMA_VERSION = 1

_DEFAULT_UNITS = {"sentence": {"ends": [".", "!", "?"]}}
_PATTERN_KEYS = {"id", "pattern", "phrases", "priority", "requires", "unless", "context",
                 "verdict", "note", "blocks", "scope"}
# Same-length character mapping, so offsets survive: typographic quotes and dashes.
_CHARMAP = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                          "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})
_WHITESPACE = re.compile(r"\s+")


class PatternError(ImrMlError, ValueError):
    """The patterns file is malformed (message names the file and the offending entry)."""


@dataclass(frozen=True)
class Rule:
    """One entry of the patterns file, after validation."""

    id: str
    kind: str                      # "label" | "cue" | "blocker"
    target: str = ""               # the label (kind "label") or the cue name (kind "cue")
    priority: int = 0
    blocks: frozenset[str] = frozenset()
    scope: str = "overlap"
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    context: str = "sentence"
    verdict: bool = False
    note: str = ""


@dataclass
class PatternSet:
    """The validated contents of a patterns file: rules plus their expanded patterns."""

    path: Path
    labels: tuple[str, ...]                                   # labels defined, file order
    units: dict[str, tuple[frozenset[str], frozenset[str]]]  # name -> (ends, starts)
    rules: dict[str, Rule] = field(default_factory=dict)     # by id, file order
    token_patterns: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    phrases: dict[str, list[str]] = field(default_factory=dict)

    def rules_for(self, label: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.kind == "label" and r.target == label]


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    start: int          # token offsets in the normalised Doc
    end: int
    status: str         # "kept" | "blocked" | "overridden"
    by: str = ""        # the blocker or winning pattern id


# --------------------------------------------------------------------------- loading
def load_patterns(path: Path | str | None = None) -> PatternSet:
    """Read and validate a patterns file (default: the packaged ``reason_patterns.json``).

    Schema (``schema_version`` 1)::

        {"schema_version": 1,
         "units":  {NAME: {"ends": [tok, ...], "starts": [word, ...]}},
         "lists":  {NAME: [word, ...]},               # "$NAME" inside IN / NOT_IN
         "macros": {NAME: [[token, ...], ...]},       # "@NAME" as a pattern element
         "labels": {label: {"priority": int, "description": str,
                            "patterns": [PATTERN, ...]}},
         "cues":   {name: {"description": str, "patterns": [PATTERN, ...]}},
         "blockers": [PATTERN + {"blocks": [label, ...] | ["*"],
                                 "scope": "overlap" | UNIT | "document"}]}

    PATTERN is ``{"id", "pattern": [token, ...]}`` (spaCy ``Matcher`` syntax) or
    ``{"id", "phrases": [str, ...]}``, optionally with ``priority`` (overrides the label's),
    ``requires`` / ``unless`` (cue names), ``context`` (UNIT | "document", default
    "sentence"), ``verdict`` (bool) and ``note``. Ids are unique across the file. UNITs are
    stretches of text (default: "sentence", ended by . ! ?): a unit ends after a run of
    its ``ends`` tokens and a new one begins at any of its ``starts`` words.
    """
    path = Path(path) if path is not None else DEFAULT_PATTERNS_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise PatternError(f"{path}: cannot read patterns: {err}") from err
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise PatternError(f"{path}: expected an object with schema_version {SCHEMA_VERSION}")
    lists = data.get("lists", {})
    macros = data.get("macros", {})
    labels = data.get("labels")
    cues = data.get("cues", {})
    blockers = data.get("blockers", [])
    if not isinstance(labels, dict) or not labels:
        raise PatternError(f"{path}: 'labels' must be a non-empty object")
    for name, words in lists.items():
        if not (isinstance(words, list) and words and all(isinstance(w, str) for w in words)):
            raise PatternError(f"{path}: list {name!r} must be a non-empty list of strings")
    units = {}
    for name, spec in {**_DEFAULT_UNITS, **data.get("units", {})}.items():
        ends, starts = spec.get("ends", []), spec.get("starts", [])
        if not (ends or starts) or name in ("overlap", "document") \
                or not all(isinstance(w, str) for w in [*ends, *starts]):
            raise PatternError(f"{path}: unit {name!r} needs 'ends' / 'starts' word lists")
        units[name] = (frozenset(w.lower() for w in ends), frozenset(w.lower() for w in starts))
    scopes = ("overlap", *units, "document")
    contexts = (*units, "document")

    out = PatternSet(path=path, labels=tuple(labels), units=units)

    def add(entry: Any, kind: str, target: str, default_priority: int = 0) -> None:
        where = f"{path}: {kind} {target or 'blocker'}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise PatternError(f"{where}: every pattern needs a string 'id'")
        rid = entry["id"]
        where = f"{where}, pattern {rid!r}"
        if rid in out.rules:
            raise PatternError(f"{where}: duplicate id")
        unknown = set(entry) - _PATTERN_KEYS
        if unknown:
            raise PatternError(f"{where}: unknown keys {sorted(unknown)}")
        if ("pattern" in entry) == ("phrases" in entry):
            raise PatternError(f"{where}: give exactly one of 'pattern' and 'phrases'")
        requires = tuple(entry.get("requires", ()))
        unless = tuple(entry.get("unless", ()))
        for cue in requires + unless:
            if cue not in cues:
                raise PatternError(f"{where}: unknown cue {cue!r}")
        context = entry.get("context", "sentence")
        if context not in contexts:
            raise PatternError(f"{where}: context must be one of {contexts}")
        blocks: frozenset[str] = frozenset()
        scope = "overlap"
        if kind == "blocker":
            blocks = frozenset(entry.get("blocks", ()))
            scope = entry.get("scope", "overlap")
            if not blocks or not blocks <= set(labels) | {"*"}:
                raise PatternError(f"{where}: 'blocks' must list known labels or '*'")
            if scope not in scopes:
                raise PatternError(f"{where}: scope must be one of {scopes}")
        elif "blocks" in entry or "scope" in entry:
            raise PatternError(f"{where}: only blockers take 'blocks' / 'scope'")
        priority = entry.get("priority", default_priority)
        if not isinstance(priority, int):
            raise PatternError(f"{where}: priority must be an integer")
        if "pattern" in entry:
            out.token_patterns[rid] = _expand(entry["pattern"], lists, macros, where)
        else:
            phrases = entry["phrases"]
            if not (isinstance(phrases, list) and phrases
                    and all(isinstance(p, str) and p.strip() for p in phrases)):
                raise PatternError(f"{where}: 'phrases' must be a non-empty list of strings")
            out.phrases[rid] = phrases
        out.rules[rid] = Rule(
            id=rid, kind=kind, target=target, priority=priority, blocks=blocks, scope=scope,
            requires=requires, unless=unless, context=context,
            verdict=bool(entry.get("verdict", False)), note=str(entry.get("note", "")),
        )

    for label, spec in labels.items():
        if not isinstance(spec, dict) or not spec.get("patterns"):
            raise PatternError(f"{path}: label {label!r} has no patterns")
        for entry in spec["patterns"]:
            add(entry, "label", label, spec.get("priority", 0))
    for cue, spec in cues.items():
        if not isinstance(spec, dict) or not spec.get("patterns"):
            raise PatternError(f"{path}: cue {cue!r} has no patterns")
        for entry in spec["patterns"]:
            add(entry, "cue", cue)
    for entry in blockers:
        add(entry, "blocker", "")
    return out


def _expand(pattern: Any, lists: dict[str, list[str]], macros: dict[str, Any],
            where: str) -> list[list[dict[str, Any]]]:
    """Expand "@MACRO" elements (alternatives → several patterns) and "$LIST" values."""
    if not isinstance(pattern, list) or not pattern:
        raise PatternError(f"{where}: 'pattern' must be a non-empty list")
    options: list[list[list[dict[str, Any]]]] = []
    for element in pattern:
        if isinstance(element, str):
            if not element.startswith("@") or element[1:] not in macros:
                raise PatternError(f"{where}: unknown macro {element!r}")
            alternatives = macros[element[1:]]
            if not isinstance(alternatives, list) or not alternatives:
                raise PatternError(f"{where}: macro {element!r} must list alternatives")
            options.append([[_resolve(tok, lists, where) for tok in alt]
                            for alt in alternatives])
        elif isinstance(element, dict):
            options.append([[_resolve(element, lists, where)]])
        else:
            raise PatternError(f"{where}: pattern elements are token objects or '@MACRO'")
    return [[tok for part in combo for tok in part] for combo in itertools.product(*options)]


def _resolve(value: Any, lists: dict[str, list[str]], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, lists, where) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in lists:
            raise PatternError(f"{where}: unknown list {value!r}")
        return list(lists[value[1:]])
    return value


# --------------------------------------------------------------------------- compiling
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


class _Compiled:
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


def _outside(doc: Doc, matches: list[tuple[str, int, int]],
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
        self._compiled = _Compiled(self.nlp, self.patterns)
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

    def count_many(self, rationales: Iterable[str]) -> list[list[int]]:
        """Match counts as rows in ``self.labels`` order (an n x len(labels) feature matrix)."""
        return [self._row(self._counts(hits)) for hits in self._hits_many(rationales)]

    def count_many_leaving_out(
        self, rationales: Iterable[str], leave_out: Callable[[str], Sequence[tuple[int, int]]],
    ) -> tuple[list[list[int]], list[list[int]]]:
        """:meth:`count_many` of the rationales, and of them without some stretches.

        ``leave_out`` gives the character spans of a (whitespace-normalised) rationale to
        leave out, e.g. its verdict sentences; the second matrix counts only the matches
        outside them, as if those stretches were cut from the text. One tokenisation and
        one matching pass serve both.
        """
        full, reduced = [], []
        for text, doc in self._docs(rationales):
            matches = self._compiled(doc) if len(doc) else []
            units: dict[str, list[int]] = {}
            full.append(self._row(self._counts(self._hits(doc, matches=matches, units=units))))
            kept = _outside(doc, matches, leave_out(text))
            reduced.append(full[-1] if len(kept) == len(matches) else  # none left out
                           self._row(self._counts(self._hits(doc, matches=kept, units=units))))
        return full, reduced

    def predicts_upheld(self, rationale_masked: str) -> bool:
        """Rules baseline for the decision: True when any non-verdict denial pattern fires."""
        return self._denies(self._hits(self._doc(rationale_masked), with_verdict=False))

    def predicts_upheld_many(self, rationales_masked: Iterable[str]) -> list[bool]:
        """:meth:`predicts_upheld` for many masked rationales."""
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


def default_labeller() -> ReasonLabeller:
    """The shared labeller for all :data:`REASONS`."""
    return shared_labeller(REASONS)


def predicts_upheld(rationale_masked: str) -> bool:
    """Rules baseline for the decision target (see :meth:`ReasonLabeller.predicts_upheld`).

    Meant for the rationale with its verdict sentences masked; it reads only findings
    (missing documentation, no improvement, excess quantity, not recommended, unspecified
    request), never the verdict ("is not medically necessary").
    """
    return default_labeller().predicts_upheld(rationale_masked)
