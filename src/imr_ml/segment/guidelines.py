"""Read the guideline citations of an item: which guideline, chapter, section and pages.

Citations look like "Decision based on MTUS Chronic Pain Medical Treatment 2016,
Section(s): Muscle relaxants (for pain)." or "Decision based on Non-MTUS Citation Official
Disability Guidelines (ODG), Low Back Chapter, Bone scan". Sources and chapters are
tables of patterns; a mention the reviewer disowns ("did not base their decision on the
MTUS") is not a citation.
"""

from __future__ import annotations

import re
from typing import TypedDict


class Citation(TypedDict):
    source: str  # MTUS, ACOEM, ODG or other
    chapter: str | None  # chapters/topics joined by "; "
    section: str | None
    pages: str | None


# Each row: name -> (lowercase words of which the text must hold one, pattern). The words
# are a cheap filter: most rows are ruled out by substring tests before any regex runs.
# Single words only: a phrase would miss text wrapped across lines.
Table = dict[str, tuple[tuple[str, ...], str]]

# Sources in order of precedence (ODG before MTUS: "Non-MTUS Citation ... ODG").
SOURCES: Table = {
    "ODG": (("odg", "official"), r"\bODG\b|Official\s+Disability\s+Guidelines"),
    "ACOEM": (("acoem", "american"), r"\bACOEM\b|American\s+College\s+of\s+Occupational"),
    "MTUS": (("mtus", "utilization", "chronic"),
             (r"(?<!Non-)\bMTUS\b|Medical\s+Treatment\s+Utilization\s+Schedule|"
             r"Chronic\s+Pain\s+(?:Medical\s+)?Treatment\s+Guidelines")),
}

CHAPTERS: Table = {
    "Chronic Pain": (("chronic",), r"Chronic\s+Pain"),
    "Low Back": (("back",), r"Low(?:er)?\s+Back"),
    "Neck and Upper Back": (("neck",), r"Neck\s+(?:and|&)\s+Upper\s+Back"),
    "Shoulder": (("shoulder",), r"Shoulder"),
    "Elbow": (("elbow",), r"Elbow"),
    "Forearm, Wrist, and Hand": (("wrist",), r"Forearm,?\s+Wrist,?\s+(?:and|&)\s+Hand"),
    "Hip and Pelvis": (("pelvis",), r"Hip\s+(?:and|&)\s+Pelvis"),
    "Knee": (("knee",), r"Knee"),
    "Ankle and Foot": (("ankle",), r"Ankle\s+(?:and|&)\s+Foot"),
    "Acupuncture": (("acupuncture",), r"Acupuncture\s+(?:Medical\s+)?Treatment"),
    "Postsurgical": (("surgical",), r"Post-?\s?surgical"),
    "Head": (("head",), r"\bHead\s+Chapter|\(ODG\),?\s+Head\b"),
    "Mental Illness and Stress": (("mental", "stress"), r"Mental\s+Illness|Stress\s+Related"),
    "Pain": (("pain",), r"(?<!Chronic )\bPain\s+Chapter|\(ODG\),?\s+Pain\b"),
    "Opioids": (("opioid",), r"Opioids?\s+(?:Treatment\s+)?Guidelines?"),
    "Eye": (("eye",), r"\bEye\b"),
}

Compiled = list[tuple[str, tuple[str, ...], re.Pattern[str]]]


def _compile(table: Table) -> Compiled:
    return [(name, words, re.compile(p, re.IGNORECASE)) for name, (words, p) in table.items()]


def _matches(table: Compiled, text: str, low: str) -> list[tuple[int, str]]:
    """(position, name) of each row found in `text` (`low` is its lowercase), in table order."""
    found = []
    for name, words, rx in table:
        for word in words:
            if word in low:
                if m := rx.search(text):
                    found.append((m.start(), name))
                break
    return found


_SOURCE_RX = _compile(SOURCES)
_CHAPTER_RX = _compile(CHAPTERS)

_SPLIT = re.compile(r"[Dd]ecision\s+based\s+on|based\s+(?:his/her|his|her|its|their)\s+decision\s+on"
                    r"|\.\s+(?=[A-Z0-9])")
_SPACE = re.compile(r"\s+")
_DISOWNED = re.compile(r"\bnot\s+(?:base|cite|rely)|did\s+not\s+cite", re.IGNORECASE)
_OTHER = re.compile(r"Non-MTUS|Citation\s*:?\s*\w", re.IGNORECASE)
_SECTION = re.compile(r"Section\(?s?\)?\s*:\s*([^.;]+?)\s*(?:[.;]|,\s+and\s|$)", re.IGNORECASE)
_PAGES = re.compile(r"pages?\s*(?:\(s\))?\s*:?\s*(\d+(?:\s*-\s*\d+)?)", re.IGNORECASE)


def _join(values: list[str]) -> str | None:
    return "; ".join(dict.fromkeys(values)) or None


def parse(text: str) -> list[Citation]:
    """Citations in a guideline passage, one per source, in order of first mention."""
    found: dict[str, dict[str, list[str]]] = {}
    for part in _SPLIT.split(text):
        low = part.lower()
        if "not" in low and _DISOWNED.search(part):
            continue
        named = _matches(_SOURCE_RX, part, low)
        if named:
            source = named[0][1]
        elif _OTHER.search(part):
            source = "other"
        else:
            continue
        entry = found.setdefault(source, {"chapter": [], "section": [], "pages": []})
        entry["chapter"] += [name for _, name in sorted(_matches(_CHAPTER_RX, part, low))]
        if "section" in low:
            entry["section"] += [m.group(1).strip() for m in _SECTION.finditer(part)]
        if "page" in low:
            entry["pages"] += [_SPACE.sub("", m.group(1)) for m in _PAGES.finditer(part)]
    return [
        Citation(source=source, chapter=_join(f["chapter"]), section=_join(f["section"]),
                 pages=_join(f["pages"]))
        for source, f in found.items()
    ]

