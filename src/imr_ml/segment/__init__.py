"""Letters → disputed items: the spaCy pipeline that segments a letter, in every layout.

`layouts` is the table of letter layouts, `parser` applies it to a letter's text,
`guidelines` reads the citations, `tokenizer` and `component` make it a spaCy pipeline
(`make_nlp`), and `rows` turns letters into the item rows shared by `segment`, training and
scoring.
"""

from imr_ml.segment.component import SPANS_KEY, make_nlp
from imr_ml.segment.rows import segment_letters

__all__ = ["SPANS_KEY", "make_nlp", "segment_letters"]
