"""The rules of the reason labeller, as data: reading and validating ``reason_patterns.json``.

Every rule lives in the patterns file (package data; schema in :func:`load_patterns` and the
file's ``description``): token patterns in spaCy ``Matcher`` syntax (LOWER, IN, OP ...) or
phrase lists, one set per label, each with an id. The matches are of three kinds:

* **label patterns** propose a span for one reason label;
* **cues** only mark a unit of text (e.g. "this clause talks about the patient");
* **blockers** suppress the label spans of the labels they list, where they overlap
  (``scope: overlap``), in their whole clause / sentence (units defined in the file) or in
  the whole text (``document``): conditional guideline text ("if there is no improvement
  ..."), qualified recommendations ("not recommended except ..."), a guideline describing
  its criteria with no word about this patient, boilerplate ("no exceptional factors").

Any label pattern or blocker may ``require`` cues, or be void ``unless`` cues are absent, in
its unit (``context``: a unit name or ``document``). How the labeller resolves them is in
:mod:`imr_ml.corpus.rules.labeller`; the code has no per-label logic.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_ml.errors import PatternError

DEFAULT_PATTERNS_PATH = Path(__file__).with_name("reason_patterns.json")
SCHEMA_VERSION = 1

_DEFAULT_UNITS = {"sentence": {"ends": [".", "!", "?"]}}
_PATTERN_KEYS = {"id", "pattern", "phrases", "priority", "requires", "unless", "context",
                 "verdict", "note", "blocks", "scope"}


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
