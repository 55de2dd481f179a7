"""Read the guideline citations of an item: which guideline, chapter, section and pages.

Citations look like "Decision based on MTUS Chronic Pain Medical Treatment 2016,
Section(s): Muscle relaxants (for pain)." or "Decision based on Non-MTUS Citation Official
Disability Guidelines (ODG), Low Back Chapter, Bone scan". Sources and chapters are
tables of patterns; a mention the reviewer disowns ("did not base their decision on the
MTUS", "recommendation(s) outside of the MTUS") is not a citation. The MTUS is often cited
by its parts' own titles (Chronic Pain Medical Treatment Guidelines, Post-Surgical Treatment
Guidelines, the ACOEM chapters it adopts such as "Low Back Complaints", the drug formulary):
each is source MTUS, unless ACOEM or ODG is named. Every field is on one line.
"""

from __future__ import annotations

import re
from functools import lru_cache
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
    "MTUS": (("mtus", "utilization", "chronic", "surgical", "acupuncture", "opioid",
              "formulary", "complaints", "disorders", "approaches", "stress"),
             (r"(?<!Non-)\bMTUS\b|Medical\s+Treatment\s+Utilization\s+Schedule|"
              r"(?:Chronic\s+Pain|Post-?\s*surgical|Acupuncture)\s+(?:Medical\s+)?Treatment"
              r"\s+Guidelines|Opioids?\s+Treatment\s+Guidelines|Drug\s+Formulary|"
              # the ACOEM chapters the MTUS adopts, by their titles
              r"(?:Low\s+Back|Neck\s+(?:and|&)\s+Upper\s+Back|Shoulder|Elbow|Knee|"
              r"Forearm,?\s+Wrist,?\s+(?:and|&)\s+Hand|Ankle\s+(?:and|&)\s+Foot)\s+"
              r"(?:Complaints|Disorders)|General\s+Approaches|Stress\s+Related\s+Conditions")),
}

CHAPTERS: Table = {
    "Chronic Pain": (("chronic",), r"Chronic\s+Pain"),
    "Low Back": (("back",), r"Low(?:er)?\s+Back"),
    "Neck and Upper Back": (("neck",), r"Neck\s+(?:and|&)\s+Upper\s+Back"),
    "Shoulder": (("shoulder",), r"Shoulder"),
    "Elbow": (("elbow",), r"Elbow"),
    "Forearm, Wrist, and Hand": (("wrist",), r"Forearm,?\s+Wrist,?\s+(?:and|&)\s+Hand"),
    "Hip and Pelvis": (("pelvis",), r"Hips?\s+(?:and|&)\s+Pelvis"),
    "Knee": (("knee",), r"Knee"),
    "Ankle and Foot": (("ankle",), r"Ankle\s+(?:and|&)\s+Foot"),
    "Acupuncture": (("acupuncture",), r"Acupuncture\s+(?:Medical\s+)?Treatment"),
    "Postsurgical": (("surgical",), r"Post-?\s?surgical"),
    "Head": (("head",), r"\bHead\s+Chapter|\(ODG\),?\s+Head\b"),
    "Mental Illness and Stress": (("mental", "stress"), r"Mental\s+Illness|Stress\s+Related"),
    "Pain": (("pain",), r"(?<!Chronic )\bPain\s+Chapter|\(ODG\),?\s+Pain\b"),
    "Opioids": (("opioid",), r"Opioids?\s+(?:Treatment\b|Guidelines?)"),
    "Eye": (("eye",), r"\bEye\b"),
    "General Approaches": (("approach",), r"General\s+Approach(?:es)?\b(?!\s+to)"),
}

Compiled = list[tuple[str, tuple[str, ...], re.Pattern[str]]]


def _compile(table: Table) -> Compiled:
    return [(name, words, re.compile(p, re.IGNORECASE)) for name, (words, p) in table.items()]


