"""spaCy component after the segmenter: the sentences of each rationale, with their roles.

`imr_sentence_roles` cuts each item's rationale into sentences
(`imr_ml.segment.sentences`) and puts

- every rationale sentence, in letter order, on `doc.spans["sentences"]`, each with
  `Span._.role` (guideline, history, finding, conclusion; None for spans that are not
  rationale sentences);
- on each item span, `Span._.sentences`: its rationale's sentence spans (empty without a
  rationale).

Roles are given when first read, for the whole rationale at once (`imr_ml.segment.roles`;
a role can depend on the sentence before), and kept on the Doc: labelling every rationale
would cost about twice the segmentation itself, and segment rows and scoring do not read
roles from the Doc. The letter tokenizer cuts tokens at these sentences, so the spans are
exact; after another tokenizer they snap outwards to tokens (a sentence that would then
overlap the one before is left out). Odd text never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from imr_ml.segment.component import SPANS_KEY
from imr_ml.segment.roles import RoleLabeller, default_labeller, load_role_cues
from imr_ml.segment.sentences import sentence_bounds
from imr_ml.segment.tokenizer import SENTENCES_KEY as TOKENIZER_SENTENCES_KEY
from imr_ml.segment.tokenizer import LetterTokenizer

SENTENCES_KEY = "sentences"
STATE_KEY = "imr_ml.sentence_roles"  # Doc.user_data key of the roles (`_DocRoles`)

Bounds = tuple[int, int]


@dataclass
class _DocRoles:
    """What the `role` getter needs: for each sentence span, its rationale and its bounds as
    the labeller cut it (the same, unless another tokenizer snapped the span); the roles
    given so far, by those bounds."""

    cues_path: str | None
    sentence_of: dict[Bounds, tuple[Bounds, Bounds]] = field(default_factory=dict)
    roles: dict[Bounds, str] = field(default_factory=dict)


@cache
def _labeller(cues_path: str | None) -> RoleLabeller:
    return RoleLabeller(load_role_cues(cues_path)) if cues_path else default_labeller()


def _role(span: Span) -> str | None:
    """The role of a rationale sentence; its whole rationale is labelled on first read."""
    state: _DocRoles | None = span.doc.user_data.get(STATE_KEY)
    found = state.sentence_of.get((span.start_char, span.end_char)) if state else None
    if found is None:
        return None
    (start, end), sentence = found
    if sentence not in state.roles:
        for a, b, role in _labeller(state.cues_path).label(span.doc.text[start:end]):
            state.roles[(start + a, start + b)] = role
    return state.roles.get(sentence)


if not Span.has_extension("role"):
    Span.set_extension("role", getter=_role)
if not Span.has_extension("sentences"):
    Span.set_extension("sentences", default=None)


class SentenceRoles:
    """Pipeline component: rationale sentences on `doc.spans[spans_key]`, roles on read.

    Parameters
    ----------
    items_key : str
        Where the segmenter put the items (`doc.spans[items_key]`).
    spans_key : str
        Where the sentences go.
    cues_path : str, optional
        A cues file other than the packaged ``sentence_roles.json`` (validated here).
    """

    def __init__(self, items_key: str = SPANS_KEY, spans_key: str = SENTENCES_KEY,
                 cues_path: str | None = None) -> None:
        self.items_key = items_key
        self.spans_key = spans_key
        self.cues_path = cues_path
        _labeller(cues_path)  # load and validate the cues now, not at the first read

    def __call__(self, doc: Doc) -> Doc:
        # The letter tokenizer's sentences, with their tokens (None after another tokenizer)
        cut = doc.user_data.pop(TOKENIZER_SENTENCES_KEY, None)
        state = _DocRoles(self.cues_path)
        every: list[Span] = []
        for item in doc.spans.get(self.items_key, ()):
            ext = item._  # each `span._` access builds a new accessor: take it once
            rationale = ext.rationale
            sentences: list[Span] = []
            if rationale is not None:
                bounds = (rationale.start_char, rationale.end_char)
                pieces = cut.get(bounds) if cut is not None else None
                if pieces is not None:
                    for start, end, first, last in pieces:
                        sentences.append(Span(doc, first, last))
                        state.sentence_of[(start, end)] = (bounds, (start, end))
                else:
                    sentences = self._snapped(doc, bounds, state)
            ext.sentences = sentences
            every += sentences
        doc.spans[self.spans_key] = every
        doc.user_data[STATE_KEY] = state
        return doc

    @staticmethod
    def _snapped(doc: Doc, bounds: Bounds, state: _DocRoles) -> list[Span]:
        """The rationale's sentences snapped outwards to the tokens of another tokenizer."""
        offset = bounds[0]
        spans: list[Span] = []
        for a, b in sentence_bounds(doc.text[bounds[0]:bounds[1]]):
            span = doc.char_span(offset + a, offset + b, alignment_mode="expand")
            if span is None or (spans and span.start < spans[-1].end):
                continue  # two sentences in one token: the first has it
            spans.append(span)
            state.sentence_of[(span.start_char, span.end_char)] = (bounds,
                                                                    (offset + a, offset + b))
        return spans


@Language.factory(
    "imr_sentence_roles",
    default_config={"items_key": SPANS_KEY, "spans_key": SENTENCES_KEY, "cues_path": None},
    assigns=["doc.spans", "span._.role", "span._.sentences"],
    requires=["doc.spans", "span._.rationale"],
)
def make_sentence_roles(nlp: Language, name: str, items_key: str, spans_key: str,
                        cues_path: str | None) -> SentenceRoles:
    """Registered factory of the sentence-roles component. A letter tokenizer that does not
    cut at sentences is told to: the sentence spans need those tokens."""
    if isinstance(nlp.tokenizer, LetterTokenizer):
        nlp.tokenizer.sentences = True
    return SentenceRoles(items_key, spans_key, cues_path)
