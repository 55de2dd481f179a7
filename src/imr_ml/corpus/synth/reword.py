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
    "conservative care": ("conservative care", "conservative treatment", "non-operative care"),
    "conservative treatment": ("conservative treatment", "conservative care",
                               "non-surgical treatment"),
    "deficits": ("deficits", "impairments", "abnormalities"),
    "neurologic": ("neurologic", "neurological"),
    "neurological": ("neurological", "neurologic"),
    "testing": ("testing", "studies"),
    "severe": ("severe", "significant", "marked"),
    "clear": ("clear", "specific", "defined"),
    "specific": ("specific", "measurable", "concrete"),
    "goals": ("goals", "targets", "objectives"),
    "adequate": ("adequate", "sufficient", "appropriate"),
    "progressive": ("progressive", "worsening"),
    "a trial of": ("a trial of", "an attempt at", "a course of"),
    "signs": ("signs", "findings"),
    "findings": ("findings", "signs"),
    "patients": ("patients", "patients", "individuals"),
    "treatment plan": ("treatment plan", "plan of care", "care plan"),
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
