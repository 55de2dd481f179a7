"""Letters → disputed items: the spaCy pipeline that segments a letter, in every layout.

`layouts` is the table of letter layouts, `parser` applies it to a letter's text,
`guidelines` reads the citations, `facts` the letter facts (case number, dates, reviewer),
`tokenizer` and `component` make it a spaCy pipeline
(`pipeline.make_nlp`), and `rows` turns letters into the item rows shared by `segment`,
training and scoring. `sentences` cuts a rationale into sentences, `roles` gives each its
role (guideline, history, finding, conclusion; pure Python, `sentence_roles`), and
`role_component` puts them on the Doc.
"""

from imr_ml.segment.component import SPANS_KEY
from imr_ml.segment.pipeline import make_nlp
from imr_ml.segment.role_component import SENTENCES_KEY
from imr_ml.segment.roles import ROLES, sentence_roles
from imr_ml.segment.rows import segment_letters

__all__ = ["ROLES", "SENTENCES_KEY", "SPANS_KEY", "make_nlp", "segment_letters",
           "sentence_roles"]
