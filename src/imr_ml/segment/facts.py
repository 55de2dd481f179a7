"""The letter facts: case number, dates, priority and the reviewer's credentials.

Read from a letter's header and reviewer block by the patterns of ``letter_facts.json``
(package data): for each layout, where each field is stated. Dates become ISO
``YYYY-MM-DD``; the reviewer's specialties and states of licensure become lists. A field the
letter does not state, or states in a form that does not parse (a date such as 13/45/2016),
stays empty (None, or [] for a list): never a guess. Pure Python over the text, no spaCy.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from imr_ml.errors import PatternError

DATE_FIELDS = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
               "application_received")
LIST_FIELDS = ("reviewer_specialty", "reviewer_licensure")
FIELDS = ("case_number", *DATE_FIELDS, "priority", *LIST_FIELDS)
DEFAULT_PATH = Path(__file__).with_name("letter_facts.json")

Facts = dict[str, Any]

_DATES = frozenset(DATE_FIELDS)
_FRAGMENT = re.compile(r"\{([a-z_]+)\}")
_SPACE = re.compile(r"\s+")
# How each list field's value divides: specialties at commas ("Physical Medicine and
# Rehabilitation" is one), states at commas and "and".
_SPLIT = {"reviewer_specialty": re.compile(r"\s*[,;]\s*"),
          "reviewer_licensure": re.compile(r"\s*(?:[,;]|\band\b)\s*")}
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})|(\d{4})-(\d{2})-(\d{2})")
_NAMED_DATE = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")
_MONTHS = {name: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
# A two-digit year up to this is 20yy, above it 19yy (IMR began in 2013; injuries are older).
_CENTURY_PIVOT = 40


@lru_cache(maxsize=4096)  # letters of a batch share dates: most are looked up, not parsed
def iso_date(text: str) -> str | None:
    """A stated date ("11/18/2016", "11-18-16", "November 18, 2016") as "2016-11-18", or
    None where it is no calendar date."""
    if m := _NUMERIC_DATE.fullmatch(text):
        if m.group(4):
            year, month, day = int(m.group(4)), int(m.group(5)), int(m.group(6))
        else:
            month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000 if year <= _CENTURY_PIVOT else 1900
            elif len(m.group(3)) == 3:
                return None
    elif m := _NAMED_DATE.fullmatch(text):
        month = _MONTHS.get(m.group(1).lower(), 0)
        day, year = int(m.group(2)), int(m.group(3))
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


class FactReader:
    """Reads the letter facts of a text in a given layout, by the rules of one facts file."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        self.rules = load_rules(path)

    def read(self, text: str, layout: str | None) -> Facts:
        """Every field of `FIELDS`, empty where the letter (or its layout) does not state it."""
        facts: Facts = dict.fromkeys(FIELDS)
        for name in LIST_FIELDS:
            facts[name] = []
        for name, patterns in self.rules.get(layout, {}).items():
            if name in LIST_FIELDS:
                values = [v for rx in patterns if (m := rx.search(text))
                          for v in _listed(name, m.group("value"))]
                facts[name] = list(dict.fromkeys(values))
                continue
            for rx in patterns:
                if m := rx.search(text):
                    value = m.group("value")
                    facts[name] = (iso_date(value) if name in _DATES
                                   else _clean(value) or None)
                    break
        return facts


@lru_cache(maxsize=1024)  # a few hundred specialties and lists of states recur
def _listed(name: str, value: str) -> tuple[str, ...]:
    """The entries of a stated list (`_SPLIT[name]` divides them)."""
    return tuple(v for v in _SPLIT[name].split(_clean(value)) if v)


def _clean(value: str) -> str:
    """A stated value on one line, without the punctuation around it."""
    return _SPACE.sub(" ", value).strip(" ,;.")


Rules = dict[str, dict[str, list[re.Pattern[str]]]]


@cache
def load_rules(path: Path = DEFAULT_PATH) -> Rules:
    """Layout -> field -> compiled patterns, from a facts file; PatternError names the
    file and the entry where it is malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        fragments: dict[str, str] = data["fragments"]
        groups: dict[str, dict[str, list[str]]] = data["groups"]
        layouts: dict[str, list[str]] = data["layouts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PatternError(f"{path}: not a letter facts file ({exc})") from exc

    def compiled(where: str, pattern: str) -> re.Pattern[str]:
        full = _FRAGMENT.sub(lambda m: f"(?:{fragments[m.group(1)]})"
                             if m.group(1) in fragments else m.group(0), pattern)
        try:
            rx = re.compile(full)
        except re.error as exc:
            raise PatternError(f"{path}: {where}: {exc}") from exc
        if "value" not in rx.groupindex:
            raise PatternError(f"{path}: {where}: the pattern has no group 'value'")
        return rx

    rules: Rules = {}
    for layout, names in layouts.items():
        fields: dict[str, list[re.Pattern[str]]] = rules.setdefault(layout, {})
        for group in names:
            if group not in groups:
                raise PatternError(f"{path}: layout {layout}: no group {group!r}")
            for name, patterns in groups[group].items():
                if name not in FIELDS:
                    raise PatternError(f"{path}: group {group}: unknown field {name!r}")
                fields.setdefault(name, []).extend(
                    compiled(f"group {group}, {name}", p) for p in patterns)
    return rules
