"""The letter facts: case number, dates, priority and the reviewer's credentials.

Read from a letter's header and reviewer block by the patterns of ``letter_facts.json``
(package data): for each layout, where each field is stated. The reviewer block's patterns
run only over a window of a few hundred characters after its heading, so that reading the
facts stays linear in the letter's length whatever the text. Dates become ISO
``YYYY-MM-DD``; the reviewer's specialties and states of licensure become lists. A field the
letter does not state, or states in a form that does not parse (a date such as 13/45/2016, or
of an implausible year: `plausible_years`), stays empty (None, or [] for a list): never a
guess. Pure Python over the text, no spaCy.
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
# The plausible years of a letter's dates: from IMR's beginning (2013; UR decisions from then
# on go to IMR) for the dates of the review, from 1900 for the date of injury (a lifetime
# award can run for decades), to next year (a letter dated ahead of a clock) for all.
IMR_BEGAN = 2013
EARLIEST_INJURY = 1900


def plausible_years(field: str) -> range:
    """The years a date `field` (one of `DATE_FIELDS`) may have; other years are no date."""
    return range(EARLIEST_INJURY if field == "date_of_injury" else IMR_BEGAN,
                 date.today().year + 2)


@lru_cache(maxsize=4096)  # letters of a batch share dates: most are looked up, not parsed
def iso_date(text: str, field: str = "date_of_injury") -> str | None:
    """A stated date ("11/18/2016", "11-18-16", "November 18, 2016") as "2016-11-18", or
    None where it is no calendar date or its year is not plausible for the date `field`."""
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
    if year not in plausible_years(field):
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
        windows: dict[Window, str] = {}

        def within(window: Window | None) -> str:
            if window is None:
                return text
            if window not in windows:
                after, chars = window
                m = after.search(text)
                windows[window] = text[m.end():m.end() + chars] if m else ""
            return windows[window]

        for name, patterns in self.rules.get(layout, {}).items():
            if name in LIST_FIELDS:
                values = [v for rx, window in patterns if (m := rx.search(within(window)))
                          for v in _listed(name, m.group("value"))]
                facts[name] = list(dict.fromkeys(values))
                continue
            for rx, window in patterns:
                if m := rx.search(within(window)):
                    value = m.group("value")
                    facts[name] = (iso_date(value, name) if name in _DATES
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


# Where a group's patterns look: the `chars` characters after the first match of `after`.
Window = tuple[re.Pattern[str], int]
Rules = dict[str, dict[str, list[tuple[re.Pattern[str], Window | None]]]]


@cache
def load_rules(path: Path = DEFAULT_PATH) -> Rules:
    """Layout -> field -> (compiled pattern, its window or None for the whole text), from a
    facts file; PatternError names the file and the entry where it is malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        fragments: dict[str, str] = data["fragments"]
        groups: dict[str, dict[str, list[str]]] = data["groups"]
        layouts: dict[str, list[str]] = data["layouts"]
        windows = {group: (w["after"], int(w["chars"]))
                   for group, w in data.get("windows", {}).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PatternError(f"{path}: not a letter facts file ({exc})") from exc

    def compiled(where: str, pattern: str, group: str = "value") -> re.Pattern[str]:
        full = _FRAGMENT.sub(lambda m: f"(?:{fragments[m.group(1)]})"
                             if m.group(1) in fragments else m.group(0), pattern)
        try:
            rx = re.compile(full)
        except re.error as exc:
            raise PatternError(f"{path}: {where}: {exc}") from exc
        if group and group not in rx.groupindex:
            raise PatternError(f"{path}: {where}: the pattern has no group {group!r}")
        return rx

    window_of: dict[str, Window] = {}
    for group, (after, chars) in windows.items():
        if group not in groups:
            raise PatternError(f"{path}: windows: no group {group!r}")
        window_of[group] = (compiled(f"window {group}", after, group=""), chars)
    rules: Rules = {}
    for layout, names in layouts.items():
        fields = rules.setdefault(layout, {})
        for group in names:
            if group not in groups:
                raise PatternError(f"{path}: layout {layout}: no group {group!r}")
            for name, patterns in groups[group].items():
                if name not in FIELDS:
                    raise PatternError(f"{path}: group {group}: unknown field {name!r}")
                fields.setdefault(name, []).extend(
                    (compiled(f"group {group}, {name}", p), window_of.get(group))
                    for p in patterns)
    return rules
