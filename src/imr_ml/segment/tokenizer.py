"""A letter-shaped spaCy tokenizer: tokens are the letter's parts, not its words.

Segmenting needs token boundaries only where an item or its rationale begins or ends.
This tokenizer parses the letter's layout once (`imr_ml.segment.parser`), cuts tokens at exactly
those offsets, and leaves the parse on the Doc for the segmenter component, so a letter
becomes a Doc of a few dozen tokens. That is what makes segmentation many times faster
than spaCy's word tokenizer, which alone is slower than the whole segmenter. The Doc text
is always the input text, character for character.
"""

from __future__ import annotations

import itertools

import spacy
from spacy.tokens import Doc
from spacy.vocab import Vocab

from imr_ml.segment.parser import LayoutParser

PARSE_KEY = "imr_ml.parse"  # Doc.user_data key; the segmenter component removes it


class LetterTokenizer:
    """Cut a letter into tokens at its item and rationale boundaries."""

    def __init__(self, vocab: Vocab, parser: LayoutParser | None = None) -> None:
        self.vocab = vocab
        self.parser = parser or LayoutParser()

    def __call__(self, text: str) -> Doc:
        parse = self.parser.parse(text)
        cuts = sorted(parse.cuts() | {0, len(text)})
        words = [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))
        doc.user_data[PARSE_KEY] = parse
        return doc

    # spaCy serialises the tokenizer with a pipeline; this one has no state of its own.
    def to_bytes(self, **_: object) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_: object) -> LetterTokenizer:
        return self

    def to_disk(self, _path: object, **_: object) -> None:
        return None

    def from_disk(self, _path: object, **_: object) -> LetterTokenizer:
        return self


@spacy.registry.tokenizers("imr_ml.letter_tokenizer.v1")
def create_letter_tokenizer():
    """Registered tokenizer factory, referenced from the pipeline config."""

    def make(nlp: spacy.Language) -> LetterTokenizer:
        # Tokens are letter parts, for which word attributes (shape, is_alpha, like_num...)
        # mean nothing; computing them for each new part was most of the tokenizer's time.
        nlp.vocab.lex_attr_getters = {}
        return LetterTokenizer(nlp.vocab)

    return make
