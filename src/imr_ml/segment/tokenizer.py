"""A letter-shaped spaCy tokenizer: tokens are the letter's parts, not its words.

Segmenting needs token boundaries only where an item or its rationale begins or ends, and
(with `sentences`, for the sentence spans of `imr_sentence_roles`) where a sentence of a
rationale does. This tokenizer parses the letter's layout once (`imr_ml.segment.parser`), cuts tokens at exactly
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

from imr_ml.segment.parser import LayoutParser, LetterParse
from imr_ml.segment.sentences import sentence_bounds

PARSE_KEY = "imr_ml.parse"  # Doc.user_data key; the segmenter component removes it
# Doc.user_data key of the rationale sentences: rationale bounds -> (start char, end char,
# start token, end token) of each sentence. The sentence-roles component removes it.
SENTENCES_KEY = "imr_ml.sentences"


class LetterTokenizer:
    """Cut a letter into tokens at its item and rationale boundaries, and with `sentences`
    at the boundaries of each rationale's sentences too (only for pipelines that put
    sentences on the Doc: it costs about a third more time). A lone space between two parts
    is the first part's trailing whitespace (`Token.whitespace_`), not a token of its own:
    the same text in fewer tokens."""

    def __init__(self, vocab: Vocab, parser: LayoutParser | None = None,
                 sentences: bool = True) -> None:
        self.vocab = vocab
        self.parser = parser or LayoutParser()
        self.sentences = sentences

    def __call__(self, text: str) -> Doc:
        parse = self.parser.parse(text)
        cuts = parse.cuts() | {0, len(text)}
        sentences = _sentences(text, parse) if self.sentences else {}
        for pieces in sentences.values():
            for start, end in pieces:
                cuts.add(start)
                cuts.add(end)
        cuts = sorted(cuts)
        words: list[str] = []
        spaces: list[bool] = []
        token_at = {}
        for a, b in itertools.pairwise(cuts):
            token_at[a] = len(words)  # the token starting at a, or after a folded space
            if b == a + 1 and text[a] == " " and words and not spaces[-1]:
                spaces[-1] = True
                continue
            words.append(text[a:b])
            spaces.append(False)
        token_at[len(text)] = len(words)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data[PARSE_KEY] = parse
        if self.sentences:
            doc.user_data[SENTENCES_KEY] = {
                rationale: [(a, b, token_at[a], token_at[b]) for a, b in pieces]
                for rationale, pieces in sentences.items()}
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


def _sentences(text: str, parse: LetterParse) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """The sentences of each rationale (`sentence_bounds`), as offsets into the letter."""
    out = {}
    for item in parse.items:
        if item.rationale:
            start, end = item.rationale
            out[item.rationale] = [(start + a, start + b)
                                   for a, b in sentence_bounds(text[start:end])]
    return out


@spacy.registry.tokenizers("imr_ml.letter_tokenizer.v1")
def create_letter_tokenizer(sentences: bool = True):
    """Registered tokenizer factory, referenced from the pipeline config (`sentences`: cut
    at rationale sentences too)."""

    def make(nlp: spacy.Language) -> LetterTokenizer:
        # Tokens are letter parts, for which word attributes (shape, is_alpha, like_num...)
        # mean nothing; computing them for each new part was most of the tokenizer's time.
        nlp.vocab.lex_attr_getters = {}
        return LetterTokenizer(nlp.vocab, sentences=sentences)

    return make
