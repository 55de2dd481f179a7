"""The category lexicon: an item text's treatment category and drug class by ordered patterns.

`category_lexicon.json` lists, per category and per drug class, regular expressions matched
case-insensitively between word boundaries; the first entry that matches wins (the file says
why the order matters), on the item's head before its whole text. A drug class's match makes
an item pharmacy at the place of the `pharmacy` entry. The segmenter puts the lexicon's
answer on each item (`Span._.category`, `Span._.drug_class`); where nothing matches it has
none, and a learned model (`imr_ml.model.category`) decides at scoring.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from imr_ml.errors import PatternError
from imr_ml.labels import CATEGORIES, DRUG_CLASSES, PHARMACY

LEXICON_FILE = Path(__file__).with_name("category_lexicon.json")
MEMORY = 65536  # item texts whose answers are kept


def _compiled(entries: list[dict], known: tuple[str, ...],
              where: str) -> list[tuple[str, re.Pattern]]:
    """(id, one pattern of all its alternatives) per entry, in order; unknown ids and bad
    patterns fail naming the entry."""
    out = []
    for entry in entries:
        if entry.get("id") not in known:
            raise PatternError(f"{where}: {entry.get('id')!r} is not one of {known}")
        try:
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(entry["patterns"]) + r")(?![\w-])",
                                 re.IGNORECASE)
        except (re.error, KeyError, TypeError) as err:
            raise PatternError(f"{where}: entry {entry['id']!r}: {err}") from None
        out.append((entry["id"], pattern))
    return out


# A service is named before its add-ons and its purpose: "chiropractic care with modalities
# (ultrasound)", "Lovenox for DVT prophylaxis". (Whitespace is single: see `classify`.)
_ADD_ON = re.compile(r" (?:with|including|plus|for) |\(", re.IGNORECASE)


def head(text: str) -> str:
    """The item text before its first add-on (" with ", " including ", " plus ", " for ",
    "("), for text whose whitespace is single spaces."""
    match = _ADD_ON.search(text)
    return text[:match.start()].rstrip() if match and match.start() > 0 else text


@dataclass(frozen=True)
class CategoryLexicon:
    """Ordered category and drug-class patterns (`load_lexicon` reads them)."""

    categories: tuple[tuple[str, re.Pattern], ...]
    drug_classes: tuple[tuple[str, re.Pattern], ...]
    # answers by text: the segmenter and the model ask about each item, and letters repeat
    # item texts ("MRI of the lumbar spine")
    _answers: dict[str, tuple[str | None, str | None]] = field(
        default_factory=dict, compare=False, repr=False)

    def drug_class(self, text: str) -> str | None:
        """The first drug class whose patterns match the text, else None."""
        return next((cid for cid, pattern in self.drug_classes if pattern.search(text)), None)

    def category(self, text: str) -> str | None:
        """The first category whose patterns match the text (pharmacy also where a drug
        class matches), else None."""
        for cid, pattern in self.categories:
            if pattern.search(text) or (cid == PHARMACY and self.drug_class(text)):
                return cid
        return None

    def classify(self, text: str) -> tuple[str | None, str | None]:
        """(category, drug class) of an item text, the drug class only for pharmacy: the
        category of its head (`head`) where the lexicon knows it, else of the whole text;
        the drug class of the whole text ("Tylenol with codeine" is an opioid). Whitespace
        runs count as one space."""
        answer = self._answers.get(text)
        if answer is None:
            if len(self._answers) >= MEMORY:
                self._answers.clear()
            answer = self._answers[text] = self._classify(text)
        return answer

    def _classify(self, text: str) -> tuple[str | None, str | None]:
        text = " ".join(text.split())
        for part in dict.fromkeys((head(text), text)):
            category = self.category(part)
            if category is not None:
                return category, self.drug_class(text) if category == PHARMACY else None
        return None, None


def load_lexicon(path: Path = LEXICON_FILE) -> CategoryLexicon:
    """Read and compile a lexicon file; a bad file fails naming it and the entry."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        categories, drug_classes = data["categories"], data["drug_classes"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise PatternError(f"{path}: not a category lexicon ({err})") from None
    return CategoryLexicon(tuple(_compiled(categories, CATEGORIES, f"{path} categories")),
                           tuple(_compiled(drug_classes, DRUG_CLASSES, f"{path} drug_classes")))


@lru_cache(maxsize=1)
def shared_lexicon() -> CategoryLexicon:
    """The package's lexicon, read once per process."""
    return load_lexicon()