def _matches(table: Compiled, text: str, low: str,
             first: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, name) of each row found in `text` (`low` is its lowercase), in table
    order; with `first`, only the first row found."""
    found = []
    for name, words, rx in table:
        for word in words:
            if word in low:
                if m := rx.search(text):
                    found.append((m.start(), m.end(), name))
                    if first:
                        return found
                break
    return found


_SOURCE_RX = _compile(SOURCES)
_CHAPTER_RX = _compile(CHAPTERS)

_SPLIT = re.compile(r"[Dd]ecision\s+based\s+on|based\s+(?:his/her|his|her|its|their)\s+decision\s+on"
                    r"|\.(?<![:,;]\s\d\.)\s+(?=[A-Z0-9])")  # not "Section(s): 3. Opioids ..."
_SPACE = re.compile(r"\s+")
_DISOWNED = re.compile(r"\bnot\s+(?:base|cite|rely)|did\s+not\s+cite|outside\s+(?:of\s+)?the\s+MTUS",
                       re.IGNORECASE)
_OTHER = re.compile(r"Non-MTUS|Citation\s*:?\s*\w", re.IGNORECASE)
# The sections a citation names run to a full stop (not the "." of a number such as "3.3.9"
# or of a numbered heading "3. Opioids ..."), or ", and" before the next title; semicolons
# divide them ("Section(s): Opioids; Topical analgesics" -> two).
_SECTION = re.compile(r"Section\(?s?\)?\s*:\s*((?:[^.]|\.(?=\d)|(?<=[:,;]\s\d)\.)+?)\s*"
                      r"(?:\.(?!\d)(?<![:,;]\s\d\.)|,\s+and\s|$)", re.IGNORECASE)
_SEMICOLON = re.compile(r"\s*;\s*")
# What may follow a chapter's name before its topic: "Chapter", "(Acute & Chronic)",
# "(updated 11/3/16)", the rest of the chapter's name, the year, punctuation.
_CHAPTER_TAIL = re.compile(
    r"(?:\s|[,:/-]|\((?:[^()]|\([^()]*\))*\)|(?:&|\band)\s+Leg\b|\b(?:Chapter|section|Online\s+"
    r"Version|Procedure\s+Summary|(?:Medical\s+)?Treatment(?:\s+Guidelines?)?|Guidelines?|"
    r"Complaints|Disorders|Lumbar\s+(?:&|and)\s+Thoracic|\d{4})\b)*", re.IGNORECASE)
_TOPIC_END = re.compile(r"[\s,]*\bpages?\b|[\s.;]*$", re.IGNORECASE)
_PAGES = re.compile(r"pages?\s*(?:\(s\))?\s*:?\s*(\d+(?:\s*-\s*\d+)?)", re.IGNORECASE)


def _topic(rest: str) -> str | None:
    """The topic a citation names after its chapter ("ODG, Low Back Chapter, Bone scan" ->
    "Bone scan"), where it states no "Section(s):"; `rest` is the text after the chapter."""
    start = _CHAPTER_TAIL.match(rest).end()
    end = _TOPIC_END.search(rest, start)
    topic = _SPACE.sub(" ", rest[start:end.start() if end else len(rest)]).strip()
    return topic or None


def _join(values: list[str]) -> str | None:
    return "; ".join(dict.fromkeys(values)) or None


def _sections(part: str) -> list[str]:
    """The sections a part names after "Section(s):", each without its pages."""
    named = (section[:_TOPIC_END.search(section).start()] for m in _SECTION.finditer(part)
             for section in _SEMICOLON.split(m.group(1)))
    return [_SPACE.sub(" ", section) for section in named if section]


def _names_a_source(text: str) -> bool:
    """Whether `text` begins with a guideline's name ("ODG, Low Back Chapter ...")."""
    return any(rx.match(text) for _, _, rx in _SOURCE_RX) or bool(_OTHER.match(text))


def _parts(text: str) -> list[str]:
    """The passage cut into one part per citation: at "Decision based on", at sentence ends,
    and at a semicolon followed by a guideline's name ("MTUS; ODG ..." -> two parts); any
    other semicolon stays inside its part (it divides the sections of one citation)."""
    parts: list[str] = []
    for sentence in _SPLIT.split(text):
        pieces = _SEMICOLON.split(sentence)
        parts.append(pieces[0])
        for piece in pieces[1:]:
            if _names_a_source(piece):
                parts.append(piece)
            else:
                parts[-1] += "; " + piece
    return parts


def parse(text: str) -> list[Citation]:
    """Citations in a guideline passage, one per source, in order of first mention."""
    return [Citation(**c) for c in _parse(text)]  # copies: callers may change theirs


@lru_cache(maxsize=4096)  # letters repeat their guideline passages word for word, often
def _parse(text: str) -> tuple[Citation, ...]:
    found: dict[str, dict[str, list[str]]] = {}
    for part in _parts(text):
        low = part.lower()
        if ("not" in low or "outside" in low) and _DISOWNED.search(part):
            continue
        named = _matches(_SOURCE_RX, part, low, first=True)
        if named:
            source = named[0][2]
        elif _OTHER.search(part):
            source = "other"
        else:
            continue
        entry = found.setdefault(source, {"chapter": [], "section": [], "pages": []})
        titles = part  # chapters are named in the titles, not in the sections' own words
        sections = _sections(part) if "section" in low else []
        if sections:
            titles = _SECTION.sub(" ", part)
        chapters = sorted(_matches(_CHAPTER_RX, titles, titles.lower()))
        entry["chapter"] += [name for _, _, name in chapters]
        if not sections and chapters and (topic := _topic(part[chapters[-1][1]:])):
            sections = [topic]
        entry["section"] += sections
        if "page" in low:
            entry["pages"] += [_SPACE.sub("", m.group(1)) for m in _PAGES.finditer(part)]
    return tuple(
        Citation(source=source, chapter=_join(f["chapter"]), section=_join(f["section"]),
                 pages=_join(f["pages"]))
        for source, f in found.items()
    )



def label(citation: Citation) -> str:
    """A citation as one line of text, its source first: "MTUS (Chronic Pain): Topical
    analgesics, pages 111-113". Values joined by "; " are joined by " / " here, so that a
    list of labels can be joined by ";" (as CSV output does)."""
    text = citation["source"]
    if citation["chapter"]:
        text += f" ({citation['chapter'].replace('; ', ' / ')})"
    if citation["section"]:
        text += f": {citation['section'].replace('; ', ' / ')}"
    if citation["pages"]:
        text += f", pages {citation['pages'].replace('; ', ' / ')}"
    return text
