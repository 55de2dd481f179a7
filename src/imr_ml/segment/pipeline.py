"""The segmentation pipeline: `make_nlp()`.

`spacy.blank("en")` with the letter tokenizer (`imr_ml.segment.tokenizer`), the segmenter
(`imr_segmenter`: the items, `imr_ml.segment.component`) and, unless turned off, the sentence
roles of each rationale (`imr_sentence_roles`, `imr_ml.segment.role_component`).
"""

from __future__ import annotations

import spacy
from spacy.language import Language

# Imported for the factories they register.
from imr_ml.segment import component, role_component, tokenizer  # noqa: F401


def pipeline_config(sentence_roles: bool = True) -> dict:
    """The config of `make_nlp`'s blank pipeline: the letter tokenizer, which cuts tokens at
    rationale sentences only where the sentence roles need them."""
    return {"nlp": {"tokenizer": {"@tokenizers": "imr_ml.letter_tokenizer.v1",
                                  "sentences": sentence_roles}}}


def make_nlp(sentence_roles: bool = True) -> Language:
    """Blank English, the letter tokenizer, the segmenter and the sentence roles.

    `sentence_roles=False` leaves out the sentences and their roles (and the tokenizer's cuts
    for them), for callers that read the items only, such as the segment rows: segmenting
    is then about a third faster.
    """
    nlp = spacy.blank("en", config=pipeline_config(sentence_roles))
    nlp.add_pipe("imr_segmenter")
    if sentence_roles:
        nlp.add_pipe("imr_sentence_roles")
    return nlp
