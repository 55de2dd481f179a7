"""The role of each sentence of a decision rationale: guideline, history, finding, conclusion.

Real rationales restate the guideline (often all its criteria), tell the case, say what this
patient's records show, lack or exceed, then give the verdict. Features that know a word's
sentence role can tell a criterion the guideline states from a ground the reviewer finds.

Pure Python over a rationale string (no spaCy), so the model can call it on text alone:
`sentence_roles(text)` gives ``(start, end, role)`` per sentence (`imr_ml.segment.sentences`
cuts them). The rules are data, ``sentence_roles.json`` (package data; schema in
:func:`load_role_cues`): cues with a role and a priority; a sentence takes the role of its
highest-priority matching cue, or, matching none, the role of the sentence before it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from imr_ml.errors import PatternError
from imr_ml.segment.literals import required_literals
from imr_ml.segment.sentences import sentence_bounds

ROLES = ("guideline", "history", "finding", "conclusion")
DEFAULT_CUES_PATH = Path(__file__).with_name("sentence_roles.json")
SCHEMA_VERSION = 1

_FLAGS = re.DOTALL
# Outside escapes (\W, \S ...), a pattern over lower-cased text has no upper-case letter.
_UPPER_OUTSIDE_ESCAPES = re.compile(r"(?:\\.|[^A-Z\\])*[A-Z]", re.DOTALL)
_FRAGMENT_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_FRAGMENT_REF = re.compile(r"@([A-Z][A-Z0-9_]*)")
_CUE_KEYS = {"id", "role", "priority", "pattern", "words", "unless", "after", "note"}
_TOP_KEYS = {"schema_version", "description", "first", "fragments", "cues"}

RoleSpan = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Cue:
    """One validated cue: a sentence whose lower-cased text matches `pattern` (and not
    `unless`), following a sentence of a role in `after` where that is set, may take `role`."""

    id: str
    role: str
    priority: int
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None
    after: frozenset[str] | None = None
    note: str = ""
    # Strings one of which any sentence the pattern matches holds (None: no such gate):
    # `in` checks, much faster than a search, skip most patterns for most sentences.
    gate: tuple[str, ...] | None = None

    def matches(self, lower: str, previous: str | None) -> bool:
        """Whether the cue matches a sentence (`lower`: its text lower-cased)."""
        if self.after is not None and previous not in self.after:
            return False
        if self.gate is not None and not any(word in lower for word in self.gate):
            return False
        if self.pattern.search(lower) is None:
            return False
        return self.unless is None or self.unless.search(lower) is None


@dataclass(frozen=True)
class RoleCues:
    """The validated contents of a cues file: its cues in the order they are tried."""

    path: Path
    first: str
    cues: tuple[Cue, ...]


def load_role_cues(path: Path | str | None = None) -> RoleCues:
    """Read and validate a cues file (default: the packaged ``sentence_roles.json``).

    Schema (``schema_version`` 1)::

        {"schema_version": 1, "description": str,
         "first": ROLE,                       # a first sentence that no cue matches
         "fragments": {NAME: regex, ...},     # "@NAME" inside patterns; NAME in [A-Z0-9_]
         "cues": [{"id": str, "role": ROLE, "priority": int,
                   "pattern": regex | "words": [phrase, ...],
                   "unless": regex,           # optional: no match where this matches
                   "after": [ROLE, ...],      # optional: only after a sentence of these roles
                   "note": str}, ...]}

    ROLE is one of `ROLES`. Regexes are matched against the lower-cased sentence (matching
    without case-folding is several times faster), so they must not hold upper-case letters
    outside escapes such as ``\\W``; '.' matches newlines. Phrases match as whole words, any
    case, with any whitespace between them. Raises `PatternError` naming the file and the
    entry at fault.
    """
    path = Path(path) if path is not None else DEFAULT_CUES_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PatternError(f"{path}: cannot read sentence-role cues: {err}") from err
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise PatternError(f"{path}: expected an object with schema_version {SCHEMA_VERSION}")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PatternError(f"{path}: unknown keys {sorted(unknown)}")
    first = data.get("first")
    if first not in ROLES:
        raise PatternError(f"{path}: 'first' must be one of {ROLES}, not {first!r}")
    fragments = _fragments(data.get("fragments", {}), path)
    entries = data.get("cues")
    if not isinstance(entries, list) or not entries:
        raise PatternError(f"{path}: 'cues' must be a non-empty list")
    cues: list[Cue] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        cue = _cue(entry, index, fragments, path)
        if cue.id in seen:
            raise PatternError(f"{path}: cue {cue.id!r}: duplicate id")
        seen.add(cue.id)
        cues.append(cue)
    # Highest priority first; `sorted` is stable, so file order among equals.
    return RoleCues(path, first, tuple(sorted(cues, key=lambda c: -c.priority)))


def _fragments(raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise PatternError(f"{path}: 'fragments' must be an object of regexes")
    out: dict[str, str] = {}
    for name, regex in raw.items():
        where = f"{path}: fragment {name!r}"
        if not _FRAGMENT_NAME.fullmatch(name):
            raise PatternError(f"{where}: names are upper-case letters, digits and '_'")
        if not isinstance(regex, str) or not regex:
            raise PatternError(f"{where}: must be a non-empty regex string")
        if _FRAGMENT_REF.search(regex):
            raise PatternError(f"{where}: fragments cannot use other fragments")
        _compile(regex, where)
        out[name] = regex
    return out


def _cue(entry: Any, index: int, fragments: dict[str, str], path: Path) -> Cue:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        raise PatternError(f"{path}: cue #{index} needs a non-empty string 'id'")
    where = f"{path}: cue {entry['id']!r}"
    unknown = set(entry) - _CUE_KEYS
    if unknown:
        raise PatternError(f"{where}: unknown keys {sorted(unknown)}")
    role = entry.get("role")
    if role not in ROLES:
        raise PatternError(f"{where}: 'role' must be one of {ROLES}, not {role!r}")
    priority = entry.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise PatternError(f"{where}: 'priority' must be an integer")
    if ("pattern" in entry) == ("words" in entry):
        raise PatternError(f"{where}: give exactly one of 'pattern' and 'words'")
    if "words" in entry:
        words = entry["words"]
        if not (isinstance(words, list) and words
                and all(isinstance(w, str) and w.strip() for w in words)):
            raise PatternError(f"{where}: 'words' must be a non-empty list of phrases")
        pattern = _compile(_words_regex([w.lower() for w in words]), where)
    else:
        pattern = _compile(_expand(entry["pattern"], fragments, f"{where} 'pattern'"), where)
    unless = None
    if "unless" in entry:
        unless = _compile(_expand(entry["unless"], fragments, f"{where} 'unless'"), where)
    after = None
    if "after" in entry:
        after_roles = entry["after"]
        if not (isinstance(after_roles, list) and after_roles
                and all(r in ROLES for r in after_roles)):
            raise PatternError(f"{where}: 'after' must be a non-empty list of roles {ROLES}")
        after = frozenset(after_roles)
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise PatternError(f"{where}: 'note' must be a string")
    return Cue(entry["id"], role, priority, pattern, unless, after, note, _gate(pattern))


def _gate(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    words = required_literals(pattern.pattern, _FLAGS)
    return tuple(sorted(words)) if words is not None else None


def _expand(regex: Any, fragments: dict[str, str], where: str) -> str:
    if not isinstance(regex, str) or not regex:
        raise PatternError(f"{where}: must be a non-empty regex string")

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in fragments:
            raise PatternError(f"{where}: unknown fragment '@{m.group(1)}'")
        return f"(?:{fragments[m.group(1)]})"

    return _FRAGMENT_REF.sub(sub, regex)


def _words_regex(words: list[str]) -> str:
    phrases = sorted({r"\s+".join(map(re.escape, w.split())) for w in words}, key=len,
                     reverse=True)
    return rf"(?<!\w)(?:{'|'.join(phrases)})(?!\w)"


def _compile(regex: str, where: str) -> re.Pattern[str]:
    if _UPPER_OUTSIDE_ESCAPES.match(regex):
        raise PatternError(f"{where}: write regexes in lower case (they read the lower-cased "
                           f"sentence): {regex!r}")
    try:
        return re.compile(regex, _FLAGS)
    except re.error as err:
        raise PatternError(f"{where}: invalid regex: {err}") from err


class RoleLabeller:
    """Gives each sentence of a rationale its role by the cues of a cues file.

    Parameters
    ----------
    cues : RoleCues, optional
        Validated cues (`load_role_cues`); by default the packaged ``sentence_roles.json``.

    Examples
    --------
    >>> RoleLabeller().label("Guidelines recommend up to ten visits. The request is not "
    ...                      "medically necessary.")
    [(0, 38, 'guideline'), (39, 79, 'conclusion')]
    """

    def __init__(self, cues: RoleCues | None = None) -> None:
        self.cues = cues if cues is not None else load_role_cues()

    def label(self, text: str) -> list[RoleSpan]:
        """(start, end, role) of each sentence of `text`, in order; none for a blank text."""
        return [(start, end, role) for start, end, role, _ in self.explain(text)]

    def explain(self, text: str) -> list[tuple[int, int, str, str | None]]:
        """As `label`, with the id of the cue that gave each role (None: carried over)."""
        out: list[tuple[int, int, str, str | None]] = []
        previous: str | None = None
        for start, end in sentence_bounds(text or ""):
            lower = text[start:end].lower()
            cue = next((c for c in self.cues.cues if c.matches(lower, previous)), None)
            role = cue.role if cue is not None else previous or self.cues.first
            out.append((start, end, role, cue.id if cue is not None else None))
            previous = role
        return out


@cache
def default_labeller() -> RoleLabeller:
    """The labeller of the packaged cues, built once per process."""
    return RoleLabeller()


def sentence_roles(text: str) -> list[RoleSpan]:
    """(start, end, role) of each sentence of a rationale, by the packaged cues.

    Offsets are into `text`; the sentences are in order and cover every character of it that
    is not whitespace (`imr_ml.segment.sentences.sentence_bounds`). Roles are `ROLES`.
    """
    return default_labeller().label(text)
