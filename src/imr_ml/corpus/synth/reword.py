"""Catalogue phrases worded a little differently at each use, so that no medical phrase of
`imr_ml.corpus.synth.catalogue` repeats verbatim across every letter about one treatment (real
reviewers each describe the same criterion in their own words). Synonyms keep the meaning, so
no label depends on which is drawn."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

# Each key may be replaced by any of its values (the key itself is always one of them).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "documented": ("documented", "noted", "noted", "shown", "recorded"),
    "on examination": ("on examination", "on physical examination", "on physical examination",
                       "on exam"),
    "examination": ("examination", "exam", "evaluation"),
    "conservative care": ("conservative care", "conservative treatment", "conservative therapy"),
    "conservative treatment": ("conservative treatment", "conservative care",
                               "non-surgical treatment"),
    "deficits": ("deficits", "impairments", "abnormalities"),
    "neurologic": ("neurologic", "neurological"),
    "neurological": ("neurological", "neurologic"),
    "testing": ("testing", "studies"),
    "severe": ("severe", "significant", "marked"),
    "clear": ("clear", "specific", "defined"),
    "specific": ("specific", "specific", "clear", "defined"),
    "goals": ("goals", "targets", "objectives"),
    "adequate": ("adequate", "sufficient", "appropriate"),
    "progressive": ("progressive", "worsening"),
    "a trial of": ("a trial of", "a trial of", "an attempt at"),
    "signs": ("signs", "findings"),
    "findings": ("findings", "signs"),
    "patients": ("patients", "patients", "individuals"),
    "treatment plan": ("treatment plan", "treatment plan", "plan of care"),
    "evidence": ("evidence", "evidence", "support", "indication"),
}
REWORD = 0.5  # chance that each occurrence takes a synonym
_WORD = re.compile(r"\b(" + "|".join(map(re.escape, sorted(SYNONYMS, key=len, reverse=True)))
                   + r")\b")


def reword(text: str, rng: random.Random) -> str:
    """`text` with some SYNONYMS swapped in."""
    return _WORD.sub(lambda m: rng.choice(SYNONYMS[m.group(1)]) if rng.random() < REWORD
                     else m.group(1), text)


def reworded(options: str | tuple[str, ...]) -> Callable[[random.Random], str]:
    """A slot value: one of `options`, reworded afresh at each use."""
    choices = (options,) if isinstance(options, str) else options
    return lambda rng: reword(rng.choice(choices), rng)


# The register of the sentences themselves, nudged towards the words real reviewers use more
# often than the templates do (the working half's word frequencies; no phrase taken from it):
# each (pattern, alternatives, chance) swaps a match for one alternative (``\1`` refers to the
# pattern's group). Every swap keeps the meaning, so no label depends on it.
REGISTER: tuple[tuple[re.Pattern[str], tuple[str, ...], float, str], ...] = tuple(
    (re.compile(p), alts, chance, max(re.sub(r"\\b|\(.*?\)", "", p).split(), key=len))
    for p, alts, chance in (
        (r"\b(is|was|were|are|been|be|not) documented\b", (r"\1 noted", r"\1 reported",
                                                          r"\1 shown"), 0.5),
        (r"\bdocumented (?!evidence)", ("noted ", "reported "), 0.35),
        (r"\bon examination\b", ("on physical exam", "on exam", "on physical examination"),
         0.7),
        (r"\bphysical examination\b", ("physical exam",), 0.4),
        (r"\b(when|where) there (is|are|was|were)\b", (r"if there \2",), 0.5),
        (r"\bsuch as\b", ("including",), 0.3),
        (r"\b(guidelines|Guidelines|ODG|MTUS) indicate\b", (r"\1 state", r"\1 note"), 0.4),
        (r"\b(is|was) no (documentation|evidence) (of|regarding)\b",
         (r"\1 a lack of \2 \3",), 0.4),
        (r"\bto support the request\b", ("to warrant the request", "to support this request",
                                          "to warrant this request"), 0.5),
        (r"\bmay be\b", ("can be",), 0.2),
        (r"\b(in|for) patients with\b", ("in cases of", "in the presence of",
                                          "for individuals with"), 0.45),
        (r"\bimprovement in (pain and )?function\b", ("functional improvement",
                                                      "objective functional improvement"), 0.4),
        (r"\bthis request\b", ("the requested treatment", "the request"), 0.35),
        (r"\bconservative care\b", ("conservative therapy", "conservative treatment"), 0.3),
    ) if chance)


def register(text: str, rng: random.Random) -> str:
    """`text` with some REGISTER swaps made."""
    for pattern, alts, chance, key in REGISTER:
        if key not in text:
            continue

        def swap(m: re.Match[str], alts: tuple[str, ...] = alts, chance: float = chance) -> str:
            return m.expand(rng.choice(alts)) if rng.random() < chance else m.group(0)
        text = pattern.sub(swap, text)
    return text
