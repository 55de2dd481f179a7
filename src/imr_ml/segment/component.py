"""spaCy component that finds the disputed items of an IMR letter.

`imr_segmenter` (in `imr_ml.segment.pipeline.make_nlp()`, after the letter tokenizer) puts
each item's block on `doc.spans["items"]` with:

- `Span._.item_text`: the item as the letter names it, whitespace collapsed
- `Span._.decision_stated`: "upheld", "overturned" or None
- `Span._.guidelines`: the reviewer's citations (`imr_ml.segment.guidelines.Citation` dicts)
- `Span._.guidelines_claims_administrator`: the claims administrator's citations, alike
- `Span._.rationale`: the decision rationale as a Span (or None)
- `Span._.original_request`, `Span._.eligible_portion`: for partly authorised items
- `Span._.category`, `Span._.drug_class`: the treatment category and (pharmacy) drug class
  the category lexicon gives the item text (`imr_ml.segment.categories`), or None

and sets `Doc._.layout` (a layout name or None), `Doc._.segment_reason` (why there are
no items, or None) and the letter facts (`imr_ml.segment.facts.FIELDS`: `Doc._.case_number`,
`Doc._.decision_date`, `Doc._.reviewer_specialty`, ...; empty where the letter does not
state them). Text the rules do not recognise yields no items and a reason; it never
raises. The component works after any tokenizer (spans then snap outwards to tokens); the
letter tokenizer makes it fast and its spans exact.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from imr_ml.segment.categories import shared_lexicon
from imr_ml.segment.facts import FIELDS as FACT_FIELDS
from imr_ml.segment.parser import LayoutParser, LetterParse
from imr_ml.segment.tokenizer import PARSE_KEY

SPANS_KEY = "items"
DOC_FIELDS = ("layout", "segment_reason", *FACT_FIELDS)
SPAN_FIELDS = ("item_text", "decision_stated", "guidelines", "guidelines_claims_administrator",
               "rationale", "original_request", "eligible_portion", "category", "drug_class")

for _name in DOC_FIELDS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
for _name in SPAN_FIELDS:
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class Segmenter:
    """Pipeline component: the items of a letter on `doc.spans[spans_key]`."""

    def __init__(self, spans_key: str = SPANS_KEY) -> None:
        self.spans_key = spans_key
        self.parser = LayoutParser()
        self.lexicon = shared_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        parse: LetterParse | None = doc.user_data.pop(PARSE_KEY, None)
        if parse is None:
            parse = self.parser.parse(doc.text)
        doc_ext = doc._
        doc_ext.layout = parse.layout
        doc_ext.segment_reason = parse.reason
        for name, value in parse.facts.items():
            setattr(doc_ext, name, value)
        spans: list[Span] = []
        for item in parse.items:
            span = doc.char_span(*item.block, alignment_mode="expand")
            if span is None or (spans and span.start < spans[-1].end):
                continue  # only where another tokenizer merged two items into one token
            ext = span._  # each `span._` access builds a new accessor: take it once
            ext.item_text = item.item_text
            ext.decision_stated = item.decision
            ext.guidelines = item.guidelines
            ext.guidelines_claims_administrator = item.guidelines_claims_administrator
            if item.rationale:
                ext.rationale = doc.char_span(*item.rationale, alignment_mode="expand")
            ext.original_request = item.original_request
            ext.eligible_portion = item.eligible_portion
            ext.category, ext.drug_class = self.lexicon.classify(item.item_text)
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory(
    "imr_segmenter",
    default_config={"spans_key": SPANS_KEY},
    assigns=["doc.spans", *(f"doc._.{name}" for name in DOC_FIELDS),
             *(f"span._.{name}" for name in SPAN_FIELDS)],
)
def make_segmenter(nlp: Language, name: str, spans_key: str) -> Segmenter:
    """Registered factory of the segmenter component."""
    return Segmenter(spans_key)
